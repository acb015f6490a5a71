import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Cell, Cells } from "./results.js";
import { ceShapes, cnn, epochTiming, gemmShapes, lstm, mlp, timing } from "./workloads.js";

/** Debian's python3-torch installs for the system interpreter, not for whatever python3 is on PATH. */
const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("../torch_peer.py", import.meta.url));

export interface TorchResult {
  /** torch.__version__, or null when torch could not be imported. */
  readonly version: string | null;
  /** The BLAS library torch loaded, e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3. */
  readonly blas?: string;
  /** The OpenBLAS variables torch ran with. */
  readonly env: string;
  readonly cells: Cells;
  /** Why there are no cells ("not installed", or the subprocess's error). */
  readonly note?: string;
}

/** Runs bench/torch_peer.py (one thread) on the same workloads, or says why it cannot. */
export function runTorch(mnistDir: string): TorchResult {
  const probe = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  // OpenBLAS's own thread pool ignores torch.set_num_threads: pin it to one thread as well. The
  // rest of the environment (OPENBLAS_CORETYPE included) is passed as is.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  const envText = `OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE ?? "(unset)"}, OPENBLAS_NUM_THREADS=1`;
  if (probe.status !== 0) return { version: null, env: envText, cells: new Map(), note: "not installed" };
  const spec = { gemm: gemmShapes, ce: ceShapes, mlp, cnn, lstm, timing, epochTiming, mnistDir };
  const run = spawnSync(python, [script], { input: JSON.stringify(spec), encoding: "utf8", env, maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    const reason = (run.stderr || run.error?.message || "").trim().split("\n").pop() ?? "";
    return { version: probe.stdout.trim(), env: envText, cells: new Map(), note: `fails: ${reason}` };
  }
  const out = JSON.parse(run.stdout) as { version: string; blas: string; cells: Record<string, Cell> };
  return { version: out.version, blas: out.blas, env: envText, cells: new Map(Object.entries(out.cells)) };
}
