export { Tensor, allocate, dtypeOf, formatShape, shapeSize, stridesOf } from "./tensor.js";
export type { DType, NestedArray, Shape, TypedArray } from "./tensor.js";
export { arange, eye, full, ones, onesLike, scalar, tensor, zeros, zerosLike } from "./creation.js";
export { Generator, defaultGenerator, manualSeed, rand, randint, randn } from "./random.js";
export type { GeneratorState, RandomOptions } from "./random.js";
