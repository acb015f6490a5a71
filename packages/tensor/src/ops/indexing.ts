import { describe } from "../describe.js";
import { formatValue } from "../format.js";
import { allocate, type DType, formatShape, type Shape, shapeSize, stridesOf, Tensor } from "../tensor.js";
import { checkDtype, checkTensor, normalizeAxis } from "./util.js";

/** Indices as given to gather and oneHot: an int32 tensor, an Int32Array or an array of integers. */
export type Indices = Tensor | Int32Array | readonly number[];

function indexData(op: string, indices: Indices): { data: Int32Array; shape: Shape } {
  if (indices instanceof Tensor) {
    if (indices.dtype !== "int32") {
      throw new Error(
        `${op}: indices must be an int32 tensor, got a ${indices.dtype} tensor of shape ${formatShape(indices.shape)} (use cast(t, 'int32'))`,
      );
    }
    return { data: indices.data as Int32Array, shape: indices.shape };
  }
  if (indices instanceof Int32Array) return { data: indices, shape: [indices.length] };
  if (Array.isArray(indices)) {
    const data = new Int32Array(indices.length);
    indices.forEach((v, i) => {
      if (!Number.isInteger(v) || Math.abs(v) > 2147483647)
        throw new Error(`${op}: indices must be integers, got ${formatValue(v)} at position ${i}`);
      data[i] = v;
    });
    return { data, shape: [indices.length] };
  }
  throw new Error(
    `${op}: indices must be an int32 Tensor, an Int32Array or an array of integers, got ${describe(indices)}`,
  );
}

/** The position of flat element `i` in `shape`, as error messages show it: "3" for 1-D, "[1,2]" otherwise. */
export function formatPosition(i: number, shape: Shape): string {
  if (shape.length <= 1) return String(i);
  return formatShape(stridesOf(shape).map((s, d) => Math.floor(i / s) % shape[d]!));
}

/**
 * Index-select along `axis`: the result has shape t.shape[:axis] + indices.shape + t.shape[axis+1:]
 * (NumPy's take). Negative indices count from the end.
 */
export function gather(t: Tensor, indices: Indices, axis = 0): Tensor {
  checkTensor("gather", t);
  const { data: idx, shape: idxShape } = indexData("gather", indices);
  const ax = normalizeAxis("gather", axis, t.rank);
  const n = t.shape[ax]!;
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j]!;
    if (v < -n || v >= n) {
      throw new Error(
        `gather: index ${v} at position ${formatPosition(j, idxShape)} is out of range for axis ${axis} of size ${n} (expected ${-n}..${n - 1})`,
      );
    }
  }
  const outShape = [...t.shape.slice(0, ax), ...idxShape, ...t.shape.slice(ax + 1)];
  const outer = shapeSize(t.shape.slice(0, ax));
  const inner = shapeSize(t.shape.slice(ax + 1));
  const m = idx.length;
  const src = t.data;
  const out = allocate(t.dtype, shapeSize(outShape), "gather", outShape);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const row = idx[j]! < 0 ? idx[j]! + n : idx[j]!;
      const s = (o * n + row) * inner;
      const d = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[d + i] = src[s + i]!;
    }
  }
  return new Tensor(out, outShape);
}

/** One-hot rows: shape [...indices.shape, numClasses], 1 at each label. Labels must lie in [0, numClasses). */
export function oneHot(indices: Indices, numClasses: number, dtype: DType = "float32"): Tensor {
  const { data: labels, shape } = indexData("oneHot", indices);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`oneHot: numClasses must be a positive integer, got ${formatValue(numClasses)}`);
  }
  checkDtype("oneHot", dtype);
  const out = allocate(dtype, labels.length * numClasses, "oneHot", [...shape, numClasses]);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c < 0 || c >= numClasses) {
      throw new Error(
        `oneHot: label ${c} at position ${formatPosition(i, shape)} is out of range for ${numClasses} classes (expected 0..${numClasses - 1})`,
      );
    }
    out[i * numClasses + c] = 1;
  }
  return new Tensor(out, [...shape, numClasses]);
}
