import { noGrad, type Variable } from "@nabla/autograd";
import type { Module } from "@nabla/layers";
import type { Loss } from "@nabla/losses";
import { describe, type Generator, type Tensor } from "@nabla/tensor";
import { scalarLoss, unpack } from "./batches.js";
import type { Callback } from "./callbacks.js";
import { encodeCheckpoint, type TrainingState } from "./checkpoint.js";
import { type BatchLog, type EpochLog, History, validationKey } from "./history.js";
import type { Metric } from "./metrics.js";
import { nanError, nonFiniteGradient, type StepPosition } from "./nan-guard.js";
import {
  type BatchLoader,
  callbackList,
  checkFitOptions,
  checkTrainerOptions,
  type Evaluation,
  type FitOptions,
  isIterable,
  type OptimizerLike,
  type SchedulerLike,
  type TrainerEnvironment,
  type TrainerOptions,
} from "./options.js";
import { forwardChecked, predictInBatches } from "./predict.js";
import { ProgressReporter } from "./progress.js";
import { captureState, restoreCheckpoint } from "./restore.js";
import { type CheckpointStorage, checkStorage, WriteError } from "./storage.js";

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
    const { model, loss, optimizer, metrics, scheduler, nanGuard, generator } = checkTrainerOptions(options);
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.scheduler = scheduler;
    this.metrics = metrics;
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

  /** Where this Trainer runs: the core one has no terminal, files or CI. The Node Trainer overrides it. */
  protected environment(): TrainerEnvironment {
    return { ci: false };
  }

  private async run(train: BatchLoader, options: FitOptions): Promise<History> {
    const environment = this.environment();
    const { epochs, validation, checkpoint, resumeFrom, progress = "auto" } = options;
    const callbacks = options.callbacks === undefined ? [] : callbackList(options.callbacks);
    const output = options.output ?? environment.output;
    const storage = options.storage ?? environment.storage;
    const every = checkpoint?.every ?? 1;
    const reporter =
      output === undefined ? new ProgressReporter("none") : new ProgressReporter(progress, output, environment.ci);
    const named = this.model.namedParameters();
    this.stopReason = null;
    this.lastCheckpoint = null;
    this.globalStep = 0;
    checkStorage(storage, checkpoint?.path, resumeFrom);
    const history = await this.begin(storage, resumeFrom, train, validation, callbacks, epochs, reporter);
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
          await this.writeCheckpoint(
            storage as CheckpointStorage,
            checkpoint.path,
            epoch,
            history,
            train,
            validation,
            callbacks,
          );
        }
        // Let timers, events and pending I/O run between epochs (a page stays responsive).
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      reporter.close();
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(history, this);
    return history;
  }

  /**
   * Restores `resumeFrom` if given, calls onTrainBegin, then hands the callbacks their saved
   * states; returns the history to continue (empty, or the checkpoint's).
   */
  private async begin(
    storage: CheckpointStorage | undefined,
    resumeFrom: string | undefined,
    train: BatchLoader,
    validation: BatchLoader | undefined,
    callbacks: readonly Callback[],
    epochs: number,
    reporter: ProgressReporter,
  ): Promise<History> {
    let history = new History();
    let resumed: TrainingState | null = null;
    if (resumeFrom !== undefined) {
      resumed = await this.restore(storage as CheckpointStorage, resumeFrom, train, validation);
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
          const output = forwardChecked(this.model, x, "Trainer.evaluate");
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
    return predictInBatches(this.model, x, options);
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
      const output = forwardChecked(this.model, x, "Trainer.fit");
      const lossVar = this.loss(output, y);
      const loss = scalarLoss(lossVar, "Trainer.fit");
      if (this.nanGuard && !Number.isFinite(loss))
        throw nanError(`loss is ${loss}`, this.position(epoch, batch, total));
      lossVar.backward();
      if (this.nanGuard) {
        const bad = nonFiniteGradient(named);
        if (bad !== undefined) throw nanError(bad, this.position(epoch, batch, total));
      }
      this.optimizer.step();
      this.globalStep++;
      const n = x.shape[0]!;
      samples += n;
      lossSum += loss * n;
      for (const m of metrics) m.update(output.value, y);

      if (batchHooks.length > 0)
        await this.batchEnd(batchHooks, batch, { loss: lossSum / samples, batchLoss: loss, size: n });
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

  /** onBatchEnd with the running loss and metrics; a hook's promise is awaited only when it returns one. */
  private async batchEnd(
    hooks: readonly Callback[],
    batch: number,
    running: { loss: number; batchLoss: number; size: number },
  ): Promise<void> {
    const logs = running as BatchLog;
    for (const m of this.metrics) logs[m.name] = m.result();
    for (const cb of hooks) {
      const pending = cb.onBatchEnd!(batch, logs, this);
      if (pending !== undefined) await pending;
    }
  }

  private position(epoch: number, batch: number, total: number | undefined): StepPosition {
    return { epoch, batch, total, globalStep: this.globalStep, lastCheckpoint: this.lastCheckpoint };
  }

  private async writeCheckpoint(
    storage: CheckpointStorage,
    path: string,
    epoch: number,
    history: History,
    train: BatchLoader,
    validation: BatchLoader | undefined,
    callbacks: readonly Callback[],
  ): Promise<void> {
    const { model, optimizer, scheduler, generator } = this;
    const state = captureState(
      { model, optimizer, scheduler, generator, train, validation },
      {
        epoch,
        step: this.globalStep,
        history: history.epochs,
        callbacks,
      },
    );
    try {
      await storage.write(path, encodeCheckpoint(this.model, state));
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

  /** Reads the checkpoint and puts everything back as it was after its epoch (or leaves all as it was and throws). */
  private async restore(
    storage: CheckpointStorage,
    path: string,
    train: BatchLoader,
    validation: BatchLoader | undefined,
  ): Promise<TrainingState> {
    const { model, optimizer, scheduler, generator } = this;
    try {
      const bytes = await storage.read(path);
      return restoreCheckpoint(bytes, path, { model, optimizer, scheduler, generator, train, validation });
    } catch (e) {
      throw new Error(`Trainer.fit: cannot resume from ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
}
