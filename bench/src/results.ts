/** What each framework reports: one cell per workload row. */

export type PeerId = "nabla" | "nablaJs" | "nabla2" | "tfjsCpu" | "tfjsWasm" | "torch";

export interface Cell {
  /** The measured figure in the row's unit; absent when the workload did not run. */
  readonly value?: number;
  /** Why there is no figure ("fails: …", "not installed", "not available yet: …"). */
  readonly note?: string;
  /** Extra facts shown beside the figure (test accuracy, samples/s, runs). */
  readonly detail?: string;
}

export type Cells = Map<string, Cell>;

export const rowKey = {
  gemm: (label: string): string => `gemm ${label}`,
  ce: (label: string): string => `ce ${label}`,
  mlp: "mlp",
  cnn: "cnn",
  lstm: "lstm",
} as const;

/** The message of an error, first line only, for a table cell. */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0]!.slice(0, 160);
}

/** The detail of a training row that reports its final batch loss. */
export function lossDetail(loss: number, runs: number): string {
  return `last loss ${loss.toFixed(3)}${runs > 1 ? `, median of ${runs}` : ", 1 run"}`;
}
