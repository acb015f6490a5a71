import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { activationKernels } from "../activations.js";
import { checkGemmArgs, jsKernels } from "../js.js";
import type { FloatArray, Kernels } from "../kernels.js";
import { optimizerUpdates } from "../optimizers.js";
import { checkCellArgs, recurrentCells } from "../recurrent-cells.js";
import { checkSoftmaxRowsArgs } from "../softmax-rows.js";
import type { Gemm } from "./threads.js";
import { CONTROL_BYTES, GemmWorker, halves, SPLIT_FLOPS, threadSetting } from "./threads.js";

export { setThreads } from "./threads.js";

// The ES2022 lib has no WebAssembly types (they live in lib.dom): type the little used here.
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of kernels.wasm (compiled from ./assembly by scripts/build-wasm.mjs). */
interface WasmExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  scratchBytes(): number;
  tileRows(): number;
  tileCols(): number;
  sgemm(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    transA: number,
    b: number,
    ldb: number,
    transB: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  sparseScratchBytes(): number;
  nonZeros(x: number, count: number): number;
  sgemmSparseA(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    transA: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  softmaxRows(x: number, rows: number, cols: number, out: number, stats: number, scales: number): void;
  lstmCell(gates: number, cPrev: number, c: number, h: number, rows: number, hidden: number): void;
  lstmCellBackward(
    gates: number,
    cPrev: number,
    c: number,
    dh: number,
    dc: number,
    dGates: number,
    rows: number,
    hidden: number,
  ): void;
  gruCell(xg: number, hg: number, hPrev: number, gates: number, h: number, rows: number, hidden: number): void;
}

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

/** Where the build puts the module: next to this file, in src/ (for vitest) and in dist/. */
export const wasmPath: string = fileURLToPath(new URL("./kernels.wasm", import.meta.url));

const PAGE = 65536;
/** wasm32's 4 GiB, as the module declares (a shared memory has a fixed maximum). */
const MAX_PAGES = 65536;
// Arithmetic, not bit operations: addresses past 2 GiB do not fit a signed 32-bit integer.
const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

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
  private readonly sharedModule: object | null;
  private readonly control: number;
  private readonly scratch: number;
  private readonly workerScratch: number;
  private readonly tileRows: number;
  private readonly tileCols: number;
  /** The second thread: undefined until a large sgemm asks for it, null if it cannot start. */
  private worker: GemmWorker | null | undefined;
  private heap: Float32Array = new Float32Array(0);

  constructor(module: object, memory: WasmMemory, shared: boolean) {
    this.exports = new WebAssemblyApi.Instance(module, { env: { memory } }).exports as WasmExports;
    this.memory = memory;
    this.sharedModule = shared ? module : null;
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

  /**
   * Threads large sgemm calls run on: 2 once the setting allows and the worker is up (a call still
   * runs on this thread alone while splitting does not pay).
   */
  get threads(): 1 | 2 {
    return threadSetting() === 2 && this.worker?.ready === true ? 2 : 1;
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
    if (this.worker === undefined) {
      this.worker = GemmWorker.start(this.sharedModule, this.memory, this.control, this.workerScratch);
    }
    const worker = this.worker;
    if (worker === null || !worker.ready || worker.backingOff) return null;
    const parts = halves(whole, this.tileRows, this.tileCols);
    return parts === null ? null : { worker, mine: parts[0], theirs: parts[1] };
  }
}

/**
 * The instances, or why there is none (no .wasm yet, or a runtime without WebAssembly SIMD): one
 * over private memory for one thread, and one over shared memory, made when two threads are first
 * asked for. One thread stays on private memory because copying operands into a
 * SharedArrayBuffer was measured 3× slower (20 µs against 6.5 µs per 512 KB), ~4% of an MLP step.
 */
const engines: { private?: WasmEngine | Error; shared?: WasmEngine | Error } = {};

/** The wasm instance for kernels beside gemm (the one the thread setting selects), or why it is unavailable. */
export function wasmEngine(): WasmEngine | Error {
  return load();
}

function load(): WasmEngine | Error {
  const kind = threadSetting() === 2 ? "shared" : "private";
  engines[kind] ??= create(kind === "shared");
  return engines[kind];
}

function create(shared: boolean): WasmEngine | Error {
  try {
    if (!existsSync(wasmPath)) {
      throw new Error(
        `${wasmPath} not found; build it with \`pnpm build\` (or \`pnpm --filter @nabla/tensor build:wasm\`)`,
      );
    }
    return instantiate(readFileSync(wasmPath), shared);
  } catch (e) {
    return new Error(`wasm kernels: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The engine over a shared memory when asked and this runtime has one, else over a private one (one thread). */
function instantiate(bytes: Uint8Array, shared: boolean): WasmEngine {
  if (shared) {
    try {
      const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
      return new WasmEngine(new WebAssemblyApi.Module(bytes), memory, true);
    } catch {
      // No shared memory here: one thread, over private memory.
    }
  }
  const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: MAX_PAGES });
  return new WasmEngine(new WebAssemblyApi.Module(withPrivateMemory(bytes)), memory, false);
}

/**
 * A copy of the module whose imported memory is declared private instead of shared (the shared
 * flag, 0x02, cleared in its limits): a module that imports a shared memory cannot link to any
 * other kind. Walks the import section of the binary format.
 */
function withPrivateMemory(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let pos = 8; // past the magic number and version
  const skip = (count: number): void => {
    pos += count;
  };
  /** Reads an unsigned LEB128 number. */
  const u32 = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = out[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < out.length) {
    const id = out[pos++]!;
    const size = u32();
    const end = pos + size;
    if (id === 2) {
      for (let count = u32(); count > 0; count--) {
        skip(u32()); // module name
        skip(u32()); // field name
        const kind = out[pos++]!;
        if (kind === 0x00) {
          u32(); // function: type index
        } else if (kind === 0x03) {
          skip(2); // global: value type, mutability
        } else if (kind === 0x04) {
          skip(1); // tag: attribute, type index
          u32();
        } else {
          if (kind === 0x01) skip(1); // table: element type, then limits like a memory's
          const flags = out[pos]!; // limits: flags, minimum, maximum if flags & 1
          if (kind === 0x02) out[pos] = flags & ~0x02;
          skip(1);
          u32();
          if (flags & 0x01) u32();
        }
      }
    }
    pos = end;
  }
  return out;
}

/**
 * WebAssembly SIMD kernels. float32 runs in wasm (packed panels, 4×8 f32x4 micro-kernel, or a
 * kernel that skips the zeros of a sparse op(A), with the same bits for finite B); float64
 * (gradient checks: exactness, not speed) goes to the TypeScript kernels. The recurrent gate
 * kernels run in wasm where they evaluate σ and tanh (LSTM forward and backward, GRU forward);
 * the GRU backward and the Elman RNN, plain arithmetic, stay in TypeScript.
 * The module is instantiated on first use; if it cannot be (not built, no SIMD), gemm throws why.
 */
export const wasmKernels: Kernels = {
  name: "wasm",
  gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate) {
    if (!(a instanceof Float32Array)) {
      jsKernels.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate);
      return;
    }
    // Checked before copying: subarray() would silently clamp a short operand, and wasm would then
    // read stale memory.
    checkGemmArgs(m, n, k, a, aOffset, b, bOffset, c, cOffset);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
      return;
    }
    const wasm = load();
    if (wasm instanceof Error) throw wasm;
    wasm.sgemm(
      m,
      n,
      k,
      a,
      aOffset,
      transposeA,
      b as Float32Array,
      bOffset,
      transposeB,
      c as Float32Array,
      cOffset,
      accumulate,
    );
  },
  softmaxRows,
  ...recurrentCells,
  // One pass over each operand: copying them into linear memory would cost more than the loop.
  ...optimizerUpdates,
  ...activationKernels,
  lstmCell(rows, hidden, gates, cPrev, c, h) {
    if (!allFloat32(gates, cPrev, c, h)) return jsKernels.lstmCell(rows, hidden, gates, cPrev, c, h);
    checkCellArgs("lstmCell", rows, hidden, 4, { gates }, { cPrev, c, h });
    const [g, s] = [rows * 4 * hidden, rows * hidden];
    runCell(
      [
        [gates, g, "inout"],
        [cPrev, s, "in"],
        [c, s, "out"],
        [h, s, "out"],
      ],
      (p, wasm) => wasm.lstmCell(p[0]!, p[1]!, p[2]!, p[3]!, rows, hidden),
    );
  },
  lstmCellBackward(rows, hidden, gates, cPrev, c, dh, dc, dGates) {
    if (!allFloat32(gates, cPrev, c, dh, dc, dGates))
      return jsKernels.lstmCellBackward(rows, hidden, gates, cPrev, c, dh, dc, dGates);
    checkCellArgs("lstmCellBackward", rows, hidden, 4, { gates, dGates }, { cPrev, c, dh, dc });
    const [g, s] = [rows * 4 * hidden, rows * hidden];
    runCell(
      [
        [gates, g, "in"],
        [cPrev, s, "in"],
        [c, s, "in"],
        [dh, s, "in"],
        [dc, s, "inout"],
        [dGates, g, "out"],
      ],
      (p, wasm) => wasm.lstmCellBackward(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, rows, hidden),
    );
  },
  gruCell(rows, hidden, xg, hg, hPrev, gates, h) {
    if (!allFloat32(xg, hg, hPrev, gates, h)) return jsKernels.gruCell(rows, hidden, xg, hg, hPrev, gates, h);
    checkCellArgs("gruCell", rows, hidden, 3, { xg, hg, gates }, { hPrev, h });
    const [g, s] = [rows * 3 * hidden, rows * hidden];
    runCell(
      [
        [xg, g, "in"],
        [hg, g, "in"],
        [hPrev, s, "in"],
        [gates, g, "out"],
        [h, s, "out"],
      ],
      (p, wasm) => wasm.gruCell(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, rows, hidden),
    );
  },
};

function allFloat32(...arrays: FloatArray[]): boolean {
  return arrays.every((a) => a instanceof Float32Array);
}

/**
 * Runs a recurrent gate kernel on float32 operands copied into linear memory one after another
 * ("in" and "inout" copied in, "out" and "inout" copied back), passing their addresses. An array
 * given twice (gruCell's gates may be xg) gets two copies, so the kernel never sees the aliasing.
 */
function runCell(
  operands: [FloatArray, number, "in" | "out" | "inout"][],
  call: (pointers: number[], wasm: WasmExports) => void,
): void {
  if (operands[0]![1] === 0) return;
  const wasm = load();
  if (wasm instanceof Error) throw wasm;
  const pointers: number[] = [];
  let end = wasm.dataStart;
  for (const [, count] of operands) {
    pointers.push(end);
    end = align(end + count * 4);
  }
  const heap = wasm.view(end);
  operands.forEach(([array, count, mode], i) => {
    if (mode !== "out") heap.set(array.subarray(0, count), pointers[i]! / 4);
  });
  call(pointers, wasm.exports);
  operands.forEach(([array, count, mode], i) => {
    if (mode !== "in") array.set(heap.subarray(pointers[i]! / 4, pointers[i]! / 4 + count));
  });
}

/** Softmax of float32 rows in wasm (four lanes of a polynomial exp); float64 stays in TypeScript. */
function softmaxRows(
  rows: number,
  cols: number,
  x: FloatArray,
  out: FloatArray,
  stats: Float64Array,
  scales?: Float64Array,
): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || cols === 0) {
    jsKernels.softmaxRows(rows, cols, x, out, stats, scales);
    return;
  }
  checkSoftmaxRowsArgs(rows, cols, x, out, stats, scales);
  if (rows === 0) return;
  const wasm = load();
  if (wasm instanceof Error) throw wasm;
  const n = rows * cols;
  const xPtr = wasm.dataStart;
  const outPtr = align(xPtr + n * 4);
  const statsPtr = align(outPtr + n * 4);
  const scalesPtr = align(statsPtr + rows * 16);
  const heap = wasm.view(scalesPtr + rows * 8);
  heap.set(x.subarray(0, n), xPtr / 4);
  if (scales !== undefined) new Float64Array(heap.buffer, scalesPtr, rows).set(scales.subarray(0, rows));
  wasm.exports.softmaxRows(xPtr, rows, cols, outPtr, statsPtr, scales === undefined ? 0 : scalesPtr);
  out.set(heap.subarray(outPtr / 4, outPtr / 4 + n));
  stats.set(new Float64Array(heap.buffer, statsPtr, 2 * rows));
}

/**
 * The wasm kernels if the compiled module is present and this runtime supports WebAssembly SIMD,
 * else null (the caller falls back to the TypeScript kernels).
 */
export function loadWasmKernels(): Kernels | null {
  return load() instanceof Error ? null : wasmKernels;
}
