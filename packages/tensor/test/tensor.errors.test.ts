import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  add,
  allClose,
  argmax,
  broadcastShapes,
  broadcastTo,
  cast,
  concat,
  Generator,
  gather,
  manualSeed,
  matmul,
  max,
  mul,
  oneHot,
  pad,
  rand,
  randint,
  randn,
  relu,
  reshape,
  slice,
  squeeze,
  stack,
  sum,
  type Tensor,
  tensor,
  transpose,
  zeros,
} from "../src/index.js";

// The catalogue of what a user can get wrong with tensors, and the exact message each gets: always
// a plain Error from the public function that names the op, what it got and what it expected —
// never a TypeError from inside a loop.

const t = (...shape: number[]): Tensor => zeros(shape);
/** What a user holding an autograd Variable might pass to a tensor op by mistake. */
const variableLike = { value: zeros([2, 3]), requiresGrad: true, grad: null };

const catalogue: [string, () => unknown, string][] = [
  // Shapes
  ["add: shapes that do not broadcast", () => add(t(2, 3), t(4)), "add: shapes [2,3] and [4] do not broadcast"],
  [
    "mul: [B,1] against [B,C] of another B",
    () => mul(t(4, 1), t(3, 10)),
    "mul: shapes [4,1] and [3,10] do not broadcast",
  ],
  [
    "broadcastShapes: three shapes",
    () => broadcastShapes([2, 3], [3], [4, 1, 2]),
    "broadcastShapes: shapes [2,3], [3] and [4,1,2] do not broadcast",
  ],
  [
    "broadcastTo: a shape it cannot stretch",
    () => broadcastTo(t(3), [3, 4]),
    "broadcastTo: cannot broadcast shape [3] to [3,4]",
  ],
  [
    "matmul: inner dimensions differ",
    () => matmul(t(64, 784), t(128, 10)),
    "matmul: inner dimensions differ: [64,784] @ [128,10]",
  ],
  [
    "matmul: inner dimensions differ under a transpose flag",
    () => matmul(t(64, 784), t(10, 128), { transposeB: true }),
    "matmul: inner dimensions differ: [64,784] @ [10,128] (transposeB)",
  ],
  [
    "matmul: a 1-D operand",
    () => matmul(t(3), t(3, 2)),
    "matmul: expected 2-D @ 2-D, 3-D @ 3-D or 3-D @ 2-D operands, got [3] @ [3,2]",
  ],
  ["matmul: batch sizes differ", () => matmul(t(2, 3, 4), t(5, 4, 2)), "matmul: batch sizes differ: [2,3,4] @ [5,4,2]"],
  [
    "concat: other axes differ",
    () => concat([t(2, 3), t(2, 4)], 0),
    "concat: tensor 1 has shape [2,4] but tensor 0 has [2,3]; all axes except axis 0 must match",
  ],
  [
    "concat: ranks differ",
    () => concat([t(2, 3), t(3)], 0),
    "concat: tensor 1 has shape [3] but tensor 0 has [2,3]; all axes except axis 0 must match",
  ],
  [
    "concat: axis out of range",
    () => concat([t(2, 3)], 2),
    "concat: axis 2 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  ["concat: no tensors", () => concat([]), "concat: expected a non-empty array of tensors, got an array of length 0"],
  [
    "stack: shapes differ",
    () => stack([t(2, 3), t(3, 2)]),
    "stack: tensor 1 has shape [3,2] but tensor 0 has [2,3]; all must match",
  ],
  [
    "reshape: element counts differ",
    () => reshape(t(2, 3), [4, 2]),
    "reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)",
  ],
  [
    "reshape: -1 cannot be inferred",
    () => reshape(t(2, 3), [4, -1]),
    "reshape: cannot reshape [2,3] (6 elements) to [4,-1]: the -1 cannot be inferred",
  ],
  [
    "reshape: two -1",
    () => reshape(t(2, 3), [-1, -1]),
    "reshape: only one -1 is allowed in the target shape, got [-1,-1]",
  ],
  [
    "reshape: a fractional size",
    () => reshape(t(2, 3), [1.5, 4]),
    "reshape: invalid target shape [1.5,4]: sizes must be non-negative integers or one -1",
  ],
  [
    "transpose: perm of the wrong length",
    () => transpose(t(2, 3), [0]),
    "transpose: perm [0] is not a permutation of the 2 axes of shape [2,3]",
  ],
  [
    "transpose: repeated axis",
    () => transpose(t(2, 3), [1, 1]),
    "transpose: perm [1,1] is not a permutation of the 2 axes of shape [2,3]",
  ],
  [
    "squeeze: an axis that is not 1",
    () => squeeze(t(2, 3), 0),
    "squeeze: axis 0 of shape [2,3] has size 2, expected size 1",
  ],
  [
    "slice: more bounds than axes",
    () => slice(t(2, 3), [0, 0, 0]),
    "slice: begin has 3 entries but the tensor has 2 axes",
  ],
  ["slice: a fractional bound", () => slice(t(2, 3), [0.5]), "slice: begin [0.5] must hold integers"],
  [
    "pad: a negative pad",
    () => pad(t(2, 3), [[1, -1]]),
    "pad: pads[0] must be [before, after] with non-negative integers, got [1,-1]",
  ],
  [
    "sum: axis out of range",
    () => sum(t(2, 3), 2),
    "sum: axis 2 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  ["sum: repeated axis", () => sum(t(2, 3), [1, -1]), "sum: axis -1 is repeated in [1,-1]"],
  [
    "sum: an axis of a scalar",
    () => sum(tensor(1), 0),
    "sum: axis 0 is out of range for 0 dimensions (a scalar (shape []) has no axes)",
  ],
  [
    "max: an empty axis (empty batch)",
    () => max(t(0, 3), 0),
    "max: cannot reduce an empty axis of shape [0,3]: max of zero elements is undefined",
  ],
  [
    "argmax: an empty axis (empty batch)",
    () => argmax(t(3, 0), 1),
    "argmax: cannot take argmax of an empty axis (shape [3,0])",
  ],
  [
    "argmax: several axes",
    () => argmax(t(2, 3), [0, 1] as unknown as number),
    "argmax: axis must be a single number or undefined (all elements), got an array",
  ],
  [
    "gather: index out of range",
    () => gather(t(2, 3), [0, 5]),
    "gather: index 5 at position 1 is out of range for axis 0 of size 2 (expected -2..1)",
  ],
  ["gather: fractional index", () => gather(t(2, 3), [0.5]), "gather: indices must be integers, got 0.5 at position 0"],
  // dtypes and labels
  [
    "oneHot: label out of range",
    () => oneHot([1, 10], 10),
    "oneHot: label 10 at position 1 is out of range for 10 classes (expected 0..9)",
  ],
  [
    "oneHot: negative label",
    () => oneHot(tensor([[0, -1]], undefined, "int32"), 3),
    "oneHot: label -1 at position [0,1] is out of range for 3 classes (expected 0..2)",
  ],
  [
    "oneHot: float label tensor",
    () => oneHot(tensor([1, 2]), 3),
    "oneHot: indices must be an int32 tensor, got a float32 tensor of shape [2] (use cast(t, 'int32'))",
  ],
  ["oneHot: NaN label", () => oneHot([NaN], 3), "oneHot: indices must be integers, got NaN at position 0"],
  [
    "cast: unknown dtype",
    () => cast(t(2), "float16" as never),
    "cast: unknown dtype 'float16': expected 'float32', 'float64' or 'int32'",
  ],
  [
    "tensor: unknown dtype",
    () => tensor([1, 2], undefined, "int64" as never),
    "tensor: unknown dtype 'int64': expected 'float32', 'float64' or 'int32'",
  ],
  [
    "tensor: ragged nested arrays",
    () => tensor([[1, 2], [3]]),
    "tensor: ragged nested array: expected an array of length 2 at depth 1, got an array of length 1",
  ],
  [
    "tensor: values do not fill the shape",
    () => tensor([1, 2, 3], [2, 2]),
    "tensor: 3 values do not fill shape [2,2] (4 elements)",
  ],
  [
    "zeros: a negative size",
    () => zeros([2, -1]),
    "zeros: invalid shape [2,-1]: dimensions must be non-negative integers",
  ],
  [
    "zeros: a number instead of a shape",
    () => zeros(3 as never),
    "zeros: shape must be an array of sizes such as [2,3], got the number 3",
  ],
  ["randn: int32", () => randn([2], { dtype: "int32" }), "randn: dtype must be float32 or float64, got int32"],
  // Not a Tensor where a Tensor is required
  [
    "add: a plain array",
    () => add([1, 2] as never, t(2)),
    "add: operands must be Tensors or numbers, got an array of length 2 (make one with tensor(...))",
  ],
  ["add: undefined", () => add(undefined as never, t(2)), "add: operands must be Tensors or numbers, got undefined"],
  [
    "relu: a Float32Array",
    () => relu(new Float32Array(3) as never),
    "relu: argument must be a Tensor, got a Float32Array of length 3 (make one with tensor(...))",
  ],
  [
    "sum: a plain array",
    () => sum([1, 2] as never),
    "sum: argument must be a Tensor, got an array of length 2 (make one with tensor(...))",
  ],
  [
    "matmul: a Variable",
    () => matmul(variableLike as never, t(3, 2)),
    "matmul: a must be a Tensor, got a float32 Variable of shape [2,3] (pass variable.value; the differentiable ops of nabla and @nabla/autograd, and Variable's methods, take Variables)",
  ],
  [
    "relu: a Variable",
    () => relu(variableLike as never),
    "relu: argument must be a Tensor, got a float32 Variable of shape [2,3] (pass variable.value; the differentiable ops of nabla and @nabla/autograd, and Variable's methods, take Variables)",
  ],
  ["reshape: undefined", () => reshape(undefined as never, [2]), "reshape: argument must be a Tensor, got undefined"],
  [
    "concat: a non-Tensor in the list",
    () => concat([t(2), [1, 2] as never]),
    "concat: tensor 1 must be a Tensor, got an array of length 2 (make one with tensor(...))",
  ],
  // Options
  [
    "matmul: PyTorch-style option name",
    () => matmul(t(2, 3), t(2, 3), { transpose_b: true } as never),
    "matmul: unknown option 'transpose_b' (did you mean 'transposeB'?); expected one of transposeA, transposeB",
  ],
  [
    "matmul: options that are not an object",
    () => matmul(t(2, 3), t(3, 2), true as never),
    "matmul: options must be an object such as { transposeA: ... }, got true",
  ],
  [
    "randn: seed instead of generator",
    () => randn([2], { seed: 1 } as never),
    "randn: unknown option 'seed'; expected one of generator, dtype, mean, std",
  ],
  [
    "rand: min/max instead of low/high",
    () => rand([2], { min: 0, max: 2 } as never),
    "rand: unknown option 'min'; expected one of generator, dtype, low, high",
  ],
  [
    "randint: dtype option",
    () => randint(0, 3, [2], { dtype: "int32" } as never),
    "randint: unknown option 'dtype'; expected one of generator",
  ],
  [
    "allClose: a misspelt tolerance",
    () => allClose(t(2), t(2), { rtol: 1e-3, tol: 1e-3 } as never),
    "allClose: unknown option 'tol'; expected one of rtol, atol",
  ],
  // Reproducibility
  ["manualSeed: NaN", () => manualSeed(NaN), "manualSeed: seed must be a finite number or a string, got NaN"],
  [
    "Generator: an object as seed",
    () => new Generator({} as never),
    "Generator: seed must be a finite number or a string, got {}",
  ],
  [
    "Generator.int: empty range",
    () => new Generator(1).int(3, 3),
    "Generator.int: expected integers low < high, got low=3, high=3",
  ],
];

describe("bad inputs to @nabla/tensor get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });
});
