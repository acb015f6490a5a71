export { Trainer } from "./trainer.js";
export type {
  BatchLoader,
  CheckpointOptions,
  Evaluation,
  FitOptions,
  OptimizerLike,
  SchedulerLike,
  TrainerOptions,
} from "./trainer.js";
export { History, validationKey } from "./history.js";
export type { BatchLog, EpochLog } from "./history.js";
export { EarlyStopping, LambdaCallback } from "./callbacks.js";
export type { Callback, EarlyStoppingOptions } from "./callbacks.js";
export { Accuracy, countCorrect } from "./metrics.js";
export type { Metric, MetricSpec } from "./metrics.js";
export { ProgressReporter, formatMetric, resolveProgressMode } from "./progress.js";
export type { ProgressMode, ProgressStream, RunningStats } from "./progress.js";
export { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "./safetensors.js";
export type { EncodeOptions, Safetensors, TensorRecord } from "./safetensors.js";
export { loadModel, saveModel } from "./checkpoint.js";
export type { Layout, LoadModelOptions, SaveModelOptions } from "./checkpoint.js";
export { writeFileAtomic } from "./atomic.js";
