/** What each framework reports: one cell per workload row. */

export type PeerId = "nabla" | "nablaJs" | "nabla2" | "tfjsCpu" | "tfjsWasm" | "torch";

export interface Cell {
  /** The measured figure in the row's unit; absent when the workload did not run. */
  readonly value?: number;
  /** Why there is no figure ("fails: …", "not installed", "not run: …"). */
  readonly note?: string;
  /** Extra facts shown beside the figure (test accuracy, samples/s, runs). */
  readonly detail?: string;
  /** Peak resident memory of the process that ran the epoch alone, in MiB (epoch rows only). */
  readonly peakRssMiB?: number;
}

export type Cells = Map<string, Cell>;

/** The epoch workloads, each run in a process of its own so that its peak memory is its own. */
export const epochRows = ["mlp", "mlp-adam", "cnn", "cnn-bn", "lstm"] as const;
export type EpochRow = (typeof epochRows)[number];

export const rowKey = {
  gemm: (label: string): string => `gemm ${label}`,
  ce: (label: string): string => `ce ${label}`,
  mlp: "mlp",
  mlpAdam: "mlp-adam",
  cnn: "cnn",
  cnnBn: "cnn-bn",
  lstm: "lstm",
} as const;

/** The names `pnpm bench --only` takes: the two micro-benchmark groups and each epoch row. */
export const rowGroups = ["gemm", "ce", ...epochRows] as const;
export type RowGroup = (typeof rowGroups)[number];

/** The group a row key belongs to ("gemm 256×256·…" → "gemm"). */
export function groupOf(key: string): RowGroup {
  const group = key.startsWith("gemm ") ? "gemm" : key.startsWith("ce ") ? "ce" : key;
  return group as RowGroup;
}

/** The message of an error, first line only, for a table cell. */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0]!.slice(0, 160);
}

/** The detail of a training row that reports its final batch loss. */
export function lossDetail(loss: number, runs: number): string {
  return `last loss ${loss.toFixed(3)}${runs > 1 ? `, median of ${runs}` : ", 1 run"}`;
}

/** The detail of an epoch row that reports test accuracy. */
export function epochDetail(samples: number, ms: number, runs: number, accuracy: number): string {
  const perSecond = Math.round(samples / (ms / 1000)).toLocaleString("en-US");
  return `${(accuracy * 100).toFixed(1)}% test acc, ${perSecond} samples/s${runs > 1 ? `, median of ${runs}` : ", 1 run"}`;
}

/** Peak resident memory of this process so far, in MiB (Node reports kilobytes). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
