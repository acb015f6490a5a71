import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Cell, type Cells, epochRows, type RowGroup } from "./results.js";
import { ceShapes, cnn, cnnBn, epochTiming, gemmShapes, lstm, mlp, mlpAdam, timing } from "./workloads.js";

/** Debian's python3-torch installs for the system interpreter, not for whatever python3 is on PATH. */
const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("../torch_peer.py", import.meta.url));

/** The OpenBLAS tuning variables PyTorch is timed with and without. */
const TUNING = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"] as const;

export interface TorchResult {
  /** torch.__version__, or null when torch could not be imported. */
  readonly version: string | null;
  /** The BLAS library torch loaded, e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3. */
  readonly blas?: string;
  /** The environments torch was timed in, e.g. "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512". */
  readonly envs: readonly string[];
  readonly cells: Cells;
  /** Why there are no cells ("not installed", or the subprocess's error). */
  readonly note?: string;
}

interface PeerOutput {
  readonly version: string;
  readonly blas: string;
  readonly peakRssMiB: number;
  readonly cells: Record<string, Cell>;
}

interface Environment {
  readonly label: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * PyTorch at its best: the environment as given, and (when it sets them) without OPENBLAS_CORETYPE
 * and OPENBLAS_L2_SIZE, in the subprocess only. OpenBLAS's own thread pool ignores
 * torch.set_num_threads: it is pinned to one thread in both.
 */
function environments(): Environment[] {
  const given: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  const set = TUNING.filter((name) => given[name] !== undefined);
  const label =
    set.length === 0 ? "OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset" : set.map((n) => `${n}=${given[n]}`).join(", ");
  if (set.length === 0) return [{ label, env: given }];
  const unset = { ...given };
  for (const name of TUNING) delete unset[name];
  return [
    { label, env: given },
    { label: `${TUNING.join(", ")} unset`, env: unset },
  ];
}

/**
 * Runs bench/torch_peer.py (one thread) on the row groups asked for, or says why it cannot: the
 * micro-benchmarks in one subprocess, each epoch row in its own (so that its peak memory is its
 * own), each in every environment of `environments()`; a row keeps its fastest environment's figure.
 */
export function runTorch(mnistDir: string, groups: ReadonlySet<RowGroup>, log: (s: string) => void): TorchResult {
  const envs = environments();
  const envLabels = envs.map((e) => e.label);
  const probe = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  if (probe.status !== 0) return { version: null, envs: envLabels, cells: new Map(), note: "not installed" };
  const spec = { gemm: gemmShapes, ce: ceShapes, mlp, mlpAdam, cnn, cnnBn, lstm, timing, epochTiming, mnistDir };
  const micro = (["gemm", "ce"] as const).filter((g) => groups.has(g));
  const runs: RowGroup[][] = [
    ...(micro.length > 0 ? [micro] : []),
    ...epochRows.filter((r) => groups.has(r)).map((r) => [r]),
  ];
  const best: Cells = new Map();
  let blas: string | undefined;
  for (const only of runs) {
    for (const { label, env } of envs) {
      const run = spawnSync(python, [script], {
        input: JSON.stringify({ ...spec, only }),
        encoding: "utf8",
        env,
        maxBuffer: 1 << 24,
      });
      if (run.status !== 0) {
        const reason = (run.stderr || run.error?.message || "").trim().split("\n").pop() ?? "";
        return { version: probe.stdout.trim(), envs: envLabels, cells: new Map(), note: `fails: ${reason}` };
      }
      const out = JSON.parse(run.stdout) as PeerOutput;
      blas = out.blas;
      for (const [key, cell] of Object.entries(out.cells)) {
        const isEpoch = (epochRows as readonly string[]).includes(key);
        const timed: Cell = isEpoch ? { ...cell, peakRssMiB: out.peakRssMiB } : cell;
        log(
          `PyTorch ${key} (${label}): ${timed.value?.toFixed(2)}${isEpoch ? ` (peak RSS ${out.peakRssMiB.toFixed(0)} MiB)` : ""}`,
        );
        const previous = best.get(key);
        // gemm rows are GFLOP/s (higher is better), the others times.
        const better =
          previous?.value === undefined ||
          (key.startsWith("gemm ") ? timed.value! > previous.value : timed.value! < previous.value);
        if (better) best.set(key, { ...timed, detail: withEnv(timed.detail, label, envs.length) });
      }
    }
  }
  return { version: probe.stdout.trim(), blas, envs: envLabels, cells: best };
}

function withEnv(detail: string | undefined, label: string, envCount: number): string | undefined {
  if (envCount === 1) return detail;
  return detail === undefined ? `fastest with ${label}` : `${detail}, fastest with ${label}`;
}
