// One epoch workload of one framework, in a process of its own so that its peak memory (maxRSS)
// is that workload's alone. Run by main.ts as
//   node --conditions=source --import tsx src/epoch.ts <nabla|nabla-2threads|tfjs-cpu|tfjs-wasm> <row>
// and prints its Cell, with peakRssMiB, as one line of JSON on stdout; progress goes to stderr.
import { loadMnistArrays } from "./mnist.js";
import { type Cell, type EpochRow, epochRows, peakRssMiB } from "./results.js";

export const epochRunners = ["nabla", "nabla-2threads", "tfjs-cpu", "tfjs-wasm"] as const;
export type EpochRunner = (typeof epochRunners)[number];

const [runner, row] = process.argv.slice(2);
if (!epochRunners.includes(runner as EpochRunner) || !epochRows.includes(row as EpochRow)) {
  throw new Error(
    `epoch.ts: expected <${epochRunners.join("|")}> <${epochRows.join("|")}>, got ${JSON.stringify(process.argv.slice(2))}`,
  );
}
const log = (s: string): void => console.error(`  ${s}`);
const data = loadMnistArrays();
let cell: Cell;
if (runner === "nabla" || runner === "nabla-2threads") {
  const { runNablaEpoch } = await import("./nabla.js");
  cell = runNablaEpoch(row as EpochRow, data, runner === "nabla" ? 1 : 2, log);
} else {
  const { runTfjsEpoch } = await import("./tfjs.js");
  cell = await runTfjsEpoch(runner === "tfjs-cpu" ? "cpu" : "wasm", row as EpochRow, data, log);
}
console.log(JSON.stringify({ ...cell, peakRssMiB: peakRssMiB() }));
// The wasm worker thread (two threads) would keep the process alive.
process.exit(0);
