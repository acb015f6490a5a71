import type { Cell, Cells, PeerId } from "./results.js";
import { rowKey } from "./results.js";
import { ceShapes, cnn, cnnBn, gemmShapes, lstm, mlp, mlpAdam } from "./workloads.js";

interface RowSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
}

export const rows: readonly RowSpec[] = [
  ...gemmShapes.map((s) => ({
    key: rowKey.gemm(s.label),
    label: `sgemm ${s.label}`,
    unit: "GFLOP/s",
    higherIsBetter: true,
  })),
  ...ceShapes.map((s) => ({
    key: rowKey.ce(s.label),
    label: `softmax-CE fwd+bwd ${s.label}`,
    unit: "µs",
    higherIsBetter: false,
  })),
  { key: rowKey.mlp, label: `MNIST MLP epoch (60k, batch ${mlp.batch}, SGD)`, unit: "s", higherIsBetter: false },
  {
    key: rowKey.mlpAdam,
    label: `MNIST MLP epoch (60k, batch ${mlpAdam.batch}, Adam)`,
    unit: "s",
    higherIsBetter: false,
  },
  {
    key: rowKey.cnn,
    label: `deepnet CNN epoch (${cnn.images} images, batch ${cnn.batch})`,
    unit: "s",
    higherIsBetter: false,
  },
  {
    key: rowKey.cnnBn,
    label: `cnn-bn epoch (${cnnBn.images.toLocaleString("en-US")} images, batch ${cnnBn.batch}, momentum)`,
    unit: "s",
    higherIsBetter: false,
  },
  {
    key: rowKey.lstm,
    label: `sequential-MNIST LSTM epoch (${lstm.images.toLocaleString("en-US")} images, batch ${lstm.batch})`,
    unit: "s",
    higherIsBetter: false,
  },
];

export type Results = Record<PeerId, Cells>;

const peers: readonly { id: PeerId; title: string }[] = [
  { id: "nabla", title: "Nabla" },
  { id: "nablaJs", title: "Nabla (js kernels)" },
  { id: "nabla2", title: "Nabla, 2 threads (opt-in)" },
  { id: "tfjsCpu", title: "tfjs-cpu" },
  { id: "tfjsWasm", title: "tfjs-wasm" },
  { id: "torch", title: "PyTorch, 1 thread (best env)" },
];
const ratioPeers: readonly PeerId[] = ["tfjsCpu", "tfjsWasm", "torch"];

function figure(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The figure, with the peak memory of its process beside it on epoch rows: "1.28 (245 MiB)". */
function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return "—";
  if (cell.value === undefined) return cell.note ?? "—";
  return cell.peakRssMiB === undefined
    ? figure(cell.value)
    : `${figure(cell.value)} (${cell.peakRssMiB.toFixed(0)} MiB)`;
}

/** How many times faster Nabla is than `peer` on a row (>1: Nabla faster), or null. */
export function speedup(results: Results, row: RowSpec, peer: PeerId): number | null {
  const ours = results.nabla.get(row.key)?.value;
  const theirs = results[peer].get(row.key)?.value;
  if (ours === undefined || theirs === undefined) return null;
  return row.higherIsBetter ? ours / theirs : theirs / ours;
}

const times = (r: number | null): string => (r === null ? "—" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`);

/** The main table (rows of `keys` only, all by default): one row per workload, the figures, then Nabla's speed-up over each peer. */
export function table(results: Results, nablaTitle: string, keys?: ReadonlySet<string>): string {
  const titles = peers.map((p) => (p.id === "nabla" ? nablaTitle : p.title));
  const head = [
    "workload",
    "unit",
    ...titles,
    ...ratioPeers.map((p) => `Nabla vs ${peers.find((q) => q.id === p)!.title}`),
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`];
  for (const row of rows.filter((r) => keys === undefined || keys.has(r.key))) {
    const cells = peers.map((p) => cellText(results[p.id].get(row.key)));
    const ratios = ratioPeers.map((p) => times(speedup(results, row, p)));
    lines.push(`| ${row.label} | ${row.unit} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The epoch rows' side facts (accuracy, throughput, number of runs), one line per framework. */
export function details(results: Results): string {
  const lines: string[] = [];
  for (const row of rows) {
    const facts = peers
      .map((p) => ({ title: p.title, detail: results[p.id].get(row.key)?.detail }))
      .filter((f) => f.detail !== undefined)
      .map((f) => `${f.title}: ${f.detail}`);
    if (facts.length > 0) lines.push(`- ${row.label}: ${facts.join("; ")}`);
  }
  return lines.join("\n");
}

interface Target {
  readonly text: string;
  readonly row: string;
  readonly peer: PeerId;
  readonly atLeast: number;
}

/** The targets of the speed issues (issue 11: PyTorch on one core), each checked against this run. */
const targets: readonly Target[] = [
  { text: "MLP epoch (SGD) ≥ 1.0× PyTorch (1 thread)", row: rowKey.mlp, peer: "torch", atLeast: 1 },
  { text: "MLP epoch (Adam) ≥ 1.0× PyTorch (1 thread)", row: rowKey.mlpAdam, peer: "torch", atLeast: 1 },
  { text: "deepnet CNN epoch ≥ 1.0× PyTorch (1 thread)", row: rowKey.cnn, peer: "torch", atLeast: 1 },
  { text: "cnn-bn epoch ≥ 1.0× PyTorch (1 thread)", row: rowKey.cnnBn, peer: "torch", atLeast: 1 },
  { text: "MLP epoch ≥ 10× faster than tfjs-wasm", row: rowKey.mlp, peer: "tfjsWasm", atLeast: 10 },
  {
    text: "sgemm 512 at least as fast as tfjs-wasm",
    row: rowKey.gemm(gemmShapes[1]!.label),
    peer: "tfjsWasm",
    atLeast: 1,
  },
  { text: "softmax-CE [512,10] faster than PyTorch", row: rowKey.ce(ceShapes[0]!.label), peer: "torch", atLeast: 1 },
  { text: "softmax-CE [128,1000] ≥ 5× tfjs-wasm", row: rowKey.ce(ceShapes[1]!.label), peer: "tfjsWasm", atLeast: 5 },
  { text: "CNN epoch ≥ 50× faster than tfjs-cpu", row: rowKey.cnn, peer: "tfjsCpu", atLeast: 50 },
];

export function targetList(results: Results): string {
  return targets
    .map((t) => {
      const row = rows.find((r) => r.key === t.row)!;
      const r = speedup(results, row, t.peer);
      const verdict = r === null ? "not measured" : r >= t.atLeast ? `met (${times(r)})` : `not met (${times(r)})`;
      return `- ${t.text}: ${verdict}`;
    })
    .join("\n");
}
