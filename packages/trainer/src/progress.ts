import type { EpochLog } from "./history.js";

export type ProgressMode = "auto" | "bar" | "line" | "none";

/** Where progress goes: a terminal's stdout, or anything with `write(string)`. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width: the live bar is fitted to it, since a wrapped line cannot be redrawn with \r. */
  columns?: number;
}

/** The running numbers a bar shows. */
export interface RunningStats {
  batch: number;
  samples: number;
  loss: number;
  metrics: ReadonlyArray<readonly [string, number]>;
}

const BAR_WIDTH = 24;
const MIN_BAR_WIDTH = 8;
const REDRAW_MS = 100;

/**
 * 'bar' on a terminal (a TTY outside CI: `ci` says whether this is a CI runner) and 'line'
 * elsewhere: logs of CI runs and pipes get exactly one line per epoch, without carriage returns.
 */
export function resolveProgressMode(
  mode: ProgressMode,
  stream: ProgressStream,
  ci = false,
): Exclude<ProgressMode, "auto"> {
  if (mode !== "auto") return mode;
  return stream.isTTY === true && !ci ? "bar" : "line";
}

/** Writes nothing: where progress goes when there is no output. */
const NOWHERE: ProgressStream = { write: () => undefined };

/**
 * Prints training progress. In 'bar' mode a live line per epoch is rewritten in place with `\r`
 * (at most ~10 times a second, so drawing never costs the training loop), and is replaced by the
 * epoch's summary at the end. In 'line' mode only the summary is printed.
 */
export class ProgressReporter {
  private readonly mode: Exclude<ProgressMode, "auto">;
  private readonly stream: ProgressStream;
  private epochs = 0;
  private epoch = 0;
  private batches = 0;
  private started = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(mode: ProgressMode, stream: ProgressStream = NOWHERE, ci = false) {
    this.stream = stream;
    this.mode = resolveProgressMode(mode, stream, ci);
  }

  /** True when `batch()` would draw now: the caller computes running metrics only then. */
  wantsBatch(now: number): boolean {
    return this.mode === "bar" && now - this.lastDraw >= REDRAW_MS;
  }

  epochBegin(epoch: number, epochs: number, batches: number | undefined): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.batches = batches ?? 0;
    this.started = performance.now();
    this.lastDraw = this.started;
  }

  batch(stats: RunningStats, now: number): void {
    if (this.mode !== "bar") return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? stats.samples / elapsed : 0;
    const parts = [this.counter(stats.batch), `loss ${stats.loss.toFixed(4)}`];
    for (const [name, value] of stats.metrics) parts.push(formatMetric(name, value));
    parts.push(`${formatCount(rate)} samples/s`);
    if (this.batches > 0 && stats.batch > 0) {
      parts.push(`ETA ${formatDuration((elapsed / stats.batch) * (this.batches - stats.batch))}`);
    }
    const text = parts.join("  ");
    const prefix = this.prefix();
    // Fit the line to the terminal (one column spare): the bar shrinks first, then the text is cut.
    const width = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns - 1 : Infinity;
    const room = width - prefix.length - text.length - 4;
    const line =
      room >= MIN_BAR_WIDTH
        ? `${prefix}  ${this.bar(stats.batch, Math.min(BAR_WIDTH, room))}  ${text}`
        : `${prefix}  ${text}`.slice(0, width);
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  epochEnd(log: EpochLog, batches: number, metricNames: readonly string[], validationNames: readonly string[]): void {
    if (this.mode === "none") return;
    const parts = [
      this.prefix(),
      this.counter(batches),
      `${log.seconds.toFixed(1)}s`,
      `${formatCount(log.samplesPerSecond)} samples/s`,
    ];
    parts.push(`loss ${log.loss.toFixed(4)}`);
    for (const name of metricNames) parts.push(formatMetric(name, log[name]!));
    for (const name of validationNames) {
      const value = log[name];
      if (value !== undefined) parts.push(formatMetric(name, value));
    }
    const line = parts.join("  ");
    this.stream.write(this.mode === "bar" ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  /** A note between epochs (resuming, early stopping); silent in 'none' mode. */
  message(text: string): void {
    if (this.mode === "none") return;
    this.close();
    this.stream.write(`${text}\n`);
  }

  /** Ends a bar left half-drawn (training failed mid-epoch) so that what follows starts on its own line. */
  close(): void {
    if (this.drawn) this.stream.write("\n");
    this.drawn = false;
  }

  private prefix(): string {
    const width = String(this.epochs).length;
    return `Epoch ${String(this.epoch).padStart(width)}/${this.epochs}`;
  }

  private counter(batch: number): string {
    if (this.batches === 0) return `${batch}`;
    const width = String(this.batches).length;
    return `${String(batch).padStart(width)}/${this.batches}`;
  }

  private bar(batch: number, width: number): string {
    const fraction = this.batches > 0 ? Math.min(1, batch / this.batches) : 0;
    const filled = Math.round(fraction * width);
    return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  }
}

/** "accuracy" 0.9731 -> "acc 97.31%", "valLoss" -> "val loss 0.1234", custom metrics with 4 decimals. */
export function formatMetric(name: string, value: number): string {
  const isVal = /^val[A-Z]/.test(name);
  const base = isVal ? name.charAt(3).toLowerCase() + name.slice(4) : name;
  const label = `${isVal ? "val " : ""}${base === "accuracy" ? "acc" : base}`;
  return base === "accuracy" ? `${label} ${(value * 100).toFixed(2)}%` : `${label} ${value.toFixed(4)}`;
}

function formatCount(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
