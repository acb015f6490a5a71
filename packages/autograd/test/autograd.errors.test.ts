import { accumulate, type Tensor, tensor, zeros } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  add,
  concat,
  dropout,
  grad,
  gradcheck,
  leakyRelu,
  linear,
  matmul,
  mul,
  relu,
  reshape,
  softmax,
  sum,
  Variable,
  variable,
} from "../src/index.js";

// What a user can get wrong with Variables and differentiable ops, and the exact message each gets.

const t = (...shape: number[]): Tensor => zeros(shape);
const leaf = (...shape: number[]): Variable => variable(zeros(shape), { requiresGrad: true });

const catalogue: [string, () => unknown, string][] = [
  // Shapes: the tensor op's message, raised before any graph node is made
  ["add: shapes that do not broadcast", () => add(leaf(2, 3), t(4)), "add: shapes [2,3] and [4] do not broadcast"],
  [
    "matmul: inner dimensions differ",
    () => matmul(leaf(64, 784), t(128, 10)),
    "matmul: inner dimensions differ: [64,784] @ [128,10]",
  ],
  [
    "concat: other axes differ",
    () => concat([leaf(2, 3), t(2, 4)], 0),
    "concat: tensor 1 has shape [2,4] but tensor 0 has [2,3]; all axes except axis 0 must match",
  ],
  [
    "reshape: element counts differ",
    () => reshape(leaf(2, 3), [4, 2]),
    "reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)",
  ],
  [
    "softmax: axis out of range",
    () => softmax(leaf(2, 3), 2),
    "softmax: axis 2 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  ["softmax: a scalar", () => softmax(variable(1), -1), "softmax: a scalar (shape []) has no axis -1"],
  [
    "linear: inner dimensions differ",
    () => linear(leaf(32, 784), leaf(128, 10)),
    "linear: inner dimensions differ: [32,784] @ [128,10]",
  ],
  [
    "linear: bias of the wrong size",
    () => linear(leaf(2, 4), leaf(4, 5), leaf(4)),
    "linear: bias must have shape [5] for weight [4,5], got [4]",
  ],
  ["linear: a 1-D weight", () => linear(leaf(2, 4), leaf(4)), "linear: weight must be 2-D [in,out], got shape [4]"],
  // Not a Variable, Tensor or number
  [
    "add: a plain array",
    () => add([1, 2] as never, leaf(2)),
    "add: expected a Variable, Tensor or number, got an array of length 2 (make a Tensor with tensor(...) or a Variable with variable(...))",
  ],
  [
    "relu: undefined (e.g. a missing layer output)",
    () => relu(undefined as never),
    "relu: expected a Variable, Tensor or number, got undefined",
  ],
  [
    "mul: a Float32Array",
    () => mul(leaf(2), new Float32Array(2) as never),
    "mul: expected a Variable, Tensor or number, got a Float32Array of length 2 (make a Tensor with tensor(...) or a Variable with variable(...))",
  ],
  ["sum: null", () => sum(null as never), "sum: expected a Variable, Tensor or number, got null"],
  [
    "linear: a nested array as input",
    () => linear([[1, 2]] as never, leaf(2, 3)),
    "linear: expected a Variable, Tensor or number, got an array of length 1 (make a Tensor with tensor(...) or a Variable with variable(...))",
  ],
  [
    "concat: not an array",
    () => concat(leaf(2) as never),
    "concat: expected an array of Variables or Tensors, got a float32 Variable of shape [2]",
  ],
  [
    "Variable: a plain array",
    () => new Variable([1, 2] as never),
    "Variable: expected a Tensor, got an array of length 2",
  ],
  [
    "variable: a Variable",
    () => variable(leaf(2) as never),
    "variable: got a Variable; it already is one (use .detach() for a copy cut off from the graph)",
  ],
  // dtypes
  [
    "variable: int32 that requires gradients",
    () => variable(tensor([1, 2], undefined, "int32"), { requiresGrad: true }),
    "Variable: an int32 tensor cannot require gradients; cast it to float32 or float64",
  ],
  [
    "gradcheck: float32 inputs",
    () => gradcheck((x) => sum(x!), [t(2)]),
    "gradcheck: input 0 is float32; central differences need float64 (cast it to 'float64')",
  ],
  // backward
  [
    "backward: non-scalar output without a seed",
    () => add(leaf(2), 1).backward(),
    "backward: output has shape [2]; pass a seed gradient of that shape, or reduce it to a scalar first",
  ],
  [
    "backward: seed of the wrong shape",
    () => add(leaf(2), 1).backward(t(3)),
    "backward: seed gradient has shape [3], expected the output's shape [2]",
  ],
  [
    "backward: seed that is not a Tensor",
    () => add(leaf(2), 1).backward([1, 1] as never),
    "backward: seed must be a Tensor of the output's shape [2], got an array of length 2",
  ],
  [
    "backward: nothing requires gradients",
    () => sum(t(2)).backward(),
    "backward: this Variable does not require gradients (no input had requiresGrad, or it was made under noGrad)",
  ],
  [
    "backward: twice through a released graph",
    () => {
      const y = sum(mul(leaf(2), leaf(2)));
      y.backward();
      y.backward();
    },
    "backward: the graph through 'sum' was already released by an earlier backward(); pass { retainGraph: true } to the first call to run backward twice",
  ],
  // NaN / Infinity where they must be caught
  ["leakyRelu: NaN slope", () => leakyRelu(leaf(2), NaN), "leakyRelu: slope must be a finite number, got NaN"],
  ["dropout: NaN probability", () => dropout(leaf(2), NaN), "dropout: p must be a probability in [0, 1], got NaN"],
  ["dropout: probability above 1", () => dropout(leaf(2), 1.5), "dropout: p must be a probability in [0, 1], got 1.5"],
  // Options
  [
    "variable: requires_grad",
    () => variable([1, 2], { requires_grad: true } as never),
    "variable: unknown option 'requires_grad' (did you mean 'requiresGrad'?); expected one of requiresGrad, name, dtype",
  ],
  [
    "Variable: requires_grad",
    () => new Variable(t(2), { requires_grad: true } as never),
    "Variable: unknown option 'requires_grad' (did you mean 'requiresGrad'?); expected one of requiresGrad, name",
  ],
  [
    "backward: retain_graph",
    () => sum(leaf(2)).backward(undefined, { retain_graph: true } as never),
    "backward: unknown option 'retain_graph' (did you mean 'retainGraph'?); expected one of retainGraph",
  ],
  [
    "backward: options in the seed's place",
    () => sum(leaf(2)).backward({ retainGraph: true } as never),
    "backward: seed must be a Tensor of the output's shape [], got an object; options come second: backward(undefined, { retainGraph: true })",
  ],
  [
    "backward: a saved tensor changed in place",
    () => {
      const x = leaf(3);
      const y = sum(mul(x, x));
      accumulate(x.value, 1);
      y.backward();
    },
    "backward: a [3] float32 tensor that 'mul' saved for its gradient was modified in place after 'mul' used it (saved at version 0, now version 1), so its gradient would be wrong; clone the tensor before modifying it (tensor.clone(), or variable.value.clone()), or modify it only after backward()",
  ],
  [
    "grad: a Variable instead of a Tensor",
    () => grad((x) => sum(x!))(leaf(2) as never),
    "grad: input 0 must be a Tensor, got a float32 Variable of shape [2] (pass its .value: grad makes the Variables itself)",
  ],
  ["grad: a non-scalar result", () => grad((x) => mul(x!, 2))(t(2)), "grad: fn must return a scalar, got shape [2]"],
  [
    "dropout: train instead of training",
    () => dropout(leaf(2), 0.5, { train: false } as never),
    "dropout: unknown option 'train' (did you mean 'training'?); expected one of generator, training",
  ],
  [
    "gradcheck: a misspelt tolerance",
    () => gradcheck((x) => sum(x!), [zeros([2], "float64")], { tol: 1e-3 } as never),
    "gradcheck: unknown option 'tol'; expected one of eps, atol, rtol, raise, seed",
  ],
  [
    "gradcheck: one tensor instead of a list",
    () => gradcheck((x) => sum(x!), zeros([2], "float64") as never),
    "gradcheck: inputs must be an array of Tensors, got a float64 Tensor of shape [2]",
  ],
];

describe("bad inputs to @nabla/autograd get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });

  it("a failed op leaves no graph behind: the next backward is unaffected", () => {
    const x = leaf(2);
    expect(() => add(x, t(3))).toThrow("add: shapes [2] and [3] do not broadcast");
    sum(mul(x, 2)).backward();
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
  });
});
