import { noGrad, Variable } from "@nabla/autograd";
import { Module } from "@nabla/layers";
import type { Loss } from "@nabla/losses";
import { allocate, checkOptions, defaultGenerator, describe, formatShape, type Generator, Tensor } from "@nabla/tensor";
import { WriteError } from "./atomic.js";
import type { Callback } from "./callbacks.js";
import { readCheckpoint, saveCheckpoint, type TrainingState } from "./checkpoint.js";
import { prepareFileWrite, unreadableFile } from "./files.js";
import { type BatchLog, type EpochLog, History, validationKey } from "./history.js";
import { createMetric, type Metric, type MetricSpec } from "./metrics.js";
import { type ProgressMode, ProgressReporter, type ProgressStream } from "./progress.js";
import { decodeState, encodeState } from "./state.js";

/** What the Trainer needs of an optimizer (every @nabla/optim optimizer has it). */
export interface OptimizerLike {
  lr: number;
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
  /** The file, rewritten atomically after every `every` epochs and after the last one. */
  path: string;
  every?: number;
}

export interface FitOptions {
  epochs: number;
  /** Evaluated after every epoch: its loss and metrics appear as valLoss, valAccuracy, ... */
  validation?: BatchLoader;
  callbacks?: Callback[];
  checkpoint?: CheckpointOptions;
  /** A checkpoint written by fit: training continues after its epoch, exactly as if never stopped. */
  resumeFrom?: string;
  /** 'auto' (default): a live bar on a terminal, one line per epoch elsewhere. */
  progress?: ProgressMode;
  /** Where progress is written; default process.stdout. */
  output?: ProgressStream;
}

/** What `evaluate` returns: the mean loss and each metric over the whole loader. */
export type Evaluation = { loss: number } & Record<string, number>;

const TRAINER_OPTIONS = ["model", "loss", "optimizer", "metrics", "scheduler", "nanGuard", "generator"];
const FIT_OPTIONS = ["epochs", "validation", "callbacks", "checkpoint", "resumeFrom", "progress", "output"];
const PROGRESS_MODES = ["auto", "bar", "line", "none"];

/**
 * Trains a model: `await trainer.fit(loader, { epochs, validation })`, then `evaluate` and
 * `predict`. One step is model.forward, loss, backward, optimizer.step; everything else (metrics,
 * progress, callbacks, the NaN guard) is kept off the hot path or costs one pass over the gradients.
 */
export class Trainer {
  readonly model: Module;
  readonly loss: Loss;
  readonly optimizer: OptimizerLike;
  readonly scheduler: SchedulerLike | undefined;
  readonly metrics: readonly Metric[];
  readonly nanGuard: boolean;
  readonly generator: Generator | undefined;
  private globalStep = 0;
  private stopReason: string | null = null;
  private lastCheckpoint: { path: string; epoch: number } | null = null;
  /** Set while a fit runs: a second one would interleave its steps with the first on the same model and optimizer. */
  private fitting = false;
  /** Set while fit is inside an epoch's batches, when the metrics hold that epoch's running totals. */
  private inEpoch = false;

  constructor(options: TrainerOptions) {
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
    if (typeof nanGuard !== "boolean")
      throw new Error(`Trainer: nanGuard must be a boolean, got ${describe(nanGuard)}`);
    if (generator !== undefined && !hasMethods(generator, ["getState", "setState"])) {
      throw new Error(`Trainer: generator must be a Generator from @nabla/tensor, got ${describe(generator)}`);
    }
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.scheduler = scheduler;
    this.metrics = metrics.map(createMetric);
    const names = this.metrics.map((m) => m.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i || n === "loss");
    if (duplicate !== undefined)
      throw new Error(`Trainer: metric name '${duplicate}' is used twice (or clashes with 'loss')`);
    this.nanGuard = nanGuard;
    this.generator = generator;
  }

  /** Optimizer steps taken so far (restored on resume). */
  get step(): number {
    return this.globalStep;
  }

  /** Ends `fit` after the current epoch (its checkpoint is still written). Callbacks call this. */
  stop(reason = "training stopped by a callback"): void {
    this.stopReason = reason;
  }

  /** Why the last fit stopped early, or null if it ran all its epochs. */
  get stopped(): string | null {
    return this.stopReason;
  }

  /**
   * Trains for `epochs` epochs (counting those a resumed checkpoint already holds). One fit at a
   * time: a second call before the first has settled is refused. `predict` may be called from
   * callbacks; `evaluate` only between epochs (see its note).
   */
  async fit(train: BatchLoader, options: FitOptions): Promise<History> {
    if (this.fitting) {
      throw new Error(
        "Trainer.fit: a fit is already running on this Trainer; await it before starting another " +
          "(two at once would interleave their steps on one model and optimizer), or give the second run its own model, optimizer and Trainer",
      );
    }
    checkFitOptions(train, options);
    this.fitting = true;
    try {
      return await this.run(train, options);
    } finally {
      this.fitting = false;
      this.inEpoch = false;
    }
  }

  private async run(train: BatchLoader, options: FitOptions): Promise<History> {
    const {
      epochs,
      validation,
      callbacks = [],
      checkpoint,
      resumeFrom,
      progress = "auto",
      output = process.stdout,
    } = options;
    const every = checkpoint?.every ?? 1;
    const reporter = new ProgressReporter(progress, output);
    const named = this.model.namedParameters();
    this.stopReason = null;
    this.lastCheckpoint = null;
    this.globalStep = 0;
    if (checkpoint !== undefined) {
      // Before training, rather than after the first epoch's work.
      const problem = prepareFileWrite(checkpoint.path);
      if (problem !== undefined)
        throw new Error(`Trainer.fit: cannot write checkpoints to ${checkpoint.path}: ${problem}`);
    }

    let history = new History();
    let resumed: TrainingState | null = null;
    if (resumeFrom !== undefined) {
      resumed = this.restore(resumeFrom, train, validation);
      history = new History(resumed.history);
      this.globalStep = resumed.step;
      this.lastCheckpoint = { path: resumeFrom, epoch: resumed.epoch };
    }
    for (const cb of callbacks) await cb.onTrainBegin?.(this);
    if (resumed !== null) {
      callbacks.forEach((cb, i) => {
        const state = resumed.callbacks[i];
        if (state !== null && state !== undefined && cb.loadStateDict) cb.loadStateDict(state);
      });
      reporter.message(
        resumed.epoch < epochs
          ? `Resumed from ${resumeFrom} after epoch ${resumed.epoch}`
          : `Resumed from ${resumeFrom} after epoch ${resumed.epoch}, which ${resumed.epoch === epochs ? "completes" : "is past"} the ${epochs} epoch${epochs === 1 ? "" : "s"} asked for: ` +
              "nothing to train",
      );
    }

    try {
      for (let epoch = history.length + 1; epoch <= epochs && this.stopReason === null; epoch++) {
        for (const cb of callbacks) await cb.onEpochBegin?.(epoch, this);
        const started = performance.now();
        const lr = this.optimizer.lr;
        const { batches, samples, loss, trainSeconds, metrics } = await this.trainEpoch(
          train,
          epoch,
          epochs,
          callbacks,
          reporter,
          named,
        );
        const log = { epoch, loss } as EpochLog;
        for (const [name, value] of metrics) log[name] = value;
        if (validation !== undefined) {
          for (const [name, value] of Object.entries(this.evaluate(validation))) log[validationKey(name)] = value;
        }
        this.scheduler?.step();
        log.lr = lr;
        log.seconds = (performance.now() - started) / 1000;
        log.samplesPerSecond = samples / trainSeconds;
        history.epochs.push(log);
        reporter.epochEnd(
          log,
          batches,
          this.metrics.map((m) => m.name),
          validation === undefined ? [] : ["loss", ...this.metrics.map((m) => m.name)].map(validationKey),
        );
        for (const cb of callbacks) await cb.onEpochEnd?.(epoch, log, this);
        if (this.stopReason !== null) reporter.message(this.stopReason);
        if (checkpoint !== undefined && (epoch % every === 0 || epoch === epochs || this.stopReason !== null)) {
          this.writeCheckpoint(checkpoint.path, epoch, history, train, validation, callbacks);
        }
        // Let timers, signals and pending I/O run between epochs.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      reporter.close();
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(history, this);
    return history;
  }

  /** Mean loss and metrics over `loader`, without gradients and in eval mode (the previous mode is restored). */
  evaluate(loader: BatchLoader): Evaluation {
    if (!isIterable(loader))
      throw new Error(
        `Trainer.evaluate: expected a DataLoader or an iterable of [input, target] batches, got ${describe(loader)}`,
      );
    if (this.inEpoch) {
      throw new Error(
        "Trainer.evaluate: called in the middle of a fit's epoch (from onBatchEnd, or code that ran between its batches), " +
          "where it would reset the metrics that are adding up the epoch's training results; evaluate in onEpochEnd, " +
          "or with a second Trainer on the same model (its metrics are its own)",
      );
    }
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => {
        for (const m of this.metrics) m.reset();
        let lossSum = 0;
        let samples = 0;
        for (const batch of loader) {
          const [x, y] = unpack(batch, "Trainer.evaluate");
          const output = this.forward(x, "Trainer.evaluate");
          const n = x.shape[0]!;
          lossSum += scalarLoss(this.loss(output, y), "Trainer.evaluate") * n;
          samples += n;
          for (const m of this.metrics) m.update(output.value, y);
        }
        if (samples === 0) throw new Error("Trainer.evaluate: the loader yielded no samples");
        const result = { loss: lossSum / samples } as Evaluation;
        for (const m of this.metrics) result[m.name] = m.result();
        return result;
      });
    } finally {
      this.model.train(wasTraining);
    }
  }

  /** The model's outputs (logits for a classifier) for every row of `x`, computed in batches in eval mode. */
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    const { batchSize = 256 } = options;
    if (!(x instanceof Tensor)) throw new Error(`Trainer.predict: x must be a Tensor, got ${describe(x)}`);
    if (x.rank === 0 || x.shape[0] === 0)
      throw new Error(`Trainer.predict: x has shape ${formatShape(x.shape)}, expected [rows, ...] with rows > 0`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`Trainer.predict: batchSize must be a positive integer, got ${batchSize}`);
    const rows = x.shape[0]!;
    const rowSize = x.size / rows;
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => {
        let out: Tensor | null = null;
        let outRow = 0;
        for (let start = 0; start < rows; start += batchSize) {
          const end = Math.min(rows, start + batchSize);
          // A view of the rows, not a copy: ops never write to their inputs.
          const batch = new Tensor(x.data.subarray(start * rowSize, end * rowSize), [end - start, ...x.shape.slice(1)]);
          const y = this.forward(batch, "Trainer.predict").value;
          if (out === null) {
            outRow = y.size / (end - start);
            out = new Tensor(allocate(y.dtype, rows * outRow), [rows, ...y.shape.slice(1)]);
          }
          out.data.set(y.data, start * outRow);
        }
        return out!;
      });
    } finally {
      this.model.train(wasTraining);
    }
  }

  private async trainEpoch(
    train: BatchLoader,
    epoch: number,
    epochs: number,
    callbacks: readonly Callback[],
    reporter: ProgressReporter,
    named: readonly [string, Variable][],
  ): Promise<{ batches: number; samples: number; loss: number; trainSeconds: number; metrics: [string, number][] }> {
    const total = typeof train.length === "number" ? train.length : undefined;
    const batchHooks = callbacks.filter((cb) => typeof cb.onBatchEnd === "function");
    const metrics = this.metrics;
    for (const m of metrics) m.reset();
    this.model.train();
    this.inEpoch = true;
    reporter.epochBegin(epoch, epochs, total);
    const started = performance.now();
    let batch = 0;
    let samples = 0;
    let lossSum = 0;
    for (const b of train) {
      batch++;
      const [x, y] = unpack(b, "Trainer.fit");
      this.optimizer.zeroGrad();
      const output = this.forward(x, "Trainer.fit");
      const lossVar = this.loss(output, y);
      const loss = scalarLoss(lossVar, "Trainer.fit");
      if (this.nanGuard && !Number.isFinite(loss)) throw this.nanError(`loss is ${loss}`, epoch, batch, total);
      lossVar.backward();
      if (this.nanGuard) this.checkGradients(named, epoch, batch, total);
      this.optimizer.step();
      this.globalStep++;
      const n = x.shape[0]!;
      samples += n;
      lossSum += loss * n;
      for (const m of metrics) m.update(output.value, y);

      if (batchHooks.length > 0) {
        const logs = { loss: lossSum / samples, batchLoss: loss, size: n } as BatchLog;
        for (const m of metrics) logs[m.name] = m.result();
        for (const cb of batchHooks) {
          const pending = cb.onBatchEnd!(batch, logs, this);
          if (pending !== undefined) await pending;
        }
      }
      const now = performance.now();
      if (reporter.wantsBatch(now)) {
        reporter.batch(
          { batch, samples, loss: lossSum / samples, metrics: metrics.map((m) => [m.name, m.result()] as const) },
          now,
        );
      }
    }
    if (batch === 0) throw new Error("Trainer.fit: the training loader yielded no batches");
    this.inEpoch = false;
    return {
      batches: batch,
      samples,
      loss: lossSum / samples,
      trainSeconds: (performance.now() - started) / 1000,
      metrics: metrics.map((m) => [m.name, m.result()]),
    };
  }

  private forward(x: Tensor, op: string): Variable {
    const output: unknown = this.model.forward(new Variable(x));
    if (!(output instanceof Variable))
      throw new Error(`${op}: model.forward returned ${describe(output)}, expected a Variable`);
    return output;
  }

  /**
   * One branch-free pass per gradient: 0·x is NaN exactly when x is NaN or ±Infinity, and NaN
   * survives the sum. Four accumulators break the add latency chain (about 80 µs for 100k
   * parameters, ~1% of an MLP step). The element is searched for only on failure.
   */
  private checkGradients(
    named: readonly [string, Variable][],
    epoch: number,
    batch: number,
    total: number | undefined,
  ): void {
    for (const [name, p] of named) {
      const g = p.grad;
      if (g === null) continue;
      const d = g.data;
      const n = d.length;
      const n4 = n - (n % 4);
      let p0 = 0;
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      for (let i = 0; i < n4; i += 4) {
        p0 += d[i]! * 0;
        p1 += d[i + 1]! * 0;
        p2 += d[i + 2]! * 0;
        p3 += d[i + 3]! * 0;
      }
      for (let i = n4; i < n; i++) p0 += d[i]! * 0;
      if (p0 + p1 + p2 + p3 === 0) continue;
      let i = 0;
      while (Number.isFinite(d[i]!)) i++;
      throw this.nanError(
        `the gradient of '${name}' ${formatShape(g.shape)} has ${d[i]} at element ${i}`,
        epoch,
        batch,
        total,
      );
    }
  }

  private nanError(what: string, epoch: number, batch: number, total: number | undefined): Error {
    const kept =
      this.lastCheckpoint === null
        ? "no checkpoint had been written"
        : `the last good checkpoint ${this.lastCheckpoint.path} (epoch ${this.lastCheckpoint.epoch}) is kept`;
    return new Error(
      `nanGuard: ${what} at epoch ${epoch}, step ${batch}${total === undefined ? "" : `/${total}`} (global step ${this.globalStep + 1}); ` +
        `training stopped before the update and ${kept}. Try a lower learning rate, or check the inputs for NaN/Infinity`,
    );
  }

  private writeCheckpoint(
    path: string,
    epoch: number,
    history: History,
    train: BatchLoader,
    validation: BatchLoader | undefined,
    callbacks: readonly Callback[],
  ): void {
    const state: TrainingState = {
      epoch,
      step: this.globalStep,
      lr: this.optimizer.lr,
      optimizer: this.optimizer.stateDict(),
      scheduler: this.scheduler?.stateDict() ?? null,
      history: history.epochs,
      trainLoader: train.getState?.() ?? null,
      validationLoader: validation?.getState?.() ?? null,
      generator: defaultGenerator().getState(),
      trainerGenerator: this.generator?.getState() ?? null,
      callbacks: callbacks.map((cb) => cb.stateDict?.() ?? null),
    };
    try {
      saveCheckpoint(path, this.model, state);
    } catch (e) {
      const last = this.lastCheckpoint;
      const kept =
        last === null
          ? "no checkpoint of this run was saved"
          : last.path === path
            ? `${path} still holds epoch ${last.epoch}`
            : `the last checkpoint saved is ${last.path} (epoch ${last.epoch})`;
      const why = e instanceof WriteError ? e.why : (e as Error).message;
      throw new Error(
        `Trainer.fit: training stopped after epoch ${epoch}: its checkpoint could not be written to ${path}: ${why}; ${kept}`,
        { cause: e },
      );
    }
    this.lastCheckpoint = { path, epoch };
  }

  /**
   * Puts the model, optimizer, scheduler, loaders and generators back as they were after the
   * checkpoint's epoch. The model and optimizer are snapshotted first and restored if any part
   * fails, so a bad checkpoint leaves the Trainer as it was.
   */
  private restore(path: string, train: BatchLoader, validation: BatchLoader | undefined): TrainingState {
    const fail = (e: unknown): Error => new Error(`Trainer.fit: cannot resume from ${path}: ${(e as Error).message}`);
    const unreadable = unreadableFile(path);
    if (unreadable !== undefined) throw new Error(`Trainer.fit: cannot resume from ${path}: ${unreadable}`);
    let checkpoint: ReturnType<typeof readCheckpoint>;
    try {
      checkpoint = readCheckpoint(path);
    } catch (e) {
      throw fail(e);
    }
    const { weights, state } = checkpoint;
    const previousWeights = this.model.stateDict();
    const previousOptimizer = snapshot(this.optimizer.stateDict());
    try {
      this.model.loadStateDict(weights);
      try {
        if ((state.scheduler === null) !== (this.scheduler === undefined)) {
          throw new Error(
            state.scheduler === null
              ? "it was written without a scheduler, but this Trainer has one"
              : "it holds a scheduler's state, but this Trainer has no scheduler",
          );
        }
        this.optimizer.loadStateDict(state.optimizer);
        if (this.optimizer.lr !== state.lr) this.optimizer.lr = state.lr;
        if (state.scheduler !== null) this.scheduler!.loadStateDict(state.scheduler);
        if (state.trainLoader !== null && train.setState) train.setState(state.trainLoader);
        if (state.validationLoader !== null && validation?.setState) validation.setState(state.validationLoader);
        defaultGenerator().setState(state.generator as ReturnType<Generator["getState"]>);
        if (state.trainerGenerator !== null && this.generator !== undefined) {
          this.generator.setState(state.trainerGenerator as ReturnType<Generator["getState"]>);
        }
      } catch (e) {
        this.model.loadStateDict(previousWeights);
        this.optimizer.loadStateDict(previousOptimizer);
        throw e;
      }
    } catch (e) {
      throw fail(e);
    }
    return state;
  }
}

/** A deep copy of a state dict (tensors cloned), to roll back to. */
function snapshot(state: unknown): unknown {
  const tensors = new Map<string, Tensor>();
  const json = encodeState(state, "", tensors);
  const copies = new Map<string, Tensor>();
  for (const [k, t] of tensors) copies.set(k, t.clone());
  return decodeState(json, copies, "snapshot");
}

function unpack(batch: readonly Tensor[], op: string): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new Error(`${op}: each batch must be [input, target, ...] Tensors, got ${describe(batch)}`);
  }
  const [x, y] = batch as [Tensor, Tensor];
  if (x.rank === 0 || x.shape[0] === 0)
    throw new Error(`${op}: a batch input has shape ${formatShape(x.shape)}, expected [batch, ...] with batch > 0`);
  if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
    throw new Error(
      `${op}: batch input ${formatShape(x.shape)} and target ${formatShape(y.shape)} differ in their first (batch) dimension`,
    );
  }
  return [x, y];
}

function scalarLoss(loss: unknown, op: string): number {
  if (!(loss instanceof Variable))
    throw new Error(`${op}: the loss function returned ${describe(loss)}, expected a scalar Variable`);
  if (loss.size !== 1) {
    throw new Error(
      `${op}: the loss has shape ${formatShape(loss.shape)}, expected a scalar (use reduction 'mean' or 'sum')`,
    );
  }
  return loss.value.data[0]!;
}

function checkFitOptions(train: BatchLoader, options: FitOptions): void {
  if (!isIterable(train))
    throw new Error(
      `Trainer.fit: expected a DataLoader or an iterable of [input, target] batches, got ${describe(train)}`,
    );
  if (typeof options !== "object" || options === null) throw new Error("Trainer.fit: expected options { epochs, ... }");
  checkOptions("Trainer.fit", options, FIT_OPTIONS);
  const { epochs, validation, callbacks, checkpoint, resumeFrom, progress } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`Trainer.fit: epochs must be a positive integer, got ${describe(epochs)}`);
  if (validation !== undefined && !isIterable(validation))
    throw new Error(`Trainer.fit: validation must be a DataLoader, got ${describe(validation)}`);
  if (
    callbacks !== undefined &&
    (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== "object" || c === null))
  ) {
    throw new Error("Trainer.fit: callbacks must be an array of callback objects");
  }
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
  if (progress !== undefined && !PROGRESS_MODES.includes(progress)) {
    throw new Error(`Trainer.fit: progress must be one of ${PROGRESS_MODES.join(", ")}, got ${describe(progress)}`);
  }
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return (
    typeof x === "object" && x !== null && typeof (x as Partial<Iterable<unknown>>)[Symbol.iterator] === "function"
  );
}

function hasMethods(x: unknown, names: readonly string[]): boolean {
  return (
    typeof x === "object" && x !== null && names.every((n) => typeof (x as Record<string, unknown>)[n] === "function")
  );
}
