/**
 * One epoch's results. `loss` and each metric (e.g. `accuracy`) are averages over the epoch's
 * training batches; with validation, `valLoss` and `val<Metric>` (e.g. `valAccuracy`) are over
 * the whole validation set after the epoch. `lr` is the learning rate the epoch trained with.
 */
export type EpochLog = {
  epoch: number;
  loss: number;
  lr: number;
  seconds: number;
  samplesPerSecond: number;
} & Record<string, number>;

/** What onBatchEnd receives: running averages since the epoch began, and this batch's own loss. */
export type BatchLog = {
  loss: number;
  batchLoss: number;
  size: number;
} & Record<string, number>;

/** The per-epoch logs `fit` returns (including the epochs before a resume). */
export class History {
  readonly epochs: EpochLog[];

  constructor(epochs: EpochLog[] = []) {
    this.epochs = epochs;
  }

  /** One value per epoch, e.g. `history.get("valAccuracy")`; NaN where an epoch lacks the key. */
  get(key: string): number[] {
    return this.epochs.map((e) => e[key] ?? NaN);
  }

  /** The most recent epoch's log. */
  get last(): EpochLog | undefined {
    return this.epochs.at(-1);
  }

  get length(): number {
    return this.epochs.length;
  }
}

/** The key a metric gets for the validation set: "accuracy" -> "valAccuracy", "loss" -> "valLoss". */
export function validationKey(name: string): string {
  return `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
