// Installs the differentiable op methods on Variable.prototype (x.matmul(w).add(b).relu()...).
import "./methods.js";

export { topologicalOrder } from "./backward.js";
export { grad, valueAndGrad } from "./functional.js";
export type { GradcheckOptions, GradcheckReport } from "./gradcheck.js";
export { gradcheck, gradcheckLeaves } from "./gradcheck.js";
export { clip, leakyRelu, relu, sigmoid, tanh } from "./ops/activations.js";
export { add, div, mul, neg, sub } from "./ops/arithmetic.js";
export type { BatchNormOptions } from "./ops/batchnorm.js";
export { batchNorm } from "./ops/batchnorm.js";
export { maximum, minimum, where } from "./ops/compare.js";
export type { Conv2dOptions, Pair } from "./ops/conv2d.js";
export { conv2d, conv2dOutputShape, pair } from "./ops/conv2d.js";
export type { DropoutOptions } from "./ops/dropout.js";
export { dropout } from "./ops/dropout.js";
export { linear } from "./ops/linear.js";
export { matmul } from "./ops/matmul.js";
export type { AvgPool2dOptions, Pool2dOptions } from "./ops/pool2d.js";
export { avgPool2d, maxPool2d, pool2dOutputShape } from "./ops/pool2d.js";
export type { RecurrenceMode, RecurrenceOptions, RecurrenceWeights } from "./ops/recurrent.js";
export { recurrence, recurrenceGates, recurrenceSlabs } from "./ops/recurrent.js";
export { argmax, argmin, logsumexp, max, mean, min, sum } from "./ops/reduce.js";
export {
  broadcastTo,
  concat,
  flatten,
  gather,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from "./ops/shape.js";
export { logSoftmax, softmax } from "./ops/softmax.js";
export { abs, exp, log, pow, sqrt, square } from "./ops/unary.js";
export type { Backward, Input, Node, SavedTensor } from "./variable.js";
export { asVariable, asVariables, isGradEnabled, noGrad, record, Variable, variable } from "./variable.js";
