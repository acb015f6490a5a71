export { writeFileAtomic } from "./atomic.js";
export type { Callback, EarlyStoppingOptions } from "./callbacks.js";
export { EarlyStopping, LambdaCallback } from "./callbacks.js";
export type { Layout, LoadModelOptions, SaveModelOptions } from "./checkpoint.js";
export { loadModel, saveModel } from "./checkpoint.js";
export { ensureDirectory } from "./files.js";
export type { BatchLog, EpochLog } from "./history.js";
export { History, validationKey } from "./history.js";
export type { Metric, MetricSpec } from "./metrics.js";
export { Accuracy, countCorrect } from "./metrics.js";
export type { ProgressMode, ProgressStream, RunningStats } from "./progress.js";
export { formatMetric, ProgressReporter, resolveProgressMode } from "./progress.js";
export type { EncodeOptions, Safetensors, TensorRecord } from "./safetensors.js";
export { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "./safetensors.js";
export type {
  BatchLoader,
  CheckpointOptions,
  Evaluation,
  FitOptions,
  OptimizerLike,
  SchedulerLike,
  TrainerOptions,
} from "./trainer.js";
export { Trainer } from "./trainer.js";
