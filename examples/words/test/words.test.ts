import { Generator } from "nabla";
import { describe, expect, it } from "vitest";
import { DEFAULTS, parseArgs } from "../src/cli.js";
import {
  ALPHABET,
  BOUNDARY,
  bigramLoss,
  encodeBatch,
  loadWords,
  PAD,
  run,
  splitWords,
  VOCABULARY,
} from "../src/words.js";

const words = loadWords();

describe("the word list and its encoding", () => {
  it("reads the word-list package: lowercase words only", () => {
    expect(words.length).toBeGreaterThan(250_000);
    expect(words.every((w) => /^[a-z]+$/.test(w))).toBe(true);
  });

  it("splits into disjoint samples, the same for the same seed", () => {
    const a = splitWords(words, { train: 500, validation: 100, maxLength: 8 }, new Generator(3));
    const b = splitWords(words, { train: 500, validation: 100, maxLength: 8 }, new Generator(3));
    expect(a).toEqual(b);
    expect(a.train.every((w) => w.length >= 2 && w.length <= 8)).toBe(true);
    const train = new Set(a.train);
    expect(a.validation.some((w) => train.has(w))).toBe(false);
  });

  it("pads a batch: inputs start with the boundary, targets end with it, padded targets are ignored", () => {
    const { inputs, targets, lengths } = encodeBatch(["ab", "c"]);
    const [a, b, c] = [...ALPHABET.slice(0, 3)].map((l) => 2 + ALPHABET.indexOf(l));
    expect(inputs.shape).toEqual([2, 3]);
    expect(Array.from(inputs.data)).toEqual([BOUNDARY, a, b, BOUNDARY, c, PAD]);
    expect(Array.from(targets.data)).toEqual([a, b, BOUNDARY, c, BOUNDARY, -100]);
    expect(lengths).toEqual([3, 2]);
    expect(VOCABULARY).toBe(28);
  });

  it("scores the bigram baseline as the mean negative log-likelihood per prediction", () => {
    // Training "ab" twice: from the boundary, 'a' was seen 2 times out of 2 (add-one: 3/29).
    const loss = bigramLoss(["ab", "ab"], ["ab"]);
    const expected = -(Math.log(3 / 29) + Math.log(3 / 29) + Math.log(3 / 29)) / 3;
    expect(loss).toBeCloseTo(expected, 12);
  });
});

describe("the example, in miniature", () => {
  const config = {
    ...DEFAULTS,
    trainWords: 1500,
    validationWords: 300,
    hiddenSize: 32,
    embeddingDim: 8,
    epochs: 3,
    lr: 1e-2,
    samples: 4,
  };

  it("learns: the validation loss falls below uniform guessing and the bigram's; the same seed gives the same run", () => {
    const lines: string[] = [];
    const result = run(config, words, (line) => lines.push(line));
    expect(result.validationLoss).toHaveLength(3);
    // Guessing uniformly among 26 letters and the end costs ln 27 = 3.30 nats per prediction.
    expect(result.validationLoss[0]!).toBeLessThan(Math.log(27));
    expect(result.validationLoss[2]!).toBeLessThan(result.validationLoss[0]!);
    expect(result.validationLoss[2]!).toBeLessThan(result.bigram);
    expect(result.after.every((w) => /^[a-z]*$/.test(w))).toBe(true);
    expect(lines.some((l) => l.startsWith("epoch 3/3: train loss"))).toBe(true);
    expect(lines.some((l) => l.startsWith("Samples after training"))).toBe(true);
    const again = run(config, words, () => {});
    expect(again.validationLoss).toEqual(result.validationLoss);
    expect(again.after).toEqual(result.after);
  });
});

describe("the command line", () => {
  it("reads the flags over the defaults and names a bad one", () => {
    expect(parseArgs(["--", "--epochs", "2", "--lr", "0.01"])).toEqual({ ...DEFAULTS, epochs: 2, lr: 0.01 });
    expect(parseArgs(["--help"])).toBe("help");
    expect(() => parseArgs(["--epochs", "0"])).toThrow("--epochs must be a positive integer, got '0'");
    expect(() => parseArgs(["--batch", "3"])).toThrow("unknown flag '--batch'");
  });
});
