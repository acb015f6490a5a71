import { variable } from "@nabla/autograd";
import { full, type Tensor, tensor, zeros } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { bceWithLogits, l2Penalty, mse, softmaxCrossEntropy } from "../src/index.js";

// What a user can get wrong with losses, and the exact message each gets.

const logits = zeros([4, 10]);
const labels = [1, 2, 3, 4];
const t = (...shape: number[]): Tensor => zeros(shape);
const sce = "softmaxCrossEntropy";

const catalogue: [string, () => unknown, string][] = [
  // Shapes
  [
    "softmaxCrossEntropy: 1-D logits",
    () => softmaxCrossEntropy(t(10), [1]),
    `${sce}: logits have shape [10]; expected 2-D [batch, classes]`,
  ],
  [
    "softmaxCrossEntropy: images as logits",
    () => softmaxCrossEntropy(t(4, 1, 28, 28), labels),
    `${sce}: logits have shape [4,1,28,28]; expected 2-D [batch, classes]`,
  ],
  [
    "softmaxCrossEntropy: no classes",
    () => softmaxCrossEntropy(t(4, 0), labels),
    `${sce}: logits have shape [4,0]: no classes`,
  ],
  [
    "softmaxCrossEntropy: fewer labels than rows",
    () => softmaxCrossEntropy(logits, [1, 2, 3]),
    `${sce}: target has 3 labels but logits have 4 rows`,
  ],
  [
    "softmaxCrossEntropy: labels as a column [B,1]",
    () => softmaxCrossEntropy(logits, zeros([4, 1], "int32")),
    `${sce}: target is int32 [4,1]; expected int32 class indices [4] or float probabilities [4,10]`,
  ],
  [
    "softmaxCrossEntropy: probabilities of the wrong shape",
    () => softmaxCrossEntropy(logits, t(4, 9)),
    `${sce}: probability target has shape [4,9]; expected the logits' shape [4,10]`,
  ],
  [
    "softmaxCrossEntropy: class weights of the wrong size",
    () => softmaxCrossEntropy(logits, labels, { weight: t(9) }),
    `${sce}: weight has shape [9]; expected [10], one per class`,
  ],
  [
    "mse: [B,1] against [B]",
    () => mse(t(4, 1), t(4)),
    "mse: prediction [4,1] and target [4] differ in shape; expected equal shapes",
  ],
  [
    "bceWithLogits: shapes differ",
    () => bceWithLogits(t(4, 1), t(4)),
    "bceWithLogits: logits [4,1] and target [4] differ in shape; expected equal shapes",
  ],
  [
    "bceWithLogits: posWeight that does not broadcast",
    () => bceWithLogits(t(4, 3), t(4, 3), { posWeight: t(4) }),
    "bceWithLogits: posWeight [4] does not broadcast to the logits' shape [4,3]",
  ],
  // Labels out of range or of the wrong dtype
  [
    "softmaxCrossEntropy: label = number of classes",
    () => softmaxCrossEntropy(logits, [1, 2, 3, 10]),
    `${sce}: label 10 at row 3 is outside [0, 10)`,
  ],
  [
    "softmaxCrossEntropy: negative label",
    () => softmaxCrossEntropy(logits, [1, -1, 3, 4]),
    `${sce}: label -1 at row 1 is outside [0, 10)`,
  ],
  [
    "softmaxCrossEntropy: labels 1..10 instead of 0..9",
    () => softmaxCrossEntropy(logits, tensor([10, 1, 2, 3], undefined, "int32")),
    `${sce}: label 10 at row 0 is outside [0, 10)`,
  ],
  [
    "softmaxCrossEntropy: fractional label",
    () => softmaxCrossEntropy(logits, [1, 2, 3, 1.5]),
    `${sce}: label 1.5 at row 3 is not an integer`,
  ],
  [
    "softmaxCrossEntropy: NaN label",
    () => softmaxCrossEntropy(logits, [1, 2, NaN, 4]),
    `${sce}: label NaN at row 2 is not an integer`,
  ],
  [
    "softmaxCrossEntropy: float32 label tensor",
    () => softmaxCrossEntropy(logits, tensor([1, 2, 3, 4])),
    `${sce}: target is float32 [4]; expected int32 class indices [4] or float probabilities [4,10]`,
  ],
  [
    "softmaxCrossEntropy: float label tensor holding NaN",
    () => softmaxCrossEntropy(logits, tensor([1, NaN, 3, 4])),
    `${sce}: target is float32 [4]; expected int32 class indices [4] or float probabilities [4,10]`,
  ],
  [
    "softmaxCrossEntropy: a Float32Array of labels",
    () => softmaxCrossEntropy(logits, new Float32Array([1, 2, 3, 4]) as never),
    `${sce}: target must be a Tensor, Int32Array or number[], got a Float32Array of length 4`,
  ],
  [
    "softmaxCrossEntropy: int32 logits",
    () => softmaxCrossEntropy(zeros([4, 10], "int32"), labels),
    `${sce}: logits must be float32 or float64, got int32`,
  ],
  [
    "softmaxCrossEntropy: ignoreIndex with probabilities",
    () => softmaxCrossEntropy(logits, full([4, 10], 0.1), { ignoreIndex: 0 }),
    `${sce}: ignoreIndex 0 applies to class-index targets only, not to probabilities`,
  ],
  ["mse: int32 target", () => mse(t(4), zeros([4], "int32")), "mse: target must be float32 or float64, got int32"],
  // NaN / Infinity where they must be caught
  [
    "softmaxCrossEntropy: NaN in probabilities",
    () =>
      softmaxCrossEntropy(
        t(2, 3),
        tensor([
          [0.5, 0.5, 0],
          [NaN, 0, 1],
        ]),
      ),
    `${sce}: probability target holds NaN at [1,0]; expected finite probabilities`,
  ],
  [
    "softmaxCrossEntropy: Infinity class weight",
    () => softmaxCrossEntropy(t(2, 3), [0, 1], { weight: tensor([1, Infinity, 1]) }),
    `${sce}: weight[1] is Infinity; expected finite class weights`,
  ],
  [
    "softmaxCrossEntropy: NaN label smoothing",
    () => softmaxCrossEntropy(logits, labels, { labelSmoothing: NaN }),
    `${sce}: labelSmoothing must be in [0, 1], got NaN`,
  ],
  [
    "softmaxCrossEntropy: label smoothing 10%",
    () => softmaxCrossEntropy(logits, labels, { labelSmoothing: 10 }),
    `${sce}: labelSmoothing must be in [0, 1], got 10`,
  ],
  [
    "softmaxCrossEntropy: fractional ignoreIndex",
    () => softmaxCrossEntropy(logits, labels, { ignoreIndex: 0.5 }),
    `${sce}: ignoreIndex must be an integer, got 0.5`,
  ],
  // Not a Variable or Tensor
  [
    "softmaxCrossEntropy: nested arrays as logits",
    () => softmaxCrossEntropy([[1, 2]] as never, [0]),
    `${sce}: logits must be a Variable or Tensor, got an array of length 1`,
  ],
  [
    "softmaxCrossEntropy: undefined logits",
    () => softmaxCrossEntropy(undefined as never, [0]),
    `${sce}: logits must be a Variable or Tensor, got undefined`,
  ],
  [
    "softmaxCrossEntropy: undefined target",
    () => softmaxCrossEntropy(logits, undefined as never),
    `${sce}: target must be a Tensor, Int32Array or number[], got undefined`,
  ],
  [
    "softmaxCrossEntropy: a Variable target",
    () => softmaxCrossEntropy(logits, variable(tensor([1, 2, 3, 4], undefined, "int32")) as never),
    `${sce}: target must be a Tensor, Int32Array or number[], got an int32 Variable of shape [4]`,
  ],
  [
    "mse: nested arrays",
    () => mse([1, 2] as never, t(2)),
    "mse: prediction must be a Variable or Tensor, got an array of length 2",
  ],
  [
    "l2Penalty: a number",
    () => l2Penalty(3 as never),
    "l2Penalty: expected parameters (an iterable of Variables) or a module with namedParameters(), got the number 3",
  ],
  [
    "l2Penalty: Tensors instead of Variables",
    () => l2Penalty([t(2)] as never),
    "l2Penalty: parameter 0 is a float32 Tensor of shape [2], expected a Variable",
  ],
  // Options
  [
    "softmaxCrossEntropy: label_smoothing",
    () => softmaxCrossEntropy(logits, labels, { label_smoothing: 0.1 } as never),
    `${sce}: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?); expected one of reduction, labelSmoothing, weight, ignoreIndex`,
  ],
  [
    "softmaxCrossEntropy: ignore_index",
    () => softmaxCrossEntropy(logits, labels, { ignore_index: -1 } as never),
    `${sce}: unknown option 'ignore_index' (did you mean 'ignoreIndex'?); expected one of reduction, labelSmoothing, weight, ignoreIndex`,
  ],
  [
    "softmaxCrossEntropy: reduction 'avg'",
    () => softmaxCrossEntropy(logits, labels, { reduction: "avg" as never }),
    `${sce}: unknown reduction 'avg'; expected 'mean', 'sum' or 'none'`,
  ],
  [
    "mse: reductions",
    () => mse(t(2), t(2), { reductions: "sum" } as never),
    "mse: unknown option 'reductions'; expected one of reduction",
  ],
  [
    "mse: size_average (old PyTorch)",
    () => mse(t(2), t(2), { size_average: false } as never),
    "mse: unknown option 'size_average'; expected one of reduction",
  ],
  [
    "bceWithLogits: pos_weight",
    () => bceWithLogits(t(2), t(2), { pos_weight: t(2) } as never),
    "bceWithLogits: unknown option 'pos_weight' (did you mean 'posWeight'?); expected one of reduction, posWeight",
  ],
];

describe("bad inputs to @nabla/losses get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });

  it("an empty batch gives NaN under 'mean' (0/0, as PyTorch) and 0 under 'sum'; every row ignored is NaN too", () => {
    expect(softmaxCrossEntropy(t(0, 10), []).item()).toBeNaN();
    expect(softmaxCrossEntropy(t(0, 10), [], { reduction: "sum" }).item()).toBe(0);
    expect(mse(t(0), t(0)).item()).toBeNaN();
    expect(softmaxCrossEntropy(t(2, 10), [-100, -100]).item()).toBeNaN();
  });

  it("NaN in the logits is not hidden: the loss is NaN (the Trainer's nanGuard stops on it)", () => {
    expect(softmaxCrossEntropy(full([2, 3], NaN), [0, 1]).item()).toBeNaN();
  });
});
