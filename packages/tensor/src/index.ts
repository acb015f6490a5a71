// Installs the op methods on Tensor.prototype (x.add(y), x.sum(), ...).
import "./methods.js";

export { arange, eye, full, ones, onesLike, scalar, tensor, zeros, zerosLike } from "./creation.js";
export { describe, valueOfVariable } from "./describe.js";
export { formatBytes, formatCount, formatValue } from "./format.js";
export type {
  ActivationKernels,
  ActiveKernels,
  ConvKernels,
  FloatArray,
  Kernels,
  OptimizerKernels,
  WindowGeometry,
} from "./kernels/index.js";
export {
  activeKernels,
  jsKernels,
  kernels,
  loadWasmKernels,
  ready,
  setKernels,
  setThreads,
  wasmKernels,
} from "./kernels/index.js";
export { broadcastShapes, broadcastTo, sumToShape } from "./ops/broadcast.js";
export { equal, greater, greaterEqual, less, lessEqual, notEqual, where } from "./ops/compare.js";
export { add, div, maximum, minimum, mul, pow, sub } from "./ops/elementwise.js";
export type { Indices } from "./ops/indexing.js";
export { formatPosition, gather, oneHot } from "./ops/indexing.js";
export { accumulate, assign } from "./ops/inplace.js";
export type { MatmulOptions } from "./ops/matmul.js";
export { matmul } from "./ops/matmul.js";
export { argmax, argmin, logsumexp, max, mean, min, sum } from "./ops/reduce.js";
export { cast, flatten, permute, reshape, squeeze, transpose, unsqueeze } from "./ops/shape.js";
export { concat, pad, slice, stack } from "./ops/slicing.js";
export { logSoftmax, softmax } from "./ops/softmax.js";
export type { AllCloseOptions } from "./ops/testing.js";
export { allClose, maxAbsDiff } from "./ops/testing.js";
export { abs, clip, exp, log, neg, relu, sigmoid, sign, sqrt, square, tanh } from "./ops/unary.js";
export type { Axes, Operand } from "./ops/util.js";
export { checkOptions } from "./options.js";
export { formatTensor } from "./print.js";
export type { GeneratorState, RandomOptions } from "./random.js";
export { defaultGenerator, Generator, manualSeed, rand, randint, randn } from "./random.js";
export type { DType, NestedArray, Shape, TypedArray } from "./tensor.js";
export { allocate, dtypeOf, formatShape, MAX_ELEMENTS, shapeSize, stridesOf, Tensor } from "./tensor.js";
