export type { Callback, CallbackHooks, EarlyStoppingOptions } from "./callbacks.js";
export { EarlyStopping, LambdaCallback } from "./callbacks.js";
export type { Layout, LoadModelFromBytesOptions, LoadModelOptions, SaveModelOptions } from "./checkpoint.js";
export { loadModelFromBytes, saveModelToBytes } from "./checkpoint.js";
export type { BatchLog, EpochLog } from "./history.js";
export { History, validationKey } from "./history.js";
export type { Metric, MetricSpec } from "./metrics.js";
export { Accuracy, countCorrect } from "./metrics.js";
export type {
  BatchLoader,
  CheckpointOptions,
  Evaluation,
  FitOptions,
  OptimizerLike,
  SchedulerLike,
  TrainerOptions,
} from "./options.js";
export type { ProgressMode, ProgressStream, RunningStats } from "./progress.js";
export { formatMetric, ProgressReporter, resolveProgressMode } from "./progress.js";
export type { EncodeOptions, Safetensors, TensorRecord } from "./safetensors.js";
export { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
export type { CheckpointStorage, MemoryStorage } from "./storage.js";
export { concatBytes, memoryStorage, WriteError } from "./storage.js";
export type { TrainerEnvironment } from "./trainer.js";
export { Trainer } from "./trainer.js";
