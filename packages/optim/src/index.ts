export type { AdagradOptions } from "./adagrad.js";
export { Adagrad } from "./adagrad.js";
export type { AdamOptions } from "./adam.js";
export { Adam, AdamW } from "./adam.js";
export type { ClipGradNormOptions } from "./clip.js";
export { clipGradNorm, clipGradValue } from "./clip.js";
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
export { Optimizer } from "./optimizer.js";
export type { OptionDefaults } from "./options.js";
export { REQUIRED } from "./options.js";
export type { RMSpropOptions } from "./rmsprop.js";
export { RMSprop } from "./rmsprop.js";
export type { CosineAnnealingLROptions, ExponentialLROptions, SchedulerState, StepLROptions } from "./schedulers.js";
export { CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR } from "./schedulers.js";
export type { SGDOptions } from "./sgd.js";
export { SGD } from "./sgd.js";
