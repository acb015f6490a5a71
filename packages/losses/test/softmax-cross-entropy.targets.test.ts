import { variable } from "@nabla/autograd";
import { full, Generator, maxAbsDiff, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { softmaxCrossEntropy } from "../src/index.js";

// Gaps found by mutation testing (docs/mutation.md): probability targets next to an ignoreIndex,
// and the target and weight checks taken one condition at a time.

const logits = (rows = 4, cols = 3, seed = 1): Tensor =>
  randn([rows, cols], { generator: new Generator(seed), dtype: "float64" });

/** Rows of class probabilities, each summing to 1. */
function probabilities(rows: number, cols: number, seed: number): Tensor {
  const z = randn([rows, cols], { generator: new Generator(seed), dtype: "float64" }).data;
  const q = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += q[i * cols + c] = Math.exp(z[i * cols + c]!);
    for (let c = 0; c < cols; c++) q[i * cols + c] = q[i * cols + c]! / s;
  }
  return tensor(q, [rows, cols]);
}

/** Loss and gradient of the logits for one call. */
function lossAndGrad(
  z: Tensor,
  target: Tensor | number[],
  options: Parameters<typeof softmaxCrossEntropy>[2],
): { loss: Tensor; grad: Tensor } {
  const v = variable(z, { requiresGrad: true });
  const loss = softmaxCrossEntropy(v, target, options);
  loss.backward(loss.rank === 0 ? undefined : full(loss.shape, 1, "float64"));
  return { loss: loss.value, grad: v.grad! };
}

describe("softmaxCrossEntropy: probability targets and ignoreIndex", () => {
  for (const reduction of ["mean", "sum", "none"] as const) {
    it(`a negative ignoreIndex other than the default ignores nothing in a probability target (${reduction})`, () => {
      // A row index of -1 is what a probability target's rows carry internally: it must not match.
      const z = logits();
      const q = probabilities(4, 3, 2);
      const plain = lossAndGrad(z, q, { reduction });
      const withIndex = lossAndGrad(z, q, { reduction, ignoreIndex: -1 });
      expect(maxAbsDiff(withIndex.loss, plain.loss)).toBe(0);
      expect(maxAbsDiff(withIndex.grad, plain.grad)).toBe(0);
      expect(Array.from(plain.grad.data).some((g) => g !== 0)).toBe(true);
    });
  }

  it("the same ignoreIndex -1 does ignore class-index rows", () => {
    const z = logits();
    const some = lossAndGrad(z, [0, -1, 2, -1], { ignoreIndex: -1, reduction: "none" });
    expect(Array.from(some.loss.data).map((v) => v === 0)).toEqual([false, true, false, true]);
    expect(Array.from(some.grad.data.slice(3, 6))).toEqual([0, 0, 0]);
    const kept = lossAndGrad(
      tensor([[...z.data.slice(0, 3)], [...z.data.slice(6, 9)]], undefined, "float64"),
      [0, 2],
      {},
    );
    expect(Math.abs(lossAndGrad(z, [0, -1, 2, -1], { ignoreIndex: -1 }).loss.item() - kept.loss.item())).toBeLessThan(
      1e-15,
    );
  });

  it("refuses any non-negative ignoreIndex with probabilities, 0 included", () => {
    const q = probabilities(4, 3, 2);
    expect(() => softmaxCrossEntropy(logits(), q, { ignoreIndex: 0 })).toThrow(
      "softmaxCrossEntropy: ignoreIndex 0 applies to class-index targets only, not to probabilities",
    );
    expect(() => softmaxCrossEntropy(logits(), q, { ignoreIndex: 2 })).toThrow(
      "softmaxCrossEntropy: ignoreIndex 2 applies to class-index targets only",
    );
  });
});

describe("softmaxCrossEntropy: target and weight checks, one condition at a time", () => {
  it("a probability target with the wrong batch size but the right classes", () => {
    expect(() => softmaxCrossEntropy(logits(4, 3), probabilities(3, 3, 2))).toThrow(
      "softmaxCrossEntropy: probability target has shape [3,3]; expected the logits' shape [4,3]",
    );
    expect(() => softmaxCrossEntropy(logits(4, 3), probabilities(4, 2, 2))).toThrow(
      "softmaxCrossEntropy: probability target has shape [4,2]; expected the logits' shape [4,3]",
    );
  });

  it("NaN and infinite class weights are named with their index", () => {
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: tensor([1, NaN, 1]) })).toThrow(
      "softmaxCrossEntropy: weight[1] is NaN; expected finite class weights",
    );
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: tensor([1, 1, -Infinity]) })).toThrow(
      "softmaxCrossEntropy: weight[2] is -Infinity; expected finite class weights",
    );
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: tensor([NaN, 1, 1]) })).toThrow(
      "weight[0] is NaN",
    );
  });

  it("a weight of the right size but the wrong rank, and one that is not a Tensor", () => {
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: tensor([[1, 1, 1]]) })).toThrow(
      "softmaxCrossEntropy: weight has shape [1,3]; expected [3], one per class",
    );
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: [1, 1, 1] as never })).toThrow(
      "softmaxCrossEntropy: weight must be a Tensor of shape [3], got an array",
    );
  });

  it("a probability target holding Infinity is named with its position", () => {
    const q = tensor([
      [0.5, 0.5, 0],
      [0, 1, 0],
      [0, 0, Infinity],
      [1, 0, 0],
    ]);
    expect(() => softmaxCrossEntropy(logits(), q)).toThrow(
      "softmaxCrossEntropy: probability target holds Infinity at [2,2]; expected finite probabilities",
    );
  });
});
