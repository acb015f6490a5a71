import { readFileSync } from "node:fs";
import {
  Adam,
  CosineAnnealingLR,
  clipGradNorm,
  Dense,
  Embedding,
  type Generator,
  GRU,
  Module,
  manualSeed,
  noGrad,
  reshape,
  softmaxCrossEntropy,
  Tensor,
  type Variable,
} from "nabla";
import wordListPath from "word-list";

/** Token 0 pads short words in a batch; token 1 marks both ends of a word; then a..z. */
export const PAD = 0;
export const BOUNDARY = 1;
const FIRST_LETTER = 2;
export const ALPHABET = "abcdefghijklmnopqrstuvwxyz";
export const VOCABULARY = FIRST_LETTER + ALPHABET.length;
/** What softmaxCrossEntropy skips: the targets of padded steps. */
const IGNORED = -100;

/** The word-list package's 274,136 lowercase English words (MIT licence; the list ships inside the package). */
export function loadWords(): string[] {
  return readFileSync(wordListPath, "utf8")
    .split("\n")
    .filter((w) => /^[a-z]+$/.test(w));
}

export interface Split {
  train: string[];
  validation: string[];
}

/**
 * Two disjoint random samples of the words of 2..maxLength letters, drawn with `generator`: the
 * same seed gives the same split.
 */
export function splitWords(
  words: readonly string[],
  sizes: { train: number; validation: number; maxLength: number },
  generator: Generator,
): Split {
  const eligible = words.filter((w) => w.length >= 2 && w.length <= sizes.maxLength);
  if (sizes.train + sizes.validation > eligible.length) {
    throw new Error(
      `splitWords: asked for ${sizes.train} + ${sizes.validation} words, but only ${eligible.length} have 2..${sizes.maxLength} letters`,
    );
  }
  const order = generator.permutation(eligible.length);
  const pick = (from: number, count: number): string[] =>
    Array.from(order.subarray(from, from + count), (i) => eligible[i]!);
  return { train: pick(0, sizes.train), validation: pick(sizes.train, sizes.validation) };
}

function token(letter: string): number {
  return FIRST_LETTER + ALPHABET.indexOf(letter);
}

export interface Batch {
  /** [B, T] int32: the boundary token, then the letters, then padding. */
  inputs: Tensor;
  /** [B·T] int32: the letters, then the boundary token, then IGNORED. */
  targets: Tensor;
  /** Letters + 1 for each word: the steps that are not padding. */
  lengths: number[];
}

/** A word of n letters is n + 1 predictions: each letter from the ones before it, then the end. */
export function encodeBatch(words: readonly string[]): Batch {
  const lengths = words.map((w) => w.length + 1);
  const steps = Math.max(...lengths);
  const inputs = new Int32Array(words.length * steps).fill(PAD);
  const targets = new Int32Array(words.length * steps).fill(IGNORED);
  words.forEach((word, b) => {
    const row = b * steps;
    inputs[row] = BOUNDARY;
    for (let t = 0; t < word.length; t++) {
      inputs[row + t + 1] = token(word[t]!);
      targets[row + t] = token(word[t]!);
    }
    targets[row + word.length] = BOUNDARY;
  });
  return {
    inputs: new Tensor(inputs, [words.length, steps]),
    targets: new Tensor(targets, [words.length * steps]),
    lengths,
  };
}

/** Consecutive batches of `words` in the given order. */
export function batches(words: readonly string[], batchSize: number, order?: Int32Array): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < words.length; i += batchSize) {
    const slice =
      order === undefined
        ? words.slice(i, i + batchSize)
        : Array.from(order.subarray(i, i + batchSize), (k) => words[k]!);
    out.push(encodeBatch(slice));
  }
  return out;
}

/**
 * The baseline: P(next | previous) from the letter-pair counts of the training words, with add-one
 * smoothing, scored as the mean negative log-likelihood per prediction (nats) on `validation`.
 */
export function bigramLoss(train: readonly string[], validation: readonly string[]): number {
  const counts = new Float64Array(VOCABULARY * VOCABULARY);
  const pairs = (word: string, visit: (previous: number, next: number) => void): void => {
    let previous = BOUNDARY;
    for (const letter of word) {
      visit(previous, token(letter));
      previous = token(letter);
    }
    visit(previous, BOUNDARY);
  };
  for (const w of train) pairs(w, (p, n) => counts[p * VOCABULARY + n]!++);
  // The outcomes a prediction can take: the 26 letters and the end of the word.
  const outcomes = ALPHABET.length + 1;
  const rowTotals = new Float64Array(VOCABULARY);
  for (let p = 0; p < VOCABULARY; p++)
    for (let n = 0; n < VOCABULARY; n++) rowTotals[p]! += counts[p * VOCABULARY + n]!;
  let nll = 0;
  let predictions = 0;
  for (const w of validation) {
    pairs(w, (p, n) => {
      nll -= Math.log((counts[p * VOCABULARY + n]! + 1) / (rowTotals[p]! + outcomes));
      predictions++;
    });
  }
  return nll / predictions;
}

export interface CharModelOptions {
  embeddingDim: number;
  hiddenSize: number;
  generator: Generator;
}

/** Embedding → GRU → Dense: the logits of the next character at every step. */
export class CharModel extends Module {
  embedding: Embedding;
  gru: GRU;
  head: Dense;

  constructor({ embeddingDim, hiddenSize, generator }: CharModelOptions) {
    super();
    this.embedding = new Embedding(VOCABULARY, embeddingDim, { paddingIdx: PAD, generator });
    this.gru = new GRU(embeddingDim, hiddenSize, { batchFirst: true, generator });
    this.head = new Dense(hiddenSize, VOCABULARY, { init: "xavier", generator });
  }

  /** [B, T] token ids → [B, T, VOCABULARY] logits; padded steps (past `lengths`) give the bias alone. */
  forward(inputs: Variable | Tensor, lengths?: readonly number[]): Variable {
    return this.run(inputs, { lengths }).logits;
  }

  /** The logits and the final hidden state, from `h0` if given (sampling continues from it). */
  run(
    inputs: Variable | Tensor,
    state: { lengths?: readonly number[]; h0?: Variable },
  ): { logits: Variable; h: Variable } {
    const { output, h } = this.gru.forward(this.embedding.forward(inputs), state);
    return { logits: this.head.forward(output), h };
  }
}

/** The mean cross-entropy per prediction (nats) of one batch, and the number of predictions. */
export function batchLoss(model: CharModel, batch: Batch): { loss: Variable; predictions: number } {
  const logits = model.forward(batch.inputs, batch.lengths);
  const flat = reshape(logits, [batch.targets.size, VOCABULARY]);
  const predictions = batch.lengths.reduce((a, b) => a + b, 0);
  return { loss: softmaxCrossEntropy(flat, batch.targets), predictions };
}

/** The mean cross-entropy per prediction (nats) over all the words, in eval mode. */
export function evaluate(model: CharModel, words: readonly string[], batchSize: number): number {
  model.eval();
  let nll = 0;
  let predictions = 0;
  noGrad(() => {
    for (const batch of batches(words, batchSize)) {
      const { loss, predictions: n } = batchLoss(model, batch);
      nll += loss.item() * n;
      predictions += n;
    }
  });
  model.train();
  return nll / predictions;
}

/**
 * A new word, one letter at a time: each next token is drawn from softmax(logits / temperature)
 * (below 1 sharper, above 1 flatter) with `generator`, until the end token or `maxLength` letters.
 */
export function sample(model: CharModel, generator: Generator, temperature: number, maxLength: number): string {
  let word = "";
  noGrad(() => {
    let h: Variable | undefined;
    let previous = BOUNDARY;
    while (word.length < maxLength) {
      const step = model.run(new Tensor(Int32Array.of(previous), [1, 1]), { h0: h });
      h = step.h;
      const logits = step.logits.value.data;
      // Every token but padding can come next.
      let largest = -Infinity;
      for (let v = BOUNDARY; v < VOCABULARY; v++) largest = Math.max(largest, logits[v]!);
      const weights = new Float64Array(VOCABULARY);
      let total = 0;
      for (let v = BOUNDARY; v < VOCABULARY; v++) total += weights[v] = Math.exp((logits[v]! - largest) / temperature);
      let u = generator.random() * total;
      let next = VOCABULARY - 1;
      for (let v = BOUNDARY; v < VOCABULARY; v++) {
        u -= weights[v]!;
        if (u < 0) {
          next = v;
          break;
        }
      }
      if (next === BOUNDARY) break;
      word += ALPHABET[next - FIRST_LETTER];
      previous = next;
    }
  });
  return word;
}

export interface RunConfig {
  trainWords: number;
  validationWords: number;
  /** Longest word used, in letters. */
  maxLength: number;
  embeddingDim: number;
  hiddenSize: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** clipGradNorm's maxNorm, applied to every step's gradients. */
  clip: number;
  samples: number;
  temperature: number;
  seed: number;
}

export interface RunResult {
  bigram: number;
  /** Training loss (nats per prediction) of each epoch. */
  trainLoss: number[];
  /** Validation loss after each epoch. */
  validationLoss: number[];
  before: string[];
  after: string[];
  /** The sampled words after training that are not in the word list. */
  invented: string[];
}

/**
 * The whole example: split the list, measure the bigram baseline, sample from the untrained
 * model, train with Adam (cosine-annealed, gradients clipped), evaluate after every epoch, sample
 * again. `print` receives each line of the report as it is made.
 */
export function run(config: RunConfig, words: readonly string[], print: (line: string) => void): RunResult {
  const generator = manualSeed(config.seed);
  const split = splitWords(
    words,
    { train: config.trainWords, validation: config.validationWords, maxLength: config.maxLength },
    generator,
  );
  const model = new CharModel({ embeddingDim: config.embeddingDim, hiddenSize: config.hiddenSize, generator });
  const optimizer = new Adam(model.parameters(), { lr: config.lr });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: config.epochs });
  const draw = (): string[] =>
    Array.from({ length: config.samples }, () => sample(model, generator, config.temperature, config.maxLength + 4));
  const bigram = bigramLoss(split.train, split.validation);

  print(
    `Words: ${split.train.length} for training, ${split.validation.length} for validation (2-${config.maxLength} letters, seed ${config.seed})`,
  );
  print(`Model: ${model.toString().replace(/\s*\n\s*/g, " ")}, ${model.numParameters()} parameters`);
  print(`Bigram baseline (add-one smoothing) on the validation words: ${bigram.toFixed(3)} nats per character`);
  const before = draw();
  print(`Samples before training (temperature ${config.temperature}): ${before.join(" ")}`);

  const trainLoss: number[] = [];
  const validationLoss: number[] = [];
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const started = performance.now();
    let nll = 0;
    let predictions = 0;
    for (const batch of batches(split.train, config.batchSize, generator.permutation(split.train.length))) {
      optimizer.zeroGrad();
      const { loss, predictions: n } = batchLoss(model, batch);
      loss.backward();
      clipGradNorm(model.parameters(), config.clip);
      optimizer.step();
      nll += loss.item() * n;
      predictions += n;
    }
    scheduler.step();
    trainLoss.push(nll / predictions);
    validationLoss.push(evaluate(model, split.validation, 256));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    print(
      `epoch ${epoch}/${config.epochs}: train loss ${trainLoss.at(-1)!.toFixed(3)}, validation loss ${validationLoss.at(-1)!.toFixed(3)} (${seconds}s)`,
    );
  }
  const after = draw();
  const known = new Set(words);
  const invented = after.filter((w) => !known.has(w));
  print(`Samples after training (temperature ${config.temperature}): ${after.join(" ")}`);
  print(`Not in the word list: ${invented.length === 0 ? "(none)" : invented.join(" ")}`);
  const last = validationLoss.at(-1)!;
  print(
    `Validation loss ${last.toFixed(3)} nats per character against the bigram's ${bigram.toFixed(3)} (${(100 * (1 - last / bigram)).toFixed(1)}% lower)`,
  );
  return { bigram, trainLoss, validationLoss, before, after, invented };
}
