import type { FloatArray } from "./kernels.js";

/** Throws unless every array has room for `rows` rows of `cols` and x, out share a type. */
export function checkSoftmaxRowsArgs(
  rows: number,
  cols: number,
  x: FloatArray,
  out: FloatArray,
  stats: Float64Array,
  scales: Float64Array | undefined,
): void {
  for (const [name, v] of [
    ["rows", rows],
    ["cols", cols],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`softmaxRows: ${name} must be a non-negative integer, got ${v}`);
  }
  if (x.constructor !== out.constructor) {
    throw new Error(
      `softmaxRows: x and out must share one element type, got ${x.constructor.name} and ${out.constructor.name}`,
    );
  }
  for (const [name, array] of [
    ["stats", stats],
    ["scales", scales],
  ] as const) {
    if (array !== undefined && !(array instanceof Float64Array)) {
      throw new Error(`softmaxRows: ${name} must be a Float64Array, got ${(array as object).constructor.name}`);
    }
  }
  const n = rows * cols;
  if (x.length < n) throw new Error(`softmaxRows: x needs ${n} elements (${rows}×${cols}), has ${x.length}`);
  if (out.length < n) throw new Error(`softmaxRows: out needs ${n} elements (${rows}×${cols}), has ${out.length}`);
  if (stats.length < 2 * rows)
    throw new Error(`softmaxRows: stats needs ${2 * rows} elements (2 per row), has ${stats.length}`);
  if (scales !== undefined && scales.length < rows)
    throw new Error(`softmaxRows: scales needs ${rows} elements (1 per row), has ${scales.length}`);
}

/**
 * The reference for `Kernels.softmaxRows`: Math.exp, each exp rounded to the element type as the
 * wasm kernel stores it, the sum over those stored values, then one multiply by scale / sum.
 */
export function softmaxRows(
  rows: number,
  cols: number,
  x: FloatArray,
  out: FloatArray,
  stats: Float64Array,
  scales?: Float64Array,
): void {
  checkSoftmaxRowsArgs(rows, cols, x, out, stats, scales);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let m = -Infinity;
    // NaN is skipped here, as in the wasm kernel: its exp, and so the row's sum, are NaN.
    for (let c = 0; c < cols; c++) if (x[row + c]! > m) m = x[row + c]!;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      out[row + c] = Math.exp(x[row + c]! - m);
      s += out[row + c]!;
    }
    stats[2 * i] = m;
    stats[2 * i + 1] = s;
    const a = (scales === undefined ? 1 : scales[i]!) / s;
    for (let c = 0; c < cols; c++) out[row + c] = out[row + c]! * a;
  }
}
