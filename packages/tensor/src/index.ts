export { MAX_ELEMENTS, Tensor, allocate, dtypeOf, formatShape, shapeSize, stridesOf } from "./tensor.js";
export { formatBytes, formatCount, formatValue } from "./format.js";
export type { DType, NestedArray, Shape, TypedArray } from "./tensor.js";
export { arange, eye, full, ones, onesLike, scalar, tensor, zeros, zerosLike } from "./creation.js";
export { Generator, defaultGenerator, manualSeed, rand, randint, randn } from "./random.js";
export type { GeneratorState, RandomOptions } from "./random.js";
export { checkOptions } from "./options.js";

export { jsKernels, kernels, loadWasmKernels, setKernels, setThreads, wasmKernels } from "./kernels/index.js";
export type { FloatArray, Kernels } from "./kernels/index.js";

export type { Axes, Operand } from "./ops/util.js";
export { cast, flatten, permute, reshape, squeeze, transpose, unsqueeze } from "./ops/shape.js";
export { broadcastShapes, broadcastTo, sumToShape } from "./ops/broadcast.js";
export { concat, pad, slice, stack } from "./ops/slicing.js";
export { formatPosition, gather, oneHot } from "./ops/indexing.js";
export type { Indices } from "./ops/indexing.js";
export { add, div, maximum, minimum, mul, pow, sub } from "./ops/elementwise.js";
export { equal, greater, greaterEqual, less, lessEqual, notEqual, where } from "./ops/compare.js";
export { abs, clip, exp, log, neg, relu, sigmoid, sign, sqrt, square, tanh } from "./ops/unary.js";
export { argmax, argmin, logsumexp, max, mean, min, sum } from "./ops/reduce.js";
export { matmul } from "./ops/matmul.js";
export type { MatmulOptions } from "./ops/matmul.js";
export { accumulate, assign } from "./ops/inplace.js";
export { allClose, maxAbsDiff } from "./ops/testing.js";
export type { AllCloseOptions } from "./ops/testing.js";
