import { warnOnce } from "../warn-once.js";
import type { WasmExports, WasmMemory, WasmModule } from "./api.js";
import { webAssembly } from "./api.js";
import type { Gemm } from "./control.js";
import { CONTROL_BYTES } from "./control.js";
import { GemmWorker } from "./gemm-worker.js";
import { halves, SPLIT_FLOPS } from "./split.js";
import { threadSetting } from "./threads.js";

/**
 * Which kernel an sgemm call runs: "auto" chooses by op(A)'s density; "dense" and "sparseA" force
 * one (tests compare their bits, benchmarks their times).
 */
export type GemmKernel = "auto" | "dense" | "sparseA";

/**
 * A call skips the zeros of op(A) when at most this fraction of its entries are non-zero (and B
 * is not transposed, and n ≥ SPARSE_MIN_COLS). Measured on random sparsity, n = 32…512, six
 * shapes from 64×784·784×n to 512×512·512×n, A transposed or not: the zero-skipping kernel breaks
 * even at 50–55% non-zeros and takes 0.6–0.9× the dense kernel's time at 40%; on MNIST batches
 * (19% non-zero) about 0.4×.
 */
export const SPARSE_MAX_DENSITY = 0.4;

/**
 * Narrower calls stay dense: listing the non-zeros of op(A) costs ~0.4 ns an entry, what the dense
 * kernel spends on an entry of A at ~10 columns. At 20% non-zeros the zero-skipping kernel took
 * 1.1–1.7× the dense time at 8–10 columns and 0.75–1.0× at 16; at 24 it broke even at 40%.
 * From 32 columns, counting the non-zeros (~0.07 ns an entry) costs a call that stays dense ~5%
 * at most.
 */
export const SPARSE_MIN_COLS = 32;

const PAGE = 65536;
/** wasm32's 4 GiB, as the module declares (a shared memory has a fixed maximum). */
export const MAX_PAGES = 65536;
// Arithmetic, not bit operations: addresses past 2 GiB do not fit a signed 32-bit integer.
export const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** A call split in two: `mine` for the main thread, `theirs` for the worker. */
interface Split {
  readonly worker: GemmWorker;
  readonly mine: Gemm;
  readonly theirs: Gemm;
}

/**
 * One instance of the module plus the layout of its linear memory: the control block for the
 * worker thread, a scratch region (packing buffers) for each thread, then the operands each call
 * copies in from `dataStart` on. Memory grows on demand and is reused, so a warm training loop
 * does not allocate.
 */
export class WasmEngine {
  readonly exports: WasmExports;
  /** First byte (64-aligned) a kernel call may use for its operands. */
  readonly dataStart: number;
  private readonly memory: WasmMemory;
  /** The compiled module a worker instantiates over the same memory; null when the memory is not shared. */
  private readonly sharedModule: WasmModule | null;
  private readonly control: number;
  private readonly scratch: number;
  private readonly workerScratch: number;
  private readonly tileRows: number;
  private readonly tileCols: number;
  /** The second thread: undefined until a large sgemm asks for it, or why it cannot run. */
  private worker: GemmWorker | Error | undefined;
  private heap: Float32Array = new Float32Array(0);

  /**
   * An engine over `exports`, an instance of the module over `memory`; `sharedModule` is that
   * module when the memory is shared (a worker may then run beside it), else null.
   */
  constructor(exports: WasmExports, memory: WasmMemory, sharedModule: WasmModule | null) {
    this.exports = exports;
    this.memory = memory;
    this.sharedModule = sharedModule;
    const scratchBytes = Math.max(this.exports.scratchBytes(), this.exports.sparseScratchBytes());
    this.control = align(this.exports.heapBase());
    this.scratch = align(this.control + CONTROL_BYTES);
    this.workerScratch = align(this.scratch + scratchBytes);
    this.dataStart = align(this.workerScratch + scratchBytes);
    this.tileRows = this.exports.tileRows();
    this.tileCols = this.exports.tileCols();
    this.heap = this.view(this.dataStart);
  }

  /** A Float32Array over linear memory that holds at least `bytes` bytes. */
  view(bytes: number): Float32Array {
    // Growing detaches the views of a private memory (length 0) and leaves those of a shared one
    // at their old length: either way, rebuild the view when it is too short.
    if (this.heap.byteLength < bytes) {
      const have = this.memory.buffer.byteLength;
      if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE));
      this.heap = new Float32Array(this.memory.buffer);
    }
    return this.heap;
  }

  /** An engine over a new instance of `module` (compiled from the module's bytes) over `memory`. */
  static instantiate(module: WasmModule, memory: WasmMemory, shared: boolean): WasmEngine {
    const wasm = webAssembly()!;
    const exports = new wasm.Instance(module, { env: { memory } }).exports as WasmExports;
    return new WasmEngine(exports, memory, shared ? module : null);
  }

  /**
   * Threads large sgemm calls run on: 2 once the setting allows and the worker is up (a call still
   * runs on this thread alone while splitting does not pay).
   */
  get threads(): 1 | 2 {
    return threadSetting() === 2 && this.worker instanceof GemmWorker && this.worker.ready ? 2 : 1;
  }

  /** Why large sgemm calls run on one thread while two are asked for, if they do. */
  get oneThreadReason(): string | undefined {
    if (threadSetting() === 1 || this.threads === 2) return undefined;
    if (this.sharedModule === null) return "this runtime gave the module no shared memory";
    if (this.worker === undefined) return "the worker starts with the first large matmul";
    if (this.worker instanceof Error) return this.worker.message;
    return this.worker.failed ?? "the worker is starting";
  }

  /**
   * C (=|+=) op(A)·op(B) in float32, with the kernel `kernel` (by default, the zero-skipping one
   * when op(A) is sparse enough; their results differ only where B is not finite).
   */
  sgemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aOffset: number,
    transposeA: boolean,
    b: Float32Array,
    bOffset: number,
    transposeB: boolean,
    c: Float32Array,
    cOffset: number,
    accumulate: boolean,
    kernel: GemmKernel = "auto",
  ): void {
    if (kernel === "sparseA" && transposeB) throw new Error("sgemm: the sparseA kernel needs B not transposed");
    const aPtr = this.dataStart;
    const bPtr = align(aPtr + m * k * 4);
    const cPtr = align(bPtr + k * n * 4);
    const whole: Gemm = {
      m,
      n,
      k,
      a: aPtr,
      lda: transposeA ? m : k,
      transA: transposeA ? 1 : 0,
      b: bPtr,
      ldb: transposeB ? k : n,
      transB: transposeB ? 1 : 0,
      c: cPtr,
      ldc: n,
      accumulate: accumulate ? 1 : 0,
    };
    const heap = this.view(cPtr + m * n * 4);
    // A goes in first: its density decides the kernel, and with it whether to split.
    heap.set(a.subarray(aOffset, aOffset + m * k), aPtr / 4);
    const sparse = this.skipsZerosOfA(whole, kernel);
    // A zero-skipping call runs here, whole: at MNIST's density it takes ~0.1 ms, about what
    // waking the worker does.
    const split = sparse ? null : this.splitFor(whole);
    split?.worker.wake();
    heap.set(b.subarray(bOffset, bOffset + k * n), bPtr / 4);
    if (accumulate) heap.set(c.subarray(cOffset, cOffset + m * n), cPtr / 4);
    if (sparse) this.callSparseA(whole);
    else if (split === null) this.call(whole, this.scratch);
    else this.runSplit(split);
    c.set(heap.subarray(cPtr / 4, cPtr / 4 + m * n), cOffset);
  }

  /**
   * Whether `g` (A already in memory) runs the zero-skipping kernel: when forced, or by default
   * when B is not transposed, the call is wide enough, and few enough of A's entries are non-zero.
   */
  private skipsZerosOfA(g: Gemm, kernel: GemmKernel): boolean {
    if (kernel !== "auto") return kernel === "sparseA";
    if (g.transB === 1 || g.n < SPARSE_MIN_COLS) return false;
    const entries = g.m * g.k;
    return this.exports.nonZeros(g.a, entries) <= SPARSE_MAX_DENSITY * entries;
  }

  private callSparseA(g: Gemm): void {
    this.exports.sgemmSparseA(g.m, g.n, g.k, g.a, g.lda, g.transA, g.b, g.ldb, g.c, g.ldc, g.accumulate, this.scratch);
  }

  /** Runs one part here and the other on the worker, or here too if the worker does not claim it in time. */
  private runSplit({ worker, mine, theirs }: Split): void {
    worker.post(theirs);
    const start = performance.now();
    this.call(mine, this.scratch);
    if (!worker.finish(performance.now() - start)) this.call(theirs, this.scratch);
  }

  private call(g: Gemm, scratch: number): void {
    this.exports.sgemm(g.m, g.n, g.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, g.c, g.ldc, g.accumulate, scratch);
  }

  /**
   * How to split `whole` between the threads, or null to run it here: it is small, threads are
   * set to 1, or the worker is not available. The first call that wants the worker starts it;
   * calls run on one thread until it is up.
   */
  private splitFor(whole: Gemm): Split | null {
    if (2 * whole.m * whole.n * whole.k < SPLIT_FLOPS || threadSetting() === 1 || this.sharedModule === null) {
      return null;
    }
    this.worker ??= GemmWorker.start(this.sharedModule, this.memory, this.control, this.workerScratch);
    const worker = this.worker;
    const failure = worker instanceof Error ? worker.message : worker.failed;
    if (failure !== undefined) {
      warnOnce("threads", `wasm kernels: two threads were asked for, but ${failure}; large matmuls run on one thread`);
      return null;
    }
    if (!(worker instanceof GemmWorker) || !worker.ready || worker.backingOff) return null;
    const parts = halves(whole, this.tileRows, this.tileCols);
    return parts === null ? null : { worker, mine: parts[0], theirs: parts[1] };
  }
}
