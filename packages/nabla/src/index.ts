/**
 * Nabla: one import for the whole framework.
 *
 *     import { Sequential, Dense, ReLU, softmaxCrossEntropy, Adam, DataLoader, Trainer, loadMnist } from "nabla";
 *
 * Tensor ops and differentiable ops share their names (add, mul, matmul, sum, ...). Here the plain
 * names are the differentiable ones from @nabla/autograd: they accept Tensors too and return
 * Variables. The tensor package's other names are listed below, and all of it, Tensor-in
 * Tensor-out ops included, is under the `tensorOps` namespace: `tensorOps.matmul(a, b)`.
 */

// Differentiable ops, Variable, noGrad, grad, gradcheck, ...
export * from "@nabla/autograd";

// Tensors: the names the autograd ops do not shadow.
export {
  Generator,
  MAX_ELEMENTS,
  Tensor,
  accumulate,
  assign,
  allClose,
  allocate,
  arange,
  argmax,
  argmin,
  broadcastShapes,
  cast,
  checkOptions,
  defaultGenerator,
  dtypeOf,
  equal,
  eye,
  formatBytes,
  formatCount,
  formatPosition,
  formatShape,
  formatValue,
  full,
  greater,
  greaterEqual,
  jsKernels,
  kernels,
  loadWasmKernels,
  less,
  lessEqual,
  manualSeed,
  maxAbsDiff,
  notEqual,
  oneHot,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  scalar,
  setKernels,
  setThreads,
  wasmKernels,
  shapeSize,
  sign,
  stridesOf,
  sumToShape,
  tensor,
  zeros,
  zerosLike,
} from "@nabla/tensor";
export type {
  AllCloseOptions,
  DType,
  GeneratorState,
  Indices,
  Kernels,
  MatmulOptions,
  NestedArray,
  RandomOptions,
  Shape,
  TypedArray,
} from "@nabla/tensor";
export * as tensorOps from "@nabla/tensor";

export * from "@nabla/layers";
export * from "@nabla/losses";
export * from "@nabla/optim";
export * from "@nabla/data";
export * from "@nabla/trainer";
export * from "@nabla/onnx";
export { saveOnnx } from "@nabla/onnx/node";
