import { tensor } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { softmaxCrossEntropy } from "../src/index.js";

// Class labels read from a CSV or JSON file often arrive as strings: say so, rather than calling
// the label "0" a non-integer.

const logits = tensor([
  [1, 2, 3],
  [3, 2, 1],
]);

describe("softmaxCrossEntropy: labels that are not numbers", () => {
  it("string labels are called strings, quoted, with what to do", () => {
    expect(messageOf(() => softmaxCrossEntropy(logits, ["0", "1"] as never))).toBe(
      'softmaxCrossEntropy: label "0" at row 0 is a string; expected an integer class index (convert the labels with Number(...))',
    );
    expect(messageOf(() => softmaxCrossEntropy(logits, [0, "1"] as never))).toBe(
      'softmaxCrossEntropy: label "1" at row 1 is a string; expected an integer class index (convert the labels with Number(...))',
    );
  });

  it("other non-numbers are named as they are", () => {
    expect(messageOf(() => softmaxCrossEntropy(logits, [null, 1] as never))).toBe(
      "softmaxCrossEntropy: label null at row 0 is not a number; expected an integer class index",
    );
    expect(messageOf(() => softmaxCrossEntropy(logits, [0, [1]] as never))).toBe(
      "softmaxCrossEntropy: label [1] at row 1 is not a number; expected an integer class index",
    );
  });

  it("numbers that are not integers still say so", () => {
    expect(messageOf(() => softmaxCrossEntropy(logits, [0, 1.5]))).toBe(
      "softmaxCrossEntropy: label 1.5 at row 1 is not an integer",
    );
    expect(messageOf(() => softmaxCrossEntropy(logits, [NaN, 1]))).toBe(
      "softmaxCrossEntropy: label NaN at row 0 is not an integer",
    );
  });

  it("option values are shown as given", () => {
    expect(messageOf(() => softmaxCrossEntropy(logits, [0, 1], { labelSmoothing: "0.1" as never }))).toBe(
      'softmaxCrossEntropy: labelSmoothing must be in [0, 1], got "0.1"',
    );
    expect(messageOf(() => softmaxCrossEntropy(logits, [0, 1], { ignoreIndex: "-100" as never }))).toBe(
      'softmaxCrossEntropy: ignoreIndex must be an integer, got "-100"',
    );
  });
});
