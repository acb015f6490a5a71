import { Module } from "@nabla/layers";
import type { Loss } from "@nabla/losses";
import { checkOptions, describe, type Generator, type Tensor } from "@nabla/tensor";
import type { Callback } from "./callbacks.js";
import { createMetric, type Metric, type MetricSpec } from "./metrics.js";
import type { ProgressMode, ProgressStream } from "./progress.js";
import type { CheckpointStorage } from "./storage.js";

/** What the Trainer needs of an optimizer (every @nabla/optim optimizer has it). */
export interface OptimizerLike {
  lr: number;
  /** Param groups, each with its own learning rate: checkpoints save and restore each group's. */
  readonly paramGroups?: ReadonlyArray<{ lr: number }>;
  step(): void;
  zeroGrad(): void;
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

/** A learning-rate schedule, stepped once after every epoch (StepLR, CosineAnnealingLR, ...). */
export interface SchedulerLike {
  step(): void;
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

/**
 * Batches of [input, target, ...] tensors, one pass per epoch: a DataLoader, or any iterable.
 * `length` (batches per epoch) feeds the progress bar; `getState`/`setState` let checkpoints save
 * the shuffling order.
 */
export interface BatchLoader extends Iterable<readonly Tensor[]> {
  readonly length?: number;
  getState?(): unknown;
  setState?(state: unknown): void;
}

export interface TrainerOptions {
  model: Module;
  /** Model output and target batch in, a scalar Variable out: softmaxCrossEntropy, mse, ... */
  loss: Loss;
  optimizer: OptimizerLike;
  /** Computed on the training batches and on validation; default ['accuracy']. Pass [] for regression. */
  metrics?: MetricSpec[];
  /** Stepped after every epoch; its state is saved in checkpoints. */
  scheduler?: SchedulerLike;
  /** Stop with a clear error as soon as the loss or a gradient is NaN or infinite (default true). */
  nanGuard?: boolean;
  /**
   * A Generator besides the global one (which is always saved) whose state checkpoints must
   * save to resume exactly, e.g. the one given to your Dropout layers.
   */
  generator?: Generator;
}

export interface CheckpointOptions {
  /** The file (or the storage's key), rewritten atomically after every `every` epochs and after the last one. */
  path: string;
  every?: number;
}

export interface FitOptions {
  epochs: number;
  /** Evaluated after every epoch: its loss and metrics appear as valLoss, valAccuracy, ... */
  validation?: BatchLoader;
  /** Callback objects, or one object of hooks as Keras and tfjs take it: `{ onEpochEnd: (epoch, logs) => ... }`. */
  callbacks?: Callback[] | Callback;
  checkpoint?: CheckpointOptions;
  /** A checkpoint written by fit: training continues after its epoch, exactly as if never stopped. */
  resumeFrom?: string;
  /**
   * Where `checkpoint` writes and `resumeFrom` reads: the Node Trainer (`@nabla/trainer/node`)
   * defaults to files; elsewhere pass one (`memoryStorage()`, or your own).
   */
  storage?: CheckpointStorage;
  /** 'auto' (default): a live bar on a terminal, one line per epoch elsewhere; nothing without an output. */
  progress?: ProgressMode;
  /** Where progress is written; the Node Trainer defaults to process.stdout, the core Trainer to nowhere. */
  output?: ProgressStream;
}

/**
 * What a Trainer takes from where it runs. The core Trainer has none of it: no progress unless
 * fit is given an `output`, no checkpoints unless it is given a `storage`. The Node Trainer
 * (`@nabla/trainer/node`) prints to the terminal and keeps checkpoints in files.
 */
export interface TrainerEnvironment {
  /** Where progress goes when fit is given no `output`. */
  output?: ProgressStream;
  /** Where checkpoints go when fit is given no `storage`. */
  storage?: CheckpointStorage;
  /** True on a CI runner, where 'auto' progress prints lines rather than a live bar. */
  ci: boolean;
}

/** What `evaluate` returns: the mean loss and each metric over the whole loader. */
export type Evaluation = { loss: number } & Record<string, number>;

const TRAINER_OPTIONS = ["model", "loss", "optimizer", "metrics", "scheduler", "nanGuard", "generator"];
const FIT_OPTIONS = ["epochs", "validation", "callbacks", "checkpoint", "resumeFrom", "storage", "progress", "output"];
const PROGRESS_MODES = ["auto", "bar", "line", "none"];
const HOOKS = ["onTrainBegin", "onEpochBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd", "stateDict", "loadStateDict"];

/** TrainerOptions checked, with their defaults. */
export function checkTrainerOptions(
  options: TrainerOptions,
): Required<Omit<TrainerOptions, "scheduler" | "generator" | "metrics">> &
  Pick<TrainerOptions, "scheduler" | "generator"> & { metrics: Metric[] } {
  if (typeof options !== "object" || options === null)
    throw new Error("Trainer: expected options { model, loss, optimizer }");
  checkOptions("Trainer", options, TRAINER_OPTIONS);
  const { model, loss, optimizer, metrics = ["accuracy"], scheduler, nanGuard = true, generator } = options;
  if (!(model instanceof Module))
    throw new Error(`Trainer: model must be a Module (Sequential, Dense, ...), got ${describe(model)}`);
  if (typeof loss !== "function")
    throw new Error(`Trainer: loss must be a function (prediction, target) => Variable, got ${describe(loss)}`);
  if (!hasMethods(optimizer, ["step", "zeroGrad", "stateDict", "loadStateDict"])) {
    throw new Error(`Trainer: optimizer must be an Optimizer (SGD, Adam, ...), got ${describe(optimizer)}`);
  }
  if (scheduler !== undefined && !hasMethods(scheduler, ["step", "stateDict", "loadStateDict"])) {
    throw new Error(`Trainer: scheduler must be a learning-rate schedule (StepLR, ...), got ${describe(scheduler)}`);
  }
  if (!Array.isArray(metrics))
    throw new Error(`Trainer: metrics must be an array such as ['accuracy'], got ${describe(metrics)}`);
  if (typeof nanGuard !== "boolean") throw new Error(`Trainer: nanGuard must be a boolean, got ${describe(nanGuard)}`);
  if (generator !== undefined && !hasMethods(generator, ["getState", "setState"])) {
    throw new Error(`Trainer: generator must be a Generator from @nabla/tensor, got ${describe(generator)}`);
  }
  const created = metrics.map(createMetric);
  const names = created.map((m) => m.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i || n === "loss");
  if (duplicate !== undefined)
    throw new Error(`Trainer: metric name '${duplicate}' is used twice (or clashes with 'loss')`);
  return { model, loss, optimizer, metrics: created, scheduler, nanGuard, generator };
}

export function checkFitOptions(train: BatchLoader, options: FitOptions): void {
  if (!isIterable(train))
    throw new Error(
      `Trainer.fit: expected a DataLoader or an iterable of [input, target] batches, got ${describe(train)}`,
    );
  if (typeof options !== "object" || options === null) throw new Error("Trainer.fit: expected options { epochs, ... }");
  checkOptions("Trainer.fit", options, FIT_OPTIONS);
  const { epochs, validation, callbacks, checkpoint, resumeFrom, storage, progress } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`Trainer.fit: epochs must be a positive integer, got ${describe(epochs)}`);
  if (validation !== undefined && !isIterable(validation))
    throw new Error(`Trainer.fit: validation must be a DataLoader, got ${describe(validation)}`);
  if (callbacks !== undefined) callbackList(callbacks);
  if (checkpoint !== undefined) {
    if (
      typeof checkpoint !== "object" ||
      checkpoint === null ||
      typeof checkpoint.path !== "string" ||
      checkpoint.path === ""
    ) {
      throw new Error("Trainer.fit: checkpoint must be { path: string, every?: number }");
    }
    const { every = 1 } = checkpoint;
    if (!Number.isInteger(every) || every < 1)
      throw new Error(`Trainer.fit: checkpoint.every must be a positive integer, got ${describe(every)}`);
  }
  if (resumeFrom !== undefined && (typeof resumeFrom !== "string" || resumeFrom === "")) {
    throw new Error(`Trainer.fit: resumeFrom must be a checkpoint path, got ${describe(resumeFrom)}`);
  }
  if (storage !== undefined && !hasMethods(storage, ["write", "read"])) {
    throw new Error(
      `Trainer.fit: storage must be a CheckpointStorage { write(key, chunks), read(key) }, got ${describe(storage)}`,
    );
  }
  if (progress !== undefined && !PROGRESS_MODES.includes(progress)) {
    throw new Error(`Trainer.fit: progress must be one of ${PROGRESS_MODES.join(", ")}, got ${describe(progress)}`);
  }
}

/**
 * The callbacks as a list: an array as it is, one callback object (`{ onEpochEnd }`, as Keras
 * and tfjs take it, or an EarlyStopping) as a list of one. A plain object's keys must be hooks.
 */
export function callbackList(callbacks: Callback[] | Callback): Callback[] {
  if (Array.isArray(callbacks)) {
    if (callbacks.some((c) => typeof c !== "object" || c === null))
      throw new Error("Trainer.fit: callbacks must be an array of callback objects, or one object of hooks");
    return callbacks;
  }
  if (typeof callbacks !== "object" || callbacks === null) {
    throw new Error(
      `Trainer.fit: callbacks must be an array of callback objects, or one object of hooks such as { onEpochEnd }, got ${describe(callbacks)}`,
    );
  }
  if (Object.getPrototypeOf(callbacks) === Object.prototype) {
    checkOptions("Trainer.fit: callbacks", callbacks, HOOKS);
    for (const [name, hook] of Object.entries(callbacks)) {
      if (typeof hook !== "function")
        throw new Error(`Trainer.fit: callbacks.${name} must be a function, got ${describe(hook)}`);
    }
  }
  return [callbacks];
}

export function isIterable(x: unknown): x is Iterable<unknown> {
  return (
    typeof x === "object" && x !== null && typeof (x as Partial<Iterable<unknown>>)[Symbol.iterator] === "function"
  );
}

function hasMethods(x: unknown, names: readonly string[]): boolean {
  return (
    typeof x === "object" && x !== null && names.every((n) => typeof (x as Record<string, unknown>)[n] === "function")
  );
}
