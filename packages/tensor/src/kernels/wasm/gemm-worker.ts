import type { WasmMemory, WasmModule } from "./api.js";
import type { Gemm, GemmWorkerData } from "./control.js";
import { CLAIMED, CONTROL_WORDS, DONE, FAILED, GEMM_FIELDS, JOB, READY, SEQ, SLEEPING } from "./control.js";
import type { ThreadBackend } from "./threads.js";
import { threadBackend } from "./threads.js";

// A second thread for large sgemm calls: a worker (./worker-loop.ts) runs its own instance of the module over the
// same shared memory and computes one block of C while the main thread computes the other.
// Waking a sleeping worker takes ~80 µs, and Atomics.notify itself holds the main thread ~30 µs
// (on a busy virtual machine, up to milliseconds): more than a small matmul takes. So the worker
// spins on a job counter for a while after each job before it sleeps, the main thread starts
// waking it before copying B and C in (A goes first: its density picks the kernel), and small
// matmuls never involve it.
//
// The second core is not always there (a shared machine, a busy host): a worker that the main
// thread waits for then costs a scheduler time slice instead of saving 0.1 ms. So the worker
// claims a job before computing it; the main thread, once done with its own block, takes back a
// job the worker has not claimed; and after a split that did not pay, the main thread stops
// splitting for a while (and the worker falls asleep).

/**
 * How long the worker spins for the next job before it sleeps: long enough to bridge back-to-back
 * calls and the gap between an MLP step's large gemms (~0.3–0.5 ms); spinning 1–2 ms made
 * training steps slower when the host was busy (the spinning vCPU competes with the main one).
 */
const SPIN_MS = 0.5;

/**
 * How long the main thread runs alone after a split that did not pay: briefly after one such
 * split (the host took the worker's core for a moment), twice as long after each further one in
 * a row (the host is busy), up to the maximum; a split that pays resets it.
 */
const MIN_BACK_OFF_MS = 2;
const MAX_BACK_OFF_MS = 128;

/** The main thread's side of the worker. */
export class GemmWorker {
  private readonly control: Int32Array;
  private seq = 0;
  private failure: string | undefined;
  /** Whether wake() notified the worker for the job about to be posted, and how long that took. */
  private woken = false;
  private wakeMs = 0;
  /** performance.now() before which the main thread does not split, and the next back-off. */
  private resumeAt = 0;
  private backOffMs = MIN_BACK_OFF_MS;

  /**
   * Starts a worker over `memory` (shared) with the control block at byte `control` and its own
   * scratch region at `scratch`, through this runtime's thread backend; or returns why it cannot.
   */
  static start(module: WasmModule, memory: WasmMemory, control: number, scratch: number): GemmWorker | Error {
    const backend = threadBackend();
    if (backend instanceof Error) return backend;
    try {
      return new GemmWorker(backend, { module, memory, control, scratch, spinMs: SPIN_MS });
    } catch (e) {
      return new Error(`the ${backend.name} did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private constructor(backend: ThreadBackend, data: GemmWorkerData) {
    this.control = new Int32Array(data.memory.buffer, data.control, CONTROL_WORDS);
    // A worker that dies, or cannot instantiate the module, leaves the main thread on its own.
    backend.start(data, (reason) => {
      this.failure ??= reason;
    });
  }

  /** Why the worker stopped or never came up, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** Whether the worker is up and has not failed. */
  get ready(): boolean {
    const c = this.control;
    return this.failure === undefined && Atomics.load(c, READY) === 1 && Atomics.load(c, FAILED) === 0;
  }

  /** Whether the main thread is running alone for a while after a split that did not pay. */
  get backingOff(): boolean {
    return performance.now() < this.resumeAt;
  }

  /**
   * Starts waking the worker if it sleeps, so that it is spinning by the time the job is posted:
   * the wake-up (~80 µs) then overlaps the copying of B and C.
   */
  wake(): void {
    const start = performance.now();
    this.woken = Atomics.load(this.control, SLEEPING) === 1;
    if (this.woken) Atomics.notify(this.control, SEQ);
    this.wakeMs = performance.now() - start;
  }

  /**
   * Hands the worker a job, waking it if it went to sleep since wake(). Not a second notify
   * while it is still waking up: on a busy virtual machine that one was measured to block this
   * thread for up to milliseconds.
   */
  post(job: Gemm): void {
    for (let i = 0; i < GEMM_FIELDS.length; i++) this.control[JOB + i] = job[GEMM_FIELDS[i]!];
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.control, SEQ, this.seq);
    if (!this.woken && Atomics.load(this.control, SLEEPING) === 1) Atomics.notify(this.control, SEQ);
  }

  /**
   * Called when the main thread has done its own block, which took `ownMs`. True once the worker
   * has done the posted job; false if the caller must do it: the worker had not claimed it yet.
   *
   * A split saves at most `ownMs` (the worker's block is as large). When it did not pay (the
   * worker never claimed the job, or waking it and waiting for it took longer), the worker is
   * not getting a core of its own, and the main thread stops splitting for a while.
   */
  finish(ownMs: number): boolean {
    const c = this.control;
    const previous = (this.seq - 1) | 0;
    if (Atomics.compareExchange(c, CLAIMED, previous, this.seq) === previous) {
      this.backOff();
      return false;
    }
    const start = performance.now();
    while (Atomics.load(c, DONE) !== this.seq) {
      // Spin: the worker is computing a block like the one just done here.
    }
    if (this.wakeMs + performance.now() - start < ownMs) this.backOffMs = MIN_BACK_OFF_MS;
    else this.backOff();
    if (Atomics.load(c, FAILED) !== 0) {
      throw new Error("wasm kernels: sgemm failed in the worker thread (NABLA_THREADS=1 runs it on the main thread)");
    }
    return true;
  }

  private backOff(): void {
    this.resumeAt = performance.now() + this.backOffMs;
    this.backOffMs = Math.min(2 * this.backOffMs, MAX_BACK_OFF_MS);
  }
}
