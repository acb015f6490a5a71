import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import type { GemmKernel, WasmEngine } from "../src/kernels/wasm/index.js";
import { SPARSE_MAX_DENSITY, SPARSE_MIN_COLS, setThreads, wasmEngine, wasmKernels } from "../src/kernels/wasm/index.js";
import { sameBits } from "./bits.js";
import { useWorkerThreadsFromSources } from "./threads-from-sources.js";

useWorkerThreadsFromSources();

// The wasm kernel that skips the zeros of op(A) must give, for finite B, exactly the bits of the
// dense kernel: same KC blocking, same order, and a skipped a·b = ±0 changes no partial sum. Where
// B is not finite it differs, as documented: a 0 in A times Infinity or NaN contributes nothing.

const gen = new Generator(23);

function engine(): WasmEngine {
  const e = wasmEngine();
  if (e instanceof Error) throw e;
  return e;
}

/** Values in [-1, 1), a fraction `density` of them non-zero; the zeros are +0 or -0. */
function sparseArray(n: number, density: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() < density ? gen.random() * 2 - 1 : gen.random() < 0.5 ? 0 : -0;
  return x;
}

/**
 * Small integers (and zeros), so that many sums cancel to exactly 0: the case where a partial
 * sum's sign of zero could give a skipped term away.
 */
function integerArray(n: number, density: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() < density ? gen.int(-2, 3) : 0;
  return x;
}

function randomArray(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() * 2 - 1;
  return x;
}

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  accumulate: boolean;
}

const [A_OFFSET, B_OFFSET, C_OFFSET] = [3, 5, 7];

/** C (from a copy of c0) by the engine's sgemm with the given kernel; A, B and C at the offsets above. */
function run(
  kernel: GemmKernel,
  { m, n, k, transposeA, accumulate }: Case,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
): Float32Array {
  const c = c0.slice();
  engine().sgemm(m, n, k, a, A_OFFSET, transposeA, b, B_OFFSET, false, c, C_OFFSET, accumulate, kernel);
  return c;
}

/** C0 (when accumulating) + op(A)·B in float64, leaving out the terms where A's entry is zero. */
function skippingReference(
  { m, n, k, transposeA, accumulate }: Case,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c0[C_OFFSET + i * n + j]! : 0;
      for (let p = 0; p < k; p++) {
        const aip = a[A_OFFSET + (transposeA ? p * m + i : i * k + p)]!;
        if (aip !== 0) s += aip * b[B_OFFSET + p * n + j]!;
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Operands for a case: A with the given density, finite B, and C0 with some -0 (which + +0 turns into +0). */
function operands(
  { m, n, k }: Case,
  density: number,
  integers = false,
): { a: Float32Array; b: Float32Array; c0: Float32Array } {
  const a = integers ? integerArray(A_OFFSET + m * k + 2, density) : sparseArray(A_OFFSET + m * k + 2, density);
  const b = integers ? integerArray(B_OFFSET + k * n + 2, 0.7) : sparseArray(B_OFFSET + k * n + 2, 0.9);
  const c0 = integers ? integerArray(C_OFFSET + m * n + 2, 0.5) : sparseArray(C_OFFSET + m * n + 2, 0.5);
  for (let i = 0; i < c0.length; i += 5) if (c0[i] === 0) c0[i] = -0;
  return { a, b, c0 };
}

describe("wasm sgemm skipping the zeros of A", () => {
  it("gives the dense kernel's bits on random odd shapes, depths across the KC=256 blocks, 0–60% non-zeros", () => {
    const depths = [1, 3, 255, 256, 257, 511, 513, 600, 784];
    for (let trial = 0; trial < 120; trial++) {
      const c: Case = {
        m: gen.int(1, 70),
        n: gen.int(1, 80),
        k: trial < depths.length * 4 ? depths[trial % depths.length]! : gen.int(1, 800),
        transposeA: gen.int(0, 2) === 1,
        accumulate: gen.int(0, 3) !== 0,
      };
      const density = [0, 0.01, 0.05, 0.2, 0.4, 0.6][gen.int(0, 6)]!;
      const { a, b, c0 } = operands(c, density, gen.int(0, 4) === 0);
      const dense = run("dense", c, a, b, c0);
      const sparse = run("sparseA", c, a, b, c0);
      expect(sameBits(sparse, dense), JSON.stringify({ ...c, density })).toBe(true);
    }
  });

  it("gives the dense kernel's bits on the MNIST MLP's shapes and edge widths of its column strips", () => {
    const shapes: Case[] = [
      { m: 64, n: 128, k: 784, transposeA: false, accumulate: true }, // x·W1 onto the bias
      { m: 784, n: 128, k: 64, transposeA: true, accumulate: false }, // xᵀ·dY
      { m: 61, n: 24 + 16 + 8 + 4 + 3, k: 300, transposeA: true, accumulate: true }, // every strip width
      { m: 5, n: 131, k: 1030, transposeA: false, accumulate: false }, // past four blocks
    ];
    for (const c of shapes) {
      for (const density of [0.19, 0.5]) {
        const { a, b, c0 } = operands(c, density);
        expect(
          sameBits(run("sparseA", c, a, b, c0), run("dense", c, a, b, c0)),
          JSON.stringify({ ...c, density }),
        ).toBe(true);
      }
    }
  });

  it("leaves C's neighbours alone and matches a float64 reference", () => {
    const c: Case = { m: 37, n: 45, k: 300, transposeA: true, accumulate: true };
    const { a, b, c0 } = operands(c, 0.3);
    const got = run("sparseA", c, a, b, c0);
    const ref = skippingReference(c, a, b, c0);
    for (let i = 0; i < ref.length; i++)
      expect(Math.abs(got[C_OFFSET + i]! - ref[i]!)).toBeLessThanOrEqual(2e-6 * (c.k + 1));
    for (let i = 0; i < C_OFFSET; i++) expect(Object.is(got[i], c0[i])).toBe(true);
    for (let i = C_OFFSET + c.m * c.n; i < c0.length; i++) expect(Object.is(got[i], c0[i])).toBe(true);
  });

  it("with Infinity or NaN in B: a zero of A contributes nothing, instead of dense's NaN", () => {
    // op(A) row 0 is zero at depth 1 and non-zero elsewhere; B's row 1 holds Infinity, -Infinity
    // and NaN, its other rows are finite. Row 1 of op(A) is non-zero at depth 1.
    const m = 2,
      n = 3,
      k = 4;
    for (const transposeA of [false, true]) {
      const rowsOfA = [
        [0.5, 0, 0.25, 1],
        [0, 2, 0, 0],
      ];
      const a = new Float32Array(A_OFFSET + m * k);
      rowsOfA.forEach((row, i) => row.forEach((v, p) => (a[A_OFFSET + (transposeA ? p * m + i : i * k + p)] = v)));
      const b = new Float32Array(B_OFFSET + k * n).fill(1);
      b.set([Infinity, -Infinity, NaN], B_OFFSET + n);
      const c0 = new Float32Array(C_OFFSET + m * n);
      const c: Case = { m, n, k, transposeA, accumulate: false };
      const sparse = run("sparseA", c, a, b, c0).subarray(C_OFFSET);
      const dense = run("dense", c, a, b, c0).subarray(C_OFFSET);
      expect(Array.from(sparse)).toEqual([1.75, 1.75, 1.75, Infinity, -Infinity, NaN]);
      expect(Array.from(dense)).toEqual([NaN, NaN, NaN, Infinity, -Infinity, NaN]);
      const js = c0.slice();
      jsKernels.gemm(m, n, k, a, A_OFFSET, transposeA, b, B_OFFSET, false, js, C_OFFSET, false);
      expect(Array.from(js.subarray(C_OFFSET))).toEqual(Array.from(dense));
    }
  });

  it("is chosen by default when op(A) is sparse enough, B is not transposed and n is wide enough", () => {
    // Observable through the documented difference: a zero of A times Infinity in B.
    const k = 300;
    /** Whether wasmKernels.gemm skipped the zeros of A for this call. */
    function skipped(m: number, n: number, density: number, transposeA: boolean, transposeB: boolean): boolean {
      const a = sparseArray(m * k, density);
      a[0] = 0; // op(A)[0][0] when not transposed, and in either layout A's first element
      const b = randomArray(k * n);
      b[0] = Infinity; // op(B)[0][0] either way
      const c = new Float32Array(m * n);
      wasmKernels.gemm(m, n, k, a, 0, transposeA, b, 0, transposeB, c, 0, false);
      return !Number.isNaN(c[0]);
    }
    const [sparse, dense] = [SPARSE_MAX_DENSITY / 2, Math.min(1, SPARSE_MAX_DENSITY * 1.5)];
    for (const transposeA of [false, true]) {
      expect(skipped(64, 128, sparse, transposeA, false)).toBe(true);
      expect(skipped(64, SPARSE_MIN_COLS, sparse, transposeA, false)).toBe(true);
      expect(skipped(64, 128, dense, transposeA, false)).toBe(false);
      expect(skipped(64, SPARSE_MIN_COLS - 1, sparse, transposeA, false)).toBe(false);
      expect(skipped(64, 128, sparse, transposeA, true)).toBe(false);
    }
  });

  it("refuses to be forced on a transposed B", () => {
    const x = new Float32Array(4);
    expect(() => engine().sgemm(2, 2, 1, x, 0, false, x, 0, true, x, 0, false, "sparseA")).toThrow(
      /needs B not transposed/,
    );
  });

  it("nonZeros counts what is not ±0, NaN included, at every length", () => {
    const e = engine();
    for (const count of [0, 1, 7, 8, 9, 31, 1000]) {
      const x = sparseArray(count, 0.3);
      if (count > 2) x[count - 2] = NaN;
      const heap = e.view(e.dataStart + 4 * count);
      heap.set(x, e.dataStart / 4);
      const expected = x.filter((v) => v !== 0).length;
      expect(e.exports.nonZeros(e.dataStart, count), `count ${count}`).toBe(expected);
    }
  });
});

describe("wasm sgemm skipping the zeros of A, with two threads allowed", () => {
  beforeAll(async () => {
    // The worker starts on the first large dense call that wants it and is up a few tens of ms later.
    setThreads(2);
    const n = 256;
    const a = randomArray(n * n);
    const c = new Float32Array(n * n);
    for (const deadline = Date.now() + 20_000; engine().threads !== 2 && Date.now() < deadline; ) {
      wasmKernels.gemm(n, n, n, a, 0, false, a, 0, false, c, 0, false);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(engine().threads, "the worker came up").toBe(2);
  });
  afterAll(() => setThreads(1));

  it("gives one thread's bits, Infinity in B included (a sparse call is not split)", () => {
    const shapes: Case[] = [
      { m: 64, n: 128, k: 784, transposeA: false, accumulate: true },
      { m: 784, n: 128, k: 64, transposeA: true, accumulate: false },
    ];
    for (const c of shapes) {
      const { a, b, c0 } = operands(c, 0.19);
      b[B_OFFSET + 3 * c.n + 5] = Infinity;
      const results = ([1, 2] as const).map((threads) => {
        setThreads(threads);
        const out = c0.slice();
        wasmKernels.gemm(c.m, c.n, c.k, a, A_OFFSET, c.transposeA, b, B_OFFSET, false, out, C_OFFSET, c.accumulate);
        return out;
      });
      expect(sameBits(results[0]!, results[1]!), JSON.stringify(c)).toBe(true);
    }
  });
});
