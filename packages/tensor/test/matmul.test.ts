import { afterEach, describe, expect, it } from "vitest";
import {
  allClose,
  type FloatArray,
  Generator,
  jsKernels,
  type Kernels,
  kernels,
  matmul,
  randn,
  reshape,
  setKernels,
  tensor,
  transpose,
  zeros,
} from "../src/index.js";

/** op(A)·op(B) by the textbook triple loop, in double precision. */
function naiveGemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOff: number,
  ta: boolean,
  b: FloatArray,
  bOff: number,
  tb: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a[aOff + p * m + i]! : a[aOff + i * k + p]!;
        const bv = tb ? b[bOff + j * k + p]! : b[bOff + p * n + j]!;
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

function filled(ctor: typeof Float32Array | typeof Float64Array, n: number, g: Generator): FloatArray {
  const x = new ctor(n);
  for (let i = 0; i < n; i++) x[i] = g.normal();
  return x;
}

describe("jsKernels.gemm", () => {
  const g = new Generator(42);
  // Odd sizes, and sizes past the block edges (MC = 128, KC = 256, NC = 1024), so edge tiles and
  // several depth blocks run.
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [13, 17, 11],
    [4, 4, 4],
    [37, 29, 263],
    [131, 9, 19],
    [5, 1030, 6],
  ];
  for (const ctor of [Float32Array, Float64Array]) {
    const tol = ctor === Float32Array ? 2e-5 : 1e-12;
    for (const [m, n, k] of sizes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`${ctor.name} ${m}×${k}·${k}×${n} transposeA=${ta} transposeB=${tb}, offsets and accumulate`, () => {
            const aOff = 3;
            const bOff = 5;
            const cOff = 2;
            const a = filled(ctor, aOff + m * k + 4, g);
            const b = filled(ctor, bOff + k * n + 1, g);
            const c0 = filled(ctor, cOff + m * n + 3, g);
            const expected = naiveGemm(m, n, k, a, aOff, ta, b, bOff, tb);
            // Scale for the tolerance: Σ|a||b| bounds the rounding error of each dot product.
            const scale = 1 + k;

            const c = c0.slice();
            jsKernels.gemm(m, n, k, a, aOff, ta, b, bOff, tb, c, cOff, false);
            for (let i = 0; i < m * n; i++) expect(Math.abs(c[cOff + i]! - expected[i]!)).toBeLessThan(tol * scale);
            // Elements outside the C window are untouched.
            expect(Array.from(c.subarray(0, cOff))).toEqual(Array.from(c0.subarray(0, cOff)));
            expect(Array.from(c.subarray(cOff + m * n))).toEqual(Array.from(c0.subarray(cOff + m * n)));

            const acc = c0.slice();
            jsKernels.gemm(m, n, k, a, aOff, ta, b, bOff, tb, acc, cOff, true);
            for (let i = 0; i < m * n; i++) {
              expect(Math.abs(acc[cOff + i]! - (c0[cOff + i]! + expected[i]!))).toBeLessThan(tol * (scale + 4));
            }
          });
        }
      }
    }
  }

  it("float64 is exact for integer-valued inputs", () => {
    const a = new Float64Array([1, 2, 3, 4, 5, 6]);
    const b = new Float64Array([7, 8, 9, 10, 11, 12]);
    const c = new Float64Array(4);
    jsKernels.gemm(2, 2, 3, a, 0, false, b, 0, false, c, 0, false);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it("k = 0 zeroes C (or leaves it when accumulating); m = 0 and n = 0 do nothing", () => {
    const c = new Float32Array([1, 2, 3, 4]);
    jsKernels.gemm(2, 2, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 0, true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    jsKernels.gemm(2, 2, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 0, false);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    jsKernels.gemm(0, 2, 3, new Float32Array(0), 0, false, new Float32Array(6), 0, false, c, 0, false);
  });

  it("validates sizes, buffer lengths and element types", () => {
    const f = new Float32Array(4);
    expect(() => jsKernels.gemm(2, 2, 2, f, 0, false, f, 1, false, new Float32Array(4), 0, false)).toThrow(
      /^gemm: B needs 5 elements \(offset 1 \+ 2×2\), has 4$/,
    );
    expect(() => jsKernels.gemm(2, 2, 2, f, 0, false, new Float64Array(4), 0, false, f, 0, false)).toThrow(
      /gemm: A, B and C must share one element type, got Float32Array, Float64Array and Float32Array/,
    );
    expect(() => jsKernels.gemm(-1, 2, 2, f, 0, false, f, 0, false, f, 0, false)).toThrow(
      /gemm: m must be a non-negative integer, got -1/,
    );
  });
});

describe("matmul", () => {
  afterEach(() => setKernels(jsKernels));

  it("multiplies 2-D matrices", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(matmul(a, b).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(matmul(transpose(a), transpose(b), { transposeA: true, transposeB: true }).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(matmul(a, a, { transposeB: true }).toArray()).toEqual([
      [14, 32],
      [32, 77],
    ]);
    expect(matmul(a, a, { transposeA: true }).toArray()).toEqual([
      [17, 22, 27],
      [22, 29, 36],
      [27, 36, 45],
    ]);
  });

  it("batches 3-D @ 3-D and 3-D @ 2-D, with transposes", () => {
    const g = new Generator(1);
    const a = randn([3, 4, 5], { generator: g, dtype: "float64" });
    const b = randn([3, 5, 2], { generator: g, dtype: "float64" });
    const w = randn([5, 2], { generator: g, dtype: "float64" });
    const r = matmul(a, b);
    expect(r.shape).toEqual([3, 4, 2]);
    const rw = matmul(a, w);
    expect(rw.shape).toEqual([3, 4, 2]);
    for (let i = 0; i < 3; i++) {
      const ai = reshape(tensor(a.data.slice(i * 20, i * 20 + 20), [20], "float64"), [4, 5]);
      const bi = reshape(tensor(b.data.slice(i * 10, i * 10 + 10), [10], "float64"), [5, 2]);
      const ri = tensor(r.data.slice(i * 8, i * 8 + 8), [4, 2], "float64");
      const rwi = tensor(rw.data.slice(i * 8, i * 8 + 8), [4, 2], "float64");
      expect(allClose(ri, matmul(ai, bi), { rtol: 1e-12 })).toBe(true);
      expect(allClose(rwi, matmul(ai, w), { rtol: 1e-12 })).toBe(true);
    }
    // The transpose flags apply per batch matrix.
    const viaFlag = matmul(transposeLast(a), w, { transposeA: true });
    expect(allClose(viaFlag, rw, { rtol: 1e-12 })).toBe(true);
    const viaFlagB = matmul(a, transposeLast(b), { transposeB: true });
    expect(allClose(viaFlagB, r, { rtol: 1e-12 })).toBe(true);
  });

  it("promotes dtypes: int32 computes in float32, float64 wins", () => {
    const i = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      "int32",
    );
    const r = matmul(i, i);
    expect(r.dtype).toBe("float32");
    expect(r.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(matmul(i, tensor([[1], [1]], undefined, "float64")).dtype).toBe("float64");
  });

  it("handles size-0 dimensions", () => {
    expect(matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2]);
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it("names the shapes when they do not fit", () => {
    expect(() => matmul(zeros([64, 784]), zeros([128, 10]))).toThrow(
      /^matmul: inner dimensions differ: \[64,784\] @ \[128,10\]$/,
    );
    expect(() => matmul(zeros([2, 3]), zeros([3, 2]), { transposeA: true })).toThrow(
      /^matmul: inner dimensions differ: \[2,3\] @ \[3,2\] \(transposeA\)$/,
    );
    expect(() => matmul(zeros([2, 3]), zeros([2, 3]), { transposeA: true, transposeB: true })).toThrow(
      /^matmul: inner dimensions differ: \[2,3\] @ \[2,3\] \(transposeA, transposeB\)$/,
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(
      /^matmul: batch sizes differ: \[2,3,4\] @ \[3,4,5\]$/,
    );
    expect(() => matmul(zeros([3]), zeros([3, 2]))).toThrow(
      /^matmul: expected 2-D @ 2-D, 3-D @ 3-D or 3-D @ 2-D operands, got \[3\] @ \[3,2\]$/,
    );
    expect(() => matmul(zeros([3, 2]), zeros([1, 2, 3]))).toThrow(/matmul: expected 2-D @ 2-D/);
  });

  it("dispatches through the active kernels (setKernels)", () => {
    const calls: number[][] = [];
    const spy: Kernels = {
      ...jsKernels,
      name: "spy",
      gemm(m, n, k, ...rest) {
        calls.push([m, n, k]);
        jsKernels.gemm(m, n, k, ...rest);
      },
    };
    setKernels(spy);
    expect(kernels.name).toBe("spy");
    expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).item()).toBe(11);
    matmul(zeros([4, 2, 3]), zeros([4, 3, 5]));
    matmul(zeros([4, 2, 3]), zeros([3, 5]));
    expect(calls).toEqual([
      [1, 1, 2],
      [2, 5, 3],
      [2, 5, 3],
      [2, 5, 3],
      [2, 5, 3],
      [8, 5, 3],
    ]);
    setKernels(jsKernels);
    expect(kernels).toBe(jsKernels);
  });

  it("setKernels rejects objects without the kernels", () => {
    // Every kernel of the TypeScript reference is required, in its order.
    const names = Object.keys(jsKernels).filter((key) => key !== "name");
    expect(names.slice(0, 3)).toEqual(["gemm", "softmaxRows", "lstmCell"]);
    expect(() => setKernels({ name: "x" } as unknown as Kernels)).toThrow(
      `setKernels: expected a Kernels object, but ${names.slice(0, -1).join(", ")} and ${names.at(-1)} are not functions`,
    );
    expect(() => setKernels({ ...jsKernels, softmaxRows: undefined } as unknown as Kernels)).toThrow(
      /^setKernels: expected a Kernels object, but softmaxRows is not a function$/,
    );
    expect(() => setKernels(null as unknown as Kernels)).toThrow(/setKernels: .* got null/);
  });

  it("agrees with the naive product on a training-sized problem", () => {
    const g = new Generator(3);
    const x = randn([64, 784], { generator: g });
    const w = randn([784, 10], { generator: g });
    const expected = naiveGemm(64, 10, 784, x.data as Float32Array, 0, false, w.data as Float32Array, 0, false);
    const r = matmul(x, w);
    expect(allClose(r, tensor(expected, [64, 10], "float32"), { rtol: 1e-4, atol: 1e-3 })).toBe(true);
  });
});

/** Swaps the last two axes of a 3-D tensor. */
function transposeLast(t: ReturnType<typeof zeros>): ReturnType<typeof zeros> {
  return transpose(t, [0, 2, 1]);
}
