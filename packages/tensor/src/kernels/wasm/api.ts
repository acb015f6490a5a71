// The ES2022 lib has no WebAssembly types (they live in lib.dom): the little the kernels use.

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled module (WebAssembly.Module): opaque here, posted to workers as it is. */
export type WasmModule = object;

interface WasmInstance {
  readonly exports: unknown;
}

export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}

/** This runtime's WebAssembly object, looked up at each call (tests replace parts of it), if it has one. */
export function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

/** The exports of the kernels module (compiled from ./assembly by scripts/build-wasm.mjs). */
export interface WasmExports {
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
