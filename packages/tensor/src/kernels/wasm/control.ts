import type { WasmMemory, WasmModule } from "./api.js";

// What the main thread and the gemm worker share: the shape of a job, and the control block in
// linear memory through which jobs are posted, claimed and finished.

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
export const GEMM_FIELDS = [
  "m",
  "n",
  "k",
  "a",
  "lda",
  "transA",
  "b",
  "ldb",
  "transB",
  "c",
  "ldc",
  "accumulate",
] as const;

// The control block, Int32 words in shared memory. The main thread writes the first 64-byte line
// (the job, then its sequence number), the worker the second, so neither spins on a line that
// the other keeps writing; the claim word, which both write, has a line of its own.
/** Sequence number of the latest job. */
export const SEQ = 0;
/** The job's arguments, in GEMM_FIELDS order. */
export const JOB = 1;
/** Sequence number of the latest job the worker finished. */
export const DONE = 16;
/** 1 while the worker is in (or about to enter) Atomics.wait. */
export const SLEEPING = 17;
/** 1 once the worker has instantiated the module. */
export const READY = 18;
/** 1 once a job threw in the worker. */
export const FAILED = 19;
/** Sequence number of the latest job claimed, by either thread. */
export const CLAIMED = 32;
export const CONTROL_WORDS = 48;
/** Bytes of linear memory the control block takes (64-aligned). */
export const CONTROL_BYTES = CONTROL_WORDS * 4;

/** What a worker is started with (posted to a Web Worker, workerData of a Node worker thread). */
export interface GemmWorkerData {
  /** The compiled module, instantiated again in the worker over the same memory. */
  readonly module: WasmModule;
  /** The shared linear memory. */
  readonly memory: WasmMemory;
  /** Byte address of the control block. */
  readonly control: number;
  /** Byte address of the worker's own scratch region (packing buffers). */
  readonly scratch: number;
  /** How long the worker spins for the next job before it sleeps. */
  readonly spinMs: number;
}
