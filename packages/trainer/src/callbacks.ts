import { checkOptions, type Tensor } from "@nabla/tensor";
import type { BatchLog, EpochLog, History } from "./history.js";
import type { Trainer } from "./trainer.js";

/**
 * Hooks into `Trainer.fit`. Every hook is optional, may return a promise (fit awaits it), and gets
 * the Trainer last (call `trainer.stop()` to end training after the current epoch). Epochs and
 * batches are numbered from 1, as the progress output shows them. Order within an epoch:
 * onEpochBegin, onBatchEnd for each batch, onEpochEnd (after validation), then the checkpoint.
 *
 * A callback with state that should survive a resume (EarlyStopping's best value) implements
 * `stateDict`/`loadStateDict`; the state is saved in training checkpoints.
 */
export interface Callback {
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onEpochBegin?(epoch: number, trainer: Trainer): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLog, trainer: Trainer): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLog, trainer: Trainer): void | Promise<void>;
  onTrainEnd?(history: History, trainer: Trainer): void | Promise<void>;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** The hooks a LambdaCallback is made of. */
export type CallbackHooks = Pick<
  Callback,
  "onTrainBegin" | "onEpochBegin" | "onBatchEnd" | "onEpochEnd" | "onTrainEnd"
>;

/**
 * A callback made of plain functions: `new LambdaCallback({ onEpochEnd: (epoch, logs) => ... })`.
 * (fit also takes the object of hooks itself: `callbacks: { onEpochEnd }`.)
 */
export class LambdaCallback implements Callback {
  // NonNullable: under exactOptionalPropertyTypes an optional hook may be absent, never undefined.
  onTrainBegin?: NonNullable<Callback["onTrainBegin"]>;
  onEpochBegin?: NonNullable<Callback["onEpochBegin"]>;
  onBatchEnd?: NonNullable<Callback["onBatchEnd"]>;
  onEpochEnd?: NonNullable<Callback["onEpochEnd"]>;
  onTrainEnd?: NonNullable<Callback["onTrainEnd"]>;

  constructor(hooks: CallbackHooks) {
    checkOptions("LambdaCallback", hooks, ["onTrainBegin", "onEpochBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"]);
    for (const [k, v] of Object.entries(hooks)) {
      if (typeof v !== "function") throw new Error(`LambdaCallback: hook '${k}' must be a function, got ${typeof v}`);
    }
    Object.assign(this, hooks);
  }
}

export interface EarlyStoppingOptions {
  /** The epoch log to watch (default 'valLoss'; 'loss', 'valAccuracy', ... also work). */
  monitor?: string;
  /** Epochs without improvement to tolerate before stopping (default 0: stop at the first). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracies; 'auto' (default) picks 'max' when the name contains "acc". */
  mode?: "min" | "max" | "auto";
  /** When training stops (or ends), put back the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
  stoppedEpoch: number;
  bestWeights: Map<string, Tensor> | null;
}

/**
 * Stops `fit` when the monitored value has not improved for `patience` epochs (Keras's rule).
 * With `restoreBestWeights`, the best epoch's weights are loaded back at the end of training,
 * after the last checkpoint was written (so the checkpoint still resumes exactly).
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  readonly restoreBestWeights: boolean;
  private state: EarlyStoppingState;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions("EarlyStopping", options, ["monitor", "patience", "minDelta", "mode", "restoreBestWeights"]);
    const { monitor = "valLoss", patience = 0, minDelta = 0, mode = "auto", restoreBestWeights = false } = options;
    if (typeof monitor !== "string" || monitor === "")
      throw new Error(`EarlyStopping: monitor must be a log name such as 'valLoss', got ${String(monitor)}`);
    if (!Number.isInteger(patience) || patience < 0)
      throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${patience}`);
    if (typeof minDelta !== "number" || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
      throw new Error(`EarlyStopping: minDelta must be a finite number >= 0, got ${minDelta}`);
    }
    if (mode !== "min" && mode !== "max" && mode !== "auto")
      throw new Error(`EarlyStopping: mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
    this.monitor = monitor;
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode === "auto" ? (/acc/i.test(monitor) ? "max" : "min") : mode;
    this.restoreBestWeights = restoreBestWeights;
    this.state = this.initialState();
  }

  /** The best monitored value so far. */
  get best(): number {
    return this.state.best;
  }

  /** The epoch (from 1) that reached `best`; 0 before any epoch. */
  get bestEpoch(): number {
    return this.state.bestEpoch;
  }

  /** The epoch after which this callback stopped training; 0 if it did not. */
  get stoppedEpoch(): number {
    return this.state.stoppedEpoch;
  }

  onTrainBegin(): void {
    this.state = this.initialState();
  }

  onEpochEnd(epoch: number, logs: EpochLog, trainer: Trainer): void {
    const value = logs[this.monitor];
    if (typeof value !== "number") {
      throw new Error(
        `EarlyStopping: '${this.monitor}' is not in the epoch logs (they have ${Object.keys(logs).join(", ")}); ` +
          `pass validation to fit for 'valLoss', or choose another monitor`,
      );
    }
    const s = this.state;
    const improved = this.mode === "min" ? value < s.best - this.minDelta : value > s.best + this.minDelta;
    if (improved) {
      s.best = value;
      s.bestEpoch = epoch;
      s.wait = 0;
      if (this.restoreBestWeights) s.bestWeights = trainer.model.stateDict();
      return;
    }
    s.wait++;
    if (s.wait >= this.patience) {
      s.stoppedEpoch = epoch;
      trainer.stop(
        `EarlyStopping: ${this.monitor} has not improved for ${s.wait} epoch${s.wait === 1 ? "" : "s"} (best ${formatValue(s.best)} at epoch ${s.bestEpoch})`,
      );
    }
  }

  onTrainEnd(_history: History, trainer: Trainer): void {
    if (this.restoreBestWeights && this.state.bestWeights !== null) trainer.model.loadStateDict(this.state.bestWeights);
  }

  stateDict(): EarlyStoppingState {
    return { ...this.state };
  }

  loadStateDict(state: unknown): void {
    const s = state as Partial<EarlyStoppingState> | null;
    if (typeof s !== "object" || s === null || typeof s.best !== "number" || typeof s.wait !== "number") {
      throw new Error("EarlyStopping.loadStateDict: expected the object stateDict() returns");
    }
    this.state = {
      best: s.best,
      bestEpoch: s.bestEpoch ?? 0,
      wait: s.wait,
      stoppedEpoch: s.stoppedEpoch ?? 0,
      bestWeights: s.bestWeights instanceof Map ? s.bestWeights : null,
    };
  }

  private initialState(): EarlyStoppingState {
    return {
      best: this.mode === "min" ? Infinity : -Infinity,
      bestEpoch: 0,
      wait: 0,
      stoppedEpoch: 0,
      bestWeights: null,
    };
  }
}

function formatValue(x: number): string {
  return Number(x.toPrecision(5)).toString();
}
