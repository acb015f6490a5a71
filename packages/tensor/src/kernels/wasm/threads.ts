import { Worker } from "node:worker_threads";
import { formatValue } from "../../format.js";

// A second thread for large sgemm calls: a worker runs its own instance of the module over the
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

/** One sgemm call: byte addresses, leading dimensions in elements, flags as 0/1. */
export interface Gemm {
  m: number;
  n: number;
  k: number;
  a: number;
  lda: number;
  transA: number;
  b: number;
  ldb: number;
  transB: number;
  c: number;
  ldc: number;
  accumulate: number;
}

/** Gemm's fields in the order of the wasm sgemm's parameters (and of a job in the control block). */
const FIELDS = ["m", "n", "k", "a", "lda", "transA", "b", "ldb", "transB", "c", "ldc", "accumulate"] as const;

/**
 * Calls below this many flops (2·m·n·k) are not split: the main thread's half (under ~90 µs of
 * work) would end before a sleeping worker is awake (~80 µs, plus ~30 µs of notifying it).
 */
export const SPLIT_FLOPS = 8_000_000;

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

// The control block, Int32 words in shared memory. The main thread writes the first 64-byte line
// (the job, then its sequence number), the worker the second, so neither spins on a line that
// the other keeps writing; the claim word, which both write, has a line of its own.
const SEQ = 0; // sequence number of the latest job
const JOB = 1; // its arguments, in FIELDS order
const DONE = 16; // sequence number of the latest job the worker finished
const SLEEPING = 17; // 1 while the worker is in (or about to enter) Atomics.wait
const READY = 18; // 1 once the worker has instantiated the module
const FAILED = 19; // 1 once a job threw in the worker
const CLAIMED = 32; // sequence number of the latest job claimed, by either thread
const CONTROL_WORDS = 48;
/** Bytes of linear memory the control block takes (64-aligned). */
export const CONTROL_BYTES = CONTROL_WORDS * 4;

// The worker's code, evaluated from this string so that it needs no file beside the loader in
// src/ (vitest) or dist/. It runs as a script or as a module, as the process's flags say
// (--input-type), so it imports with import(), which both have. Addresses past 2 GiB wrap to
// negative Int32 values and reach the wasm i32 parameters with the same bits.
const WORKER_SOURCE = `"use strict";
import("node:worker_threads").then(({ workerData }) => {
  const { module, memory, control, scratch, spinMs } = workerData;
  const { sgemm } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(memory.buffer, control, ${CONTROL_WORDS});

  // Spins for spinMs after the last job or wake-up, then sleeps until notified.
  function awaitJob(seen) {
    for (;;) {
      const deadline = performance.now() + spinMs;
      for (let spins = 1; ; spins++) {
        const seq = Atomics.load(ctl, ${SEQ});
        if (seq !== seen) return seq;
        if (spins % 256 === 0 && performance.now() > deadline) break;
      }
      Atomics.store(ctl, ${SLEEPING}, 1);
      Atomics.wait(ctl, ${SEQ}, seen);
      Atomics.store(ctl, ${SLEEPING}, 0);
    }
  }

  Atomics.store(ctl, ${READY}, 1);
  for (let seq = 0; ; ) {
    seq = awaitJob(seq);
    // Jobs the main thread took back are skipped.
    if (Atomics.compareExchange(ctl, ${CLAIMED}, (seq - 1) | 0, seq) !== ((seq - 1) | 0)) continue;
    try {
      sgemm(${FIELDS.map((_, i) => `ctl[${JOB + i}]`).join(", ")}, scratch);
    } catch {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.store(ctl, ${DONE}, seq);
  }
});
`;

/** The main thread's side of the worker. */
export class GemmWorker {
  private readonly control: Int32Array;
  private seq = 0;
  private alive = true;
  /** Whether wake() notified the worker for the job about to be posted, and how long that took. */
  private woken = false;
  private wakeMs = 0;
  /** performance.now() before which the main thread does not split, and the next back-off. */
  private resumeAt = 0;
  private backOffMs = MIN_BACK_OFF_MS;

  /**
   * Starts a worker over `memory` (shared) with the control block at byte `control` and its own
   * scratch region at `scratch`, or returns null if this runtime cannot start one.
   */
  static start(
    module: object,
    memory: { readonly buffer: ArrayBufferLike },
    control: number,
    scratch: number,
  ): GemmWorker | null {
    try {
      return new GemmWorker(module, memory, control, scratch);
    } catch {
      return null;
    }
  }

  private constructor(module: object, memory: { readonly buffer: ArrayBufferLike }, control: number, scratch: number) {
    this.control = new Int32Array(memory.buffer, control, CONTROL_WORDS);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control, scratch, spinMs: SPIN_MS },
    });
    // A worker that dies, or cannot instantiate the module, leaves the main thread on its own.
    const stop = (): void => {
      this.alive = false;
    };
    worker.on("error", stop).on("exit", stop);
    // The worker must not keep the process alive: a script that did a matmul still exits.
    worker.unref();
  }

  /** Whether the worker is up and has not failed. */
  get ready(): boolean {
    const c = this.control;
    return this.alive && Atomics.load(c, READY) === 1 && Atomics.load(c, FAILED) === 0;
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
    for (let i = 0; i < FIELDS.length; i++) this.control[JOB + i] = job[FIELDS[i]!];
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

/**
 * `whole` cut into two blocks of C for two threads, or null if it is too small to cut. Along the
 * rows when op(B) is the smaller operand (each thread then packs all of op(B)), else along the
 * columns (each packs all of op(A)); always at a multiple of the micro-tile, so that the tiles,
 * and with them every element's sequence of operations, are those of one call over all of C.
 */
export function halves(whole: Gemm, tileRows: number, tileCols: number): [Gemm, Gemm] | null {
  const { m, n, lda, ldb, ldc } = whole;
  const rowCut = tileRows * Math.round(m / (2 * tileRows));
  const colCut = tileCols * Math.round(n / (2 * tileCols));
  const rowsSplit = rowCut > 0 && rowCut < m;
  const colsSplit = colCut > 0 && colCut < n;
  if (rowsSplit && (n <= m || !colsSplit)) {
    const a = whole.a + 4 * (whole.transA ? rowCut : rowCut * lda);
    return [
      { ...whole, m: rowCut },
      { ...whole, m: m - rowCut, a, c: whole.c + 4 * rowCut * ldc },
    ];
  }
  if (colsSplit) {
    const b = whole.b + 4 * (whole.transB ? colCut * ldb : colCut);
    return [
      { ...whole, n: colCut },
      { ...whole, n: n - colCut, b, c: whole.c + 4 * colCut },
    ];
  }
  return null;
}

/**
 * Threads a large sgemm may use: NABLA_THREADS if set, else 1. Two threads compute the MLP
 * example's large gemms up to 1.9× faster when the second core is really there, but on the
 * shared 2-vCPU machine this was measured on, whole training steps came out between 0.6× and
 * 1.3× as fast depending on the host's load (about 1.0× typically): not a default. Measured again
 * (2026-12-02, load average 16 on the 2 vCPUs, A/B in one process, medians of 9): the cnn-bn
 * example's conv gemms 0.75–0.97× as fast with two threads, deepnet's conv 1.06×, 512³ 0.94×, and
 * 300 MLP steps 0.90×.
 */
function threadsFromEnv(): 1 | 2 {
  const value = process.env.NABLA_THREADS;
  if (value === undefined) return 1;
  if (value === "1" || value === "2") return value === "1" ? 1 : 2;
  throw new Error(`NABLA_THREADS: expected 1 or 2, got "${value}"`);
}

let setting: 1 | 2 = threadsFromEnv();

/** The thread count large sgemm calls may use (they fall back to 1 if the worker cannot run). */
export function threadSetting(): 1 | 2 {
  return setting;
}

/**
 * How many threads large float32 matmuls may use: 1, or 2 (the main thread plus one worker).
 * Results are bit-identical either way. Overrides NABLA_THREADS.
 */
export function setThreads(n: number): void {
  if (n !== 1 && n !== 2) throw new Error(`setThreads: expected 1 or 2, got ${formatValue(n)}`);
  setting = n;
}
