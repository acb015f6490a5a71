import { webAssembly } from "./api.js";
import type { GemmWorkerData } from "./control.js";
import { CLAIMED, CONTROL_WORDS, DONE, FAILED, GEMM_FIELDS, JOB, READY, SEQ, SLEEPING } from "./control.js";

/**
 * The gemm worker's side, the same in a Node worker thread and a Web Worker: instantiates the
 * module over the shared memory, then serves the jobs the main thread posts in the control block,
 * forever. Addresses past 2 GiB are negative Int32 words and reach the wasm i32 parameters with
 * the same bits.
 */
export function serveGemmJobs({ module, memory, control, scratch, spinMs }: GemmWorkerData): never {
  const wasm = webAssembly();
  if (wasm === undefined) throw new Error("gemm worker: this runtime has no WebAssembly");
  const { sgemm } = new wasm.Instance(module, { env: { memory } }).exports as {
    sgemm: (...args: number[]) => void;
  };
  const ctl = new Int32Array(memory.buffer, control, CONTROL_WORDS);
  const args = new Array<number>(GEMM_FIELDS.length + 1).fill(0);
  args[GEMM_FIELDS.length] = scratch;

  /** Spins for spinMs after the last job or wake-up, then sleeps until notified. */
  const awaitJob = (seen: number): number => {
    for (;;) {
      const deadline = performance.now() + spinMs;
      for (let spins = 1; ; spins++) {
        const seq = Atomics.load(ctl, SEQ);
        if (seq !== seen) return seq;
        if (spins % 256 === 0 && performance.now() > deadline) break;
      }
      Atomics.store(ctl, SLEEPING, 1);
      Atomics.wait(ctl, SEQ, seen);
      Atomics.store(ctl, SLEEPING, 0);
    }
  };

  Atomics.store(ctl, READY, 1);
  for (let seq = 0; ; ) {
    seq = awaitJob(seq);
    // Jobs the main thread took back are skipped.
    if (Atomics.compareExchange(ctl, CLAIMED, (seq - 1) | 0, seq) !== ((seq - 1) | 0)) continue;
    try {
      for (let i = 0; i < GEMM_FIELDS.length; i++) args[i] = ctl[JOB + i]!;
      sgemm(...args);
    } catch {
      Atomics.store(ctl, FAILED, 1);
    }
    Atomics.store(ctl, DONE, seq);
  }
}
