/**
 * Nabla: one import for the whole framework.
 *
 *     import { Sequential, Dense, ReLU, softmaxCrossEntropy, Adam, DataLoader, Trainer } from "nabla";
 *
 * It runs anywhere (Node, browsers, workers, bundlers). Files, MNIST folders and the terminal are
 * in `nabla/node`, which exports all of this too.
 *
 * Tensor ops and differentiable ops share their names (add, mul, matmul, sum, ...). Here the plain
 * names are the differentiable ones from @nabla/autograd: they accept Tensors too and return
 * Variables. The tensor package's other names are listed below, and all of it, Tensor-in
 * Tensor-out ops included, is under the `tensorOps` namespace: `tensorOps.matmul(a, b)`.
 */

// Differentiable ops, Variable, noGrad, grad, gradcheck, ...
export * from "@nabla/autograd";
export * from "@nabla/data";
export * from "@nabla/layers";
export * from "@nabla/losses";
export * from "@nabla/onnx";
export * from "@nabla/optim";
export type {
  ActiveKernels,
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
// Tensors: the names the autograd ops do not shadow.
export {
  accumulate,
  activeKernels,
  allClose,
  allocate,
  arange,
  argmax,
  argmin,
  assign,
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
  Generator,
  greater,
  greaterEqual,
  jsKernels,
  kernels,
  less,
  lessEqual,
  loadWasmKernels,
  MAX_ELEMENTS,
  manualSeed,
  maxAbsDiff,
  notEqual,
  oneHot,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  ready,
  scalar,
  setKernels,
  setThreads,
  shapeSize,
  sign,
  stridesOf,
  sumToShape,
  Tensor,
  tensor,
  wasmKernels,
  zeros,
  zerosLike,
} from "@nabla/tensor";
export * from "@nabla/trainer";
