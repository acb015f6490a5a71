export { Optimizer } from "./optimizer.js";
export type {
  FloatArray,
  HyperParameter,
  OptimizerOptions,
  OptimizerState,
  ParamGroup,
  ParamGroupInput,
  ParamGroupState,
  ParamState,
  ParamStateDict,
  Params,
} from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions } from "./sgd.js";
export { Adagrad } from "./adagrad.js";
export type { AdagradOptions } from "./adagrad.js";
export { RMSprop } from "./rmsprop.js";
export type { RMSpropOptions } from "./rmsprop.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamOptions } from "./adam.js";
export { CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR } from "./schedulers.js";
export type { CosineAnnealingLROptions, ExponentialLROptions, SchedulerState, StepLROptions } from "./schedulers.js";
export { clipGradNorm, clipGradValue } from "./clip.js";
export type { ClipGradNormOptions } from "./clip.js";
