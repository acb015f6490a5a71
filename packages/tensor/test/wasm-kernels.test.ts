import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import type { FloatArray } from "../src/kernels/kernels.js";
import { loadWasmKernels, setThreads, wasmEngine, wasmKernels } from "../src/kernels/wasm/index.js";

// The wasm backend must agree with a naive float64 reference and with the TypeScript kernels on
// every layout: odd sizes (edge tiles), sizes across the KC=256 / MC=128 / NC=2048 block
// boundaries, all transpose combinations, accumulation and offsets.

const gen = new Generator(5);

function randomArray(n: number, type: "float32" | "float64" = "float32"): FloatArray {
  const x = type === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() * 2 - 1;
  return x;
}

/** C0 + op(A)·op(B) (or just op(A)·op(B)) in float64, one dot product per element. */
function reference(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  transposeA: boolean,
  b: FloatArray,
  bOffset: number,
  transposeB: boolean,
  c0: FloatArray | null,
  cOffset: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c0 === null ? 0 : c0[cOffset + i * n + j]!;
      for (let p = 0; p < k; p++) {
        const aip = a[aOffset + (transposeA ? p * m + i : i * k + p)]!;
        const bpj = b[bOffset + (transposeB ? j * k + p : p * n + j)]!;
        s += aip * bpj;
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Largest |c[cOffset + i] - ref[i]|. */
function maxError(c: FloatArray, cOffset: number, ref: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[cOffset + i]! - ref[i]!));
  return worst;
}

// float32 rounding grows with the depth; inputs are in [-1, 1).
const tolerance = (k: number): number => 2e-6 * (k + 1);

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  accumulate: boolean;
  offsets: boolean;
}

/** Runs one case through wasm and js and checks both against the reference and each other. */
function check({ m, n, k, transposeA, transposeB, accumulate, offsets }: Case): void {
  const [aOff, bOff, cOff] = offsets ? [3, 7, 5] : [0, 0, 0];
  const pad = offsets ? 4 : 0;
  const a = randomArray(aOff + m * k + pad);
  const b = randomArray(bOff + k * n + pad);
  const c0 = randomArray(cOff + m * n + pad);
  const cWasm = c0.slice();
  const cJs = c0.slice();
  wasmKernels.gemm(m, n, k, a, aOff, transposeA, b, bOff, transposeB, cWasm, cOff, accumulate);
  jsKernels.gemm(m, n, k, a, aOff, transposeA, b, bOff, transposeB, cJs, cOff, accumulate);
  const ref = reference(m, n, k, a, aOff, transposeA, b, bOff, transposeB, accumulate ? c0 : null, cOff);
  const label = JSON.stringify({ m, n, k, transposeA, transposeB, accumulate, offsets });
  expect(maxError(cWasm, cOff, ref), label).toBeLessThanOrEqual(tolerance(k));
  expect(maxError(cWasm, cOff, Float64Array.from(cJs.subarray(cOff, cOff + m * n))), label).toBeLessThanOrEqual(
    tolerance(k),
  );
  // Nothing outside C's window is touched.
  for (let i = 0; i < cOff; i++) expect(cWasm[i]).toBe(c0[i]);
  for (let i = cOff + m * n; i < c0.length; i++) expect(cWasm[i]).toBe(c0[i]);
}

const layouts = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe("wasm kernels", () => {
  it("are built and load", () => {
    expect(loadWasmKernels(), "the module did not load: run pnpm build").toBe(wasmKernels);
    expect(wasmKernels.name).toBe("wasm");
  });

  it("run over private memory on one thread (copies into shared memory cost 3×)", () => {
    setThreads(1);
    const engine = wasmEngine();
    if (engine instanceof Error) throw engine;
    expect(engine.view(4).buffer.constructor.name).toBe("ArrayBuffer");
  });

  it("gemm matches the reference and jsKernels on random odd sizes, all layouts", () => {
    for (let trial = 0; trial < 40; trial++) {
      const m = gen.int(1, 70);
      const n = gen.int(1, 70);
      const k = gen.int(1, 90);
      const [transposeA, transposeB] = layouts[trial % 4]!;
      check({ m, n, k, transposeA, transposeB, accumulate: trial % 3 === 0, offsets: trial % 2 === 1 });
    }
  });

  it("gemm is right across the packing block boundaries", () => {
    const shapes = [
      [1, 1, 1],
      [4, 8, 1],
      [5, 9, 257], // one depth element past KC
      [129, 17, 40], // one row past MC
      [3, 2051, 5], // past NC
      [131, 37, 513], // all edges, two full depth blocks plus one
    ] as const;
    for (const [m, n, k] of shapes) {
      for (const [transposeA, transposeB] of layouts) {
        for (const accumulate of [false, true]) {
          check({ m, n, k, transposeA, transposeB, accumulate, offsets: accumulate });
        }
      }
    }
  });

  it("gemm runs the MLP step's shapes", () => {
    check({ m: 64, n: 128, k: 784, transposeA: false, transposeB: false, accumulate: false, offsets: false });
    check({ m: 784, n: 128, k: 64, transposeA: true, transposeB: false, accumulate: true, offsets: false });
    check({ m: 64, n: 784, k: 128, transposeA: false, transposeB: true, accumulate: false, offsets: false });
    check({ m: 64, n: 10, k: 128, transposeA: false, transposeB: false, accumulate: false, offsets: true });
  });

  it("gemm reuses grown memory: large, small, large again give the same answers", () => {
    const big = { m: 300, n: 200, k: 260, transposeA: false, transposeB: true, accumulate: false, offsets: false };
    check(big);
    check({ m: 3, n: 2, k: 4, transposeA: false, transposeB: false, accumulate: true, offsets: true });
    check(big);
  });

  it("gemm with k = 0 writes zeros, or leaves C alone when accumulating; m = 0 is a no-op", () => {
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    wasmKernels.gemm(2, 3, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 0, true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6]);
    wasmKernels.gemm(2, 2, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 1, false);
    expect(Array.from(c)).toEqual([1, 0, 0, 0, 0, 6]);
    wasmKernels.gemm(0, 3, 2, new Float32Array(0), 0, false, new Float32Array(6), 0, false, c, 0, false);
    expect(Array.from(c)).toEqual([1, 0, 0, 0, 0, 6]);
  });

  it("gemm propagates NaN and Infinity like the reference", () => {
    const a = new Float32Array([NaN, 1, 2, 3]);
    const b = new Float32Array([1, 0, 0, Infinity]);
    const c = new Float32Array(4);
    wasmKernels.gemm(2, 2, 2, a, 0, false, b, 0, false, c, 0, false);
    expect(Number.isNaN(c[0])).toBe(true);
    expect(Number.isNaN(c[1])).toBe(true);
    expect(c[2]).toBe(2);
    expect(c[3]).toBe(Infinity);
  });

  it("gemm on float64 delegates to the TypeScript kernels and keeps float64 precision", () => {
    for (const [transposeA, transposeB] of layouts) {
      const [m, n, k] = [13, 11, 37];
      const a = randomArray(m * k, "float64");
      const b = randomArray(k * n, "float64");
      const c = randomArray(m * n + 2, "float64");
      const c0 = c.slice();
      wasmKernels.gemm(m, n, k, a, 0, transposeA, b, 0, transposeB, c, 2, true);
      const ref = reference(m, n, k, a, 0, transposeA, b, 0, transposeB, c0, 2);
      expect(maxError(c, 2, ref)).toBeLessThan(1e-12);
    }
  });

  it("gemm rejects mixed element types and operands too short for their shape", () => {
    const f32 = new Float32Array(6);
    expect(() => wasmKernels.gemm(2, 3, 1, f32, 0, false, new Float64Array(3), 0, false, f32, 0, false)).toThrow(
      /gemm: A, B and C must share one element type/,
    );
    expect(() => wasmKernels.gemm(2, 3, 2, new Float32Array(3), 0, false, f32, 0, false, f32, 0, false)).toThrow(
      /gemm: A needs 4 elements/,
    );
    expect(() => wasmKernels.gemm(2, 3, 2, f32, 0, false, f32, 1, false, f32, 0, false)).toThrow(
      /gemm: B needs 7 elements/,
    );
    expect(() => wasmKernels.gemm(2, 3, 1, f32, 0, false, f32, 0, false, f32, 1, false)).toThrow(
      /gemm: C needs 7 elements/,
    );
  });
});
