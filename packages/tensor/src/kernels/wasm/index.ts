import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FloatArray, Kernels } from "../kernels.js";
import { jsKernels } from "../js.js";

// The ES2022 lib has no WebAssembly types (they live in lib.dom): type the little used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of kernels.wasm (compiled from ./assembly by scripts/build-wasm.mjs). */
interface WasmExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  packABytes(): number;
  packBBytes(): number;
  sgemm(
    m: number,
    n: number,
    k: number,
    a: number,
    transA: number,
    b: number,
    transB: number,
    c: number,
    accumulate: number,
    bufA: number,
    bufB: number,
  ): void;
}

/** Where the build puts the module: next to this file, in src/ (for vitest) and in dist/. */
export const wasmPath: string = fileURLToPath(new URL("./kernels.wasm", import.meta.url));

const PAGE = 65536;
// Arithmetic, not bit operations: addresses past 2 GiB do not fit a signed 32-bit integer.
const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * One instance of the module plus the layout of its linear memory: two packing buffers at the
 * bottom, then A, B and C copied in for each call. Memory grows on demand and is reused, so a
 * warm training loop does not allocate.
 */
class WasmGemm {
  private readonly exports: WasmExports;
  private readonly bufA: number;
  private readonly bufB: number;
  private readonly dataStart: number;
  private heap: Float32Array = new Float32Array(0);

  constructor(exports: WasmExports) {
    this.exports = exports;
    this.bufA = align(exports.heapBase());
    this.bufB = align(this.bufA + exports.packABytes());
    this.dataStart = align(this.bufB + exports.packBBytes());
    this.heap = this.view(this.dataStart);
  }

  /** A Float32Array over linear memory that holds at least `bytes` bytes. */
  private view(bytes: number): Float32Array {
    const memory = this.exports.memory;
    if (memory.buffer.byteLength < bytes) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    }
    // Growing detaches the old ArrayBuffer; rebuild the view whenever the buffer changed.
    if (this.heap.buffer !== memory.buffer) {
      this.heap = new Float32Array(memory.buffer);
    }
    return this.heap;
  }

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
  ): void {
    const aPtr = this.dataStart;
    const bPtr = align(aPtr + m * k * 4);
    const cPtr = align(bPtr + k * n * 4);
    const heap = this.view(cPtr + m * n * 4);
    heap.set(a.subarray(aOffset, aOffset + m * k), aPtr / 4);
    heap.set(b.subarray(bOffset, bOffset + k * n), bPtr / 4);
    if (accumulate) heap.set(c.subarray(cOffset, cOffset + m * n), cPtr / 4);
    this.exports.sgemm(
      m, n, k,
      aPtr, transposeA ? 1 : 0,
      bPtr, transposeB ? 1 : 0,
      cPtr, accumulate ? 1 : 0,
      this.bufA, this.bufB,
    );
    c.set(heap.subarray(cPtr / 4, cPtr / 4 + m * n), cOffset);
  }
}

/** The instance, or why there is none (no .wasm yet, or a runtime without WebAssembly SIMD). */
let engine: WasmGemm | Error | undefined;

function load(): WasmGemm | Error {
  if (engine === undefined) {
    try {
      if (!existsSync(wasmPath)) {
        throw new Error(`${wasmPath} not found; build it with \`pnpm build\` (or \`pnpm --filter @nabla/tensor build:wasm\`)`);
      }
      const module = new WebAssemblyApi.Module(readFileSync(wasmPath));
      engine = new WasmGemm(new WebAssemblyApi.Instance(module, {}).exports as WasmExports);
    } catch (e) {
      engine = new Error(`wasm kernels: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return engine;
}

function checkArgs(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  b: FloatArray,
  bOffset: number,
  c: FloatArray,
  cOffset: number,
): void {
  for (const [name, v] of [["m", m], ["n", n], ["k", k], ["aOffset", aOffset], ["bOffset", bOffset], ["cOffset", cOffset]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
  if (a.constructor !== b.constructor || a.constructor !== c.constructor) {
    throw new Error(`gemm: A, B and C must share one element type, got ${a.constructor.name}, ${b.constructor.name} and ${c.constructor.name}`);
  }
  // subarray() would silently clamp a short operand, and wasm would then read stale memory.
  if (aOffset + m * k > a.length) throw new Error(`gemm: A needs ${aOffset + m * k} elements (offset ${aOffset} + ${m}×${k}), has ${a.length}`);
  if (bOffset + k * n > b.length) throw new Error(`gemm: B needs ${bOffset + k * n} elements (offset ${bOffset} + ${k}×${n}), has ${b.length}`);
  if (cOffset + m * n > c.length) throw new Error(`gemm: C needs ${cOffset + m * n} elements (offset ${cOffset} + ${m}×${n}), has ${c.length}`);
}

/**
 * WebAssembly SIMD kernels. float32 runs in wasm (packed panels, 4×8 f32x4 micro-kernel);
 * float64 (gradient checks: exactness, not speed) goes to the TypeScript kernels.
 * The module is instantiated on first use; if it cannot be (not built, no SIMD), gemm throws why.
 */
export const wasmKernels: Kernels = {
  name: "wasm",
  gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate) {
    if (!(a instanceof Float32Array)) {
      jsKernels.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate);
      return;
    }
    checkArgs(m, n, k, a, aOffset, b, bOffset, c, cOffset);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
      return;
    }
    const wasm = load();
    if (wasm instanceof Error) throw wasm;
    wasm.sgemm(
      m, n, k,
      a, aOffset, transposeA,
      b as Float32Array, bOffset, transposeB,
      c as Float32Array, cOffset, accumulate,
    );
  },
};

/**
 * The wasm kernels if the compiled module is present and this runtime supports WebAssembly SIMD,
 * else null (the caller falls back to the TypeScript kernels).
 */
export function loadWasmKernels(): Kernels | null {
  return load() instanceof Error ? null : wasmKernels;
}
