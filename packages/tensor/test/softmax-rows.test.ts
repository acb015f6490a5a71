import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";

// softmaxRows, the kernel under softmax cross-entropy: the wasm polynomial exp must agree with
// Math.exp to float32 precision on every row length (1–3 trailing lanes, long rows), with and
// without per-row scales, and treat NaN, ±Infinity and underflow as the TypeScript reference does.

const gen = new Generator(11);

function logits(rows: number, cols: number, spread: number): Float32Array {
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (gen.random() * 2 - 1) * spread;
  return x;
}

function run(
  kernels: typeof jsKernels,
  rows: number,
  cols: number,
  x: Float32Array | Float64Array,
  scales?: Float64Array,
) {
  const out = x instanceof Float32Array ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  const stats = new Float64Array(2 * rows);
  kernels.softmaxRows(rows, cols, x, out, stats, scales);
  return { out, stats };
}

/** softmax(x_i)·scale_i and the row stats in float64, straight from the definition. */
function exact(rows: number, cols: number, x: Float32Array, scales?: Float64Array) {
  const out = new Float64Array(rows * cols);
  const stats = new Float64Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * cols, (i + 1) * cols);
    const m = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    for (let c = 0; c < cols; c++) out[i * cols + c] = (Math.exp(row[c]! - m) / s) * (scales?.[i] ?? 1);
    stats[2 * i] = m;
    stats[2 * i + 1] = s;
  }
  return { out, stats };
}

describe("softmaxRows", () => {
  const shapes: Array<[number, number]> = [
    [1, 1],
    [3, 2],
    [2, 3],
    [5, 4],
    [4, 5],
    [7, 10],
    [2, 17],
    [128, 1000],
    [1, 1001],
  ];
  it.each(shapes)("wasm and TypeScript agree with the float64 definition on [%i,%i]", (rows, cols) => {
    for (const spread of [1, 30, 200]) {
      const x = logits(rows, cols, spread);
      const scales = spread === 30 ? Float64Array.from({ length: rows }, (_, i) => (i % 3) - 0.5) : undefined;
      const want = exact(rows, cols, x, scales);
      for (const kernels of [wasmKernels, jsKernels]) {
        const got = run(kernels, rows, cols, x, scales);
        for (let i = 0; i < rows; i++) {
          expect(got.stats[2 * i]).toBe(want.stats[2 * i]); // the max is exact
          expect(Math.abs(got.stats[2 * i + 1]! - want.stats[2 * i + 1]!) / want.stats[2 * i + 1]!).toBeLessThan(3e-7);
        }
        for (let k = 0; k < x.length; k++) {
          // A few float32 ulps, plus the rounding of x − max in float32 (wasm subtracts in
          // float32), which moves e^(x−max) by up to |x − max|·2^-24 relatively. Below e^-87 the
          // wasm kernel flushes to 0.
          const shift = want.stats[2 * Math.floor(k / cols)]! - x[k]!;
          const w = want.out[k]!;
          expect(Math.abs(got.out[k]! - w)).toBeLessThanOrEqual((4e-7 + shift * 6e-8) * Math.abs(w) + 1.3e-38);
        }
      }
    }
  });

  it("each row's sum of exps is at least 1 (its max contributes exactly 1)", () => {
    const x = logits(9, 13, 50);
    const { stats } = run(wasmKernels, 9, 13, x);
    for (let i = 0; i < 9; i++) expect(stats[2 * i + 1]).toBeGreaterThanOrEqual(1);
    const single = run(wasmKernels, 1, 1, new Float32Array([-3.5]));
    expect([...single.out, ...single.stats]).toEqual([1, -3.5, 1]);
  });

  it("gives 0 for -Infinity and for values far below the max, NaN for NaN and +Infinity rows", () => {
    const x = new Float32Array([
      0,
      -Infinity,
      -1000,
      -87.5,
      -87, // row 0: masked, far below, just under and above underflow
      1,
      NaN,
      2,
      3,
      4, // row 1: a NaN
      Infinity,
      0,
      0,
      0,
      0, // row 2: +Infinity − +Infinity is NaN
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity, // row 3: all masked
    ]);
    for (const kernels of [wasmKernels, jsKernels]) {
      const { out, stats } = run(kernels, 4, 5, x);
      expect([...out.subarray(0, 3)]).toEqual([1, 0, 0]);
      expect(out[3]).toBeLessThan(1.2e-38);
      expect(out[4]! / Math.exp(-87)).toBeCloseTo(1, 5);
      expect(stats[0]).toBe(0);
      expect(stats[1]! - 1).toBeLessThan(1e-37);
      expect(stats[2]).toBe(4); // NaN is skipped by the max…
      expect(stats[3]).toBeNaN(); // …but not by the sum
      expect(out[9]).toBeNaN();
      expect(stats[5]).toBeNaN();
      expect(stats[7]).toBeNaN();
    }
  });

  it("float64 rows use the TypeScript kernel, bit for bit", () => {
    const x = Float64Array.from(logits(6, 7, 20));
    expect(run(wasmKernels, 6, 7, x)).toEqual(run(jsKernels, 6, 7, x));
  });

  it("an empty batch writes nothing", () => {
    expect(run(wasmKernels, 0, 10, new Float32Array(0)).stats.length).toBe(0);
  });

  it.each([
    [
      "a fractional row count",
      () => wasmKernels.softmaxRows(1.5, 2, new Float32Array(4), new Float32Array(4), new Float64Array(4)),
      "softmaxRows: rows must be a non-negative integer, got 1.5",
    ],
    [
      "short logits",
      () => wasmKernels.softmaxRows(2, 3, new Float32Array(5), new Float32Array(6), new Float64Array(4)),
      "softmaxRows: x needs 6 elements (2×3), has 5",
    ],
    [
      "short out",
      () => jsKernels.softmaxRows(2, 3, new Float32Array(6), new Float32Array(5), new Float64Array(4)),
      "softmaxRows: out needs 6 elements (2×3), has 5",
    ],
    [
      "short scales",
      () =>
        wasmKernels.softmaxRows(
          2,
          3,
          new Float32Array(6),
          new Float32Array(6),
          new Float64Array(4),
          new Float64Array(1),
        ),
      "softmaxRows: scales needs 2 elements (1 per row), has 1",
    ],
    [
      "float32 scales",
      () =>
        jsKernels.softmaxRows(
          1,
          1,
          new Float32Array(1),
          new Float32Array(1),
          new Float64Array(2),
          new Float32Array(1) as unknown as Float64Array,
        ),
      "softmaxRows: scales must be a Float64Array, got Float32Array",
    ],
    [
      "short stats",
      () => wasmKernels.softmaxRows(2, 3, new Float32Array(6), new Float32Array(6), new Float64Array(3)),
      "softmaxRows: stats needs 4 elements (2 per row), has 3",
    ],
    [
      "mixed element types",
      () => wasmKernels.softmaxRows(1, 2, new Float32Array(2), new Float64Array(2), new Float64Array(2)),
      "softmaxRows: x and out must share one element type, got Float32Array and Float64Array",
    ],
  ])("rejects %s", (_what, call, message) => {
    expect(call).toThrow(message);
  });
});
