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

/**
 * The wall-clock parts of an EpochLog. They differ from run to run and machine to machine, so a
 * checkpoint leaves them out (the same seed then gives the same file, byte for byte); epochs
 * restored from a checkpoint report them as NaN, since this process did not measure them.
 */
const TIMING_KEYS = ["seconds", "samplesPerSecond"] as const;

export function withoutTimings(log: EpochLog): Record<string, number> {
  const out: Record<string, number> = { ...log };
  for (const key of TIMING_KEYS) delete out[key];
  return out;
}

export function withUnmeasuredTimings(log: Record<string, number>): EpochLog {
  return { ...log, seconds: NaN, samplesPerSecond: NaN } as EpochLog;
}

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
