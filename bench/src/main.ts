// `pnpm bench`: Nabla against TensorFlow.js (cpu and wasm backends) and, where Debian's
// python3-torch is installed, PyTorch on one thread; same workloads, same data, same machine.
// Prints the table and writes docs/benchmarks.md.
//   pnpm bench [--only gemm,ce,mlp,mlp-adam,cnn,cnn-bn,lstm] [--peers nabla,tfjs-cpu,tfjs-wasm,torch]
// limits a run to some rows and some frameworks (the full run takes most of an hour).
import { spawnSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { version_wasm as tfjsWasmVersion } from "@tensorflow/tfjs-backend-wasm";
import type { EpochRunner } from "./epoch.js";
import { mnistDir } from "./mnist.js";
import { nablaBackend, runNablaMicro } from "./nabla.js";
import { details, type Results, rows, table, targetList } from "./report.js";
import { type Cell, type Cells, epochRows, errorText, groupOf, type RowGroup, rowGroups } from "./results.js";
import { runTfjsMicro, tfjsVersion } from "./tfjs.js";
import { runTorch } from "./torch.js";

const peerNames = ["nabla", "tfjs-cpu", "tfjs-wasm", "torch"] as const;
type PeerName = (typeof peerNames)[number];

/** The values of `--flag a,b` (every allowed value when the flag is absent), checked against `allowed`. */
function listFlag<T extends string>(flag: string, allowed: readonly T[]): Set<T> {
  const args = process.argv.slice(2);
  const at = args.indexOf(flag);
  if (at < 0) return new Set(allowed);
  const values = (args[at + 1] ?? "").split(",").filter((v) => v !== "");
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (values.length === 0 || unknown.length > 0) {
    throw new Error(
      `pnpm bench: ${flag} expects a comma-separated list of ${allowed.join(", ")}; got "${args[at + 1] ?? ""}"`,
    );
  }
  return new Set(values as T[]);
}

const groups = listFlag<RowGroup>("--only", rowGroups);
const peersAsked = listFlag<PeerName>("--peers", peerNames);

const log = (s: string): void => console.error(`  ${s}`);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

function cpuDescription(): string {
  const info = readFileSync("/proc/cpuinfo", "utf8");
  const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(info)?.[1]?.trim() ?? "?";
  const flags = new Set(field("flags").split(/\s+/));
  const simd = ["avx2", "fma", "avx512f"].filter((f) => flags.has(f)).join(" ");
  return `${field("model name")} (family ${field("cpu family")}, model ${field("model")}, stepping ${field("stepping")}), ${cpus().length} logical CPUs, ${simd}`;
}

const epochScript = fileURLToPath(new URL("./epoch.ts", import.meta.url));

/** Runs one epoch workload in a child process (see epoch.ts) and returns its cell, peak memory included. */
function runEpoch(runner: EpochRunner, row: string): Cell {
  const child = spawnSync(process.execPath, [...process.execArgv, epochScript, runner, row], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const last = child.stdout.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || last === "") {
    const why =
      child.error !== undefined
        ? errorText(child.error)
        : child.signal !== null
          ? `killed by ${child.signal}`
          : `exit status ${child.status}`;
    return { note: `fails: ${why}` };
  }
  const cell = JSON.parse(last) as Cell;
  const figure = cell.value === undefined ? cell.note : `${cell.value.toFixed(2)} s`;
  log(`${runner} ${row}: ${figure}, peak RSS ${cell.peakRssMiB?.toFixed(0)} MiB`);
  return cell;
}

/** The rows two Nabla threads are measured on: where large sgemm calls are. */
const twoThreadRows: ReadonlySet<string> = new Set(["mlp", "cnn", "cnn-bn"]);

const started = new Date();
const loadBefore = load();
console.error(`pnpm bench: ${cpuDescription()}; load average ${loadBefore}`);
const results: Results = {
  nabla: new Map(),
  nablaJs: new Map(),
  nabla2: new Map(),
  tfjsCpu: new Map(),
  tfjsWasm: new Map(),
  torch: new Map(),
};
const merge = (into: Cells, from: Cells): void => {
  for (const [k, v] of from) into.set(k, v);
};

if (peersAsked.has("nabla")) {
  console.error("Nabla");
  const micro = runNablaMicro(groups, log);
  merge(results.nabla, micro.cells);
  merge(results.nablaJs, micro.jsCells);
  merge(results.nabla2, micro.twoThreadCells);
}
for (const backend of ["cpu", "wasm"] as const) {
  if (!peersAsked.has(`tfjs-${backend}`)) continue;
  console.error(
    `TensorFlow.js, ${backend} backend${backend === "cpu" ? " (banner about tfjs-node above is expected)" : ""}`,
  );
  merge(backend === "cpu" ? results.tfjsCpu : results.tfjsWasm, await runTfjsMicro(backend, groups, log));
}
for (const row of epochRows.filter((r) => groups.has(r))) {
  console.error(`${row} epoch, each framework in a process of its own`);
  if (peersAsked.has("nabla")) {
    results.nabla.set(row, runEpoch("nabla", row));
    if (twoThreadRows.has(row)) results.nabla2.set(row, runEpoch("nabla-2threads", row));
  }
  if (peersAsked.has("tfjs-cpu")) results.tfjsCpu.set(row, runEpoch("tfjs-cpu", row));
  if (peersAsked.has("tfjs-wasm")) results.tfjsWasm.set(row, runEpoch("tfjs-wasm", row));
}
const torch = peersAsked.has("torch")
  ? (console.error("PyTorch (subprocesses)"), runTorch(mnistDir(), groups, log))
  : null;
if (torch?.note !== undefined) log(`PyTorch: ${torch.note}`);
if (torch !== null) {
  if (torch.note === undefined) merge(results.torch, torch.cells);
  else
    for (const row of rows.filter((r) => groups.has(groupOf(r.key)))) results.torch.set(row.key, { note: torch.note });
}
const loadAfter = load();

const nablaTitle = `Nabla (${nablaBackend})`;
const ran = new Set(rows.filter((r) => groups.has(groupOf(r.key))).map((r) => r.key));
const main = table(results, nablaTitle, ran);
const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);
const command = `pnpm bench${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}`;

// Other processes competing for the CPUs make every figure slower and noisier: say so. The bench
// itself adds one to the load average, so "busy" is a load above one before it started.
const busy = Number(loadBefore.split(",")[0]) > 1 ? " (the machine was busy: figures are slower and noisier)" : "";
const torchLine =
  torch === null
    ? "PyTorch: not run (--peers)"
    : torch.version === null
      ? "PyTorch: not installed (`/usr/bin/python3 -c 'import torch'` fails; Debian's python3-torch provides it)"
      : `PyTorch ${torch.version} (Debian python3-torch, /usr/bin/python3), torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1, timed with ${torch.envs.map((e) => `(${e})`).join(" and with ")}, each row's faster kept (the epoch details say which), BLAS: ${torch.blas ?? "?"}${
          torch.blas?.includes("openblas") === false
            ? " (Debian's reference BLAS: PyTorch's matmuls run ~30× slower than with OpenBLAS, `apt-get install libopenblas0-pthread`)"
            : ""
        }`;

const markdown = `# Benchmarks

Generated by \`${command}\` on ${started.toISOString().replace("T", " ").slice(0, 16)} UTC (${seconds} s). Do not edit:
rerun the command. Figures are medians over repeated runs after warm-up (epochs: median of up to
three runs on a fresh model, one run when a run takes over 8 s); "Nabla vs X" is how many times
faster Nabla is (above 1: Nabla is faster).

- CPU: ${cpuDescription()}; load average ${loadBefore} before, ${loadAfter} after${busy}
- Node ${process.version}; Nabla default kernels: ${nablaBackend}, one thread (the "2 threads" column is \`setThreads(2)\`: a worker computes half of each large sgemm)
- Epoch rows run each framework in a process of its own; the figure in brackets is that process's
  peak resident memory (maxRSS), which includes the runtime and the MNIST arrays (~210 MB as float32)
- TensorFlow.js ${tfjsVersion} (cpu backend), @tensorflow/tfjs-backend-wasm ${tfjsWasmVersion} (SIMD, single-threaded)
- ${torchLine}

${main}

Epochs:
${details(results) || "- (no epoch ran)"}

Targets of the speed issue, in this run:
${targetList(results)}

Workloads: sgemm is C = op(A)·op(B) on random float32 in [-1,1] (output allocated per call, result
read back); softmax-CE is the mean cross-entropy of random logits and its gradient with respect to
the logits; the MLP is 784-128-10 with ReLU, SGD lr 0.1 (or Adam lr 0.001), batch 64, over all 60,000 MNIST training
images in file order, then accuracy on the 10,000 test images; the CNN is Conv 1→32 3×3 pad 1,
ReLU, MaxPool 2 stride 1, Dense 23,328→10, SGD lr 0.01, batch 35, over the first 1,000 training
images; cnn-bn is examples/mnist's \`--model cnn-bn\` ([Conv 5×5, BatchNorm, ReLU, MaxPool 2] ×2 with 8
and 16 channels, Dense 400→120, BatchNorm, ReLU, Dense 120→10), SGD lr 0.1 momentum 0.9, batch
64, over all 60,000 training images; the LSTM reads each image row by row (28 steps of 28 pixels) into an LSTM of 128 with a
Dense 128→10 on its last hidden state, Adam lr 0.001, batch 64, over the first 10,000 training
images. Every framework reads the same IDX files (pixels / 255).
`;

console.log(`\n${main}\n\n${details(results)}\n\n${targetList(results)}\n\n${torchLine}`);
const out = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));
// Written to a temporary file and renamed, so an interrupted run never leaves half a page.
writeFileSync(`${out}.tmp`, markdown);
renameSync(`${out}.tmp`, out);
console.error(`wrote ${out}`);
