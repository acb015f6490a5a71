import { formatValue } from "../format.js";
import { allocate, type DType, formatShape, type Shape, shapeSize, Tensor, type TypedArray } from "../tensor.js";
import { checkDtype, checkTensor, convert, normalizeAxis } from "./util.js";

// Reshape-like ops (reshape, flatten, squeeze, unsqueeze) move no numbers: the result shares the
// input's storage. permute/transpose and cast copy.

/** The same elements in a new shape (one entry may be -1: inferred). Shares storage. */
export function reshape(t: Tensor, shape: Shape): Tensor {
  checkTensor("reshape", t);
  if (!Array.isArray(shape)) throw new Error(`reshape: shape must be an array of sizes, got ${formatValue(shape)}`);
  let inferred = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (inferred >= 0)
        throw new Error(`reshape: only one -1 is allowed in the target shape, got ${formatShape(shape)}`);
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new Error(
        `reshape: invalid target shape ${formatShape(shape)}: sizes must be non-negative integers or one -1`,
      );
    } else {
      known *= d;
    }
  });
  const out = [...shape];
  if (inferred >= 0) {
    if (known === 0 || t.size % known !== 0) {
      throw new Error(
        `reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${formatShape(shape)}: the -1 cannot be inferred`,
      );
    }
    out[inferred] = t.size / known;
  } else if (known !== t.size) {
    throw new Error(
      `reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${formatShape(shape)} (${known} elements)`,
    );
  }
  return new Tensor(t.data, out);
}

/** Merges axes startAxis..end into one: [2,3,4] → flatten(·,1) → [2,12]. A scalar becomes [1]. Shares storage. */
export function flatten(t: Tensor, startAxis = 0): Tensor {
  checkTensor("flatten", t);
  if (t.rank === 0) return new Tensor(t.data, [1]);
  const start = normalizeAxis("flatten", startAxis, t.rank);
  return new Tensor(t.data, [...t.shape.slice(0, start), shapeSize(t.shape.slice(start))]);
}

/** Removes `axis` (which must have size 1), or every size-1 axis when undefined. Shares storage. */
export function squeeze(t: Tensor, axis?: number): Tensor {
  checkTensor("squeeze", t);
  if (axis === undefined)
    return new Tensor(
      t.data,
      t.shape.filter((d) => d !== 1),
    );
  const ax = normalizeAxis("squeeze", axis, t.rank);
  if (t.shape[ax] !== 1) {
    throw new Error(`squeeze: axis ${axis} of shape ${formatShape(t.shape)} has size ${t.shape[ax]}, expected size 1`);
  }
  return new Tensor(
    t.data,
    t.shape.filter((_, i) => i !== ax),
  );
}

/** Inserts a size-1 axis at `axis` (in [-(rank+1), rank]). Shares storage. */
export function unsqueeze(t: Tensor, axis: number): Tensor {
  checkTensor("unsqueeze", t);
  const ax = normalizeAxis("unsqueeze", axis, t.rank + 1);
  const shape = [...t.shape];
  shape.splice(ax, 0, 1);
  return new Tensor(t.data, shape);
}

function checkPerm(op: string, t: Tensor, perm: readonly number[]): number[] {
  const bad = (): Error =>
    new Error(
      `${op}: perm ${formatShape(perm)} is not a permutation of the ${t.rank} axes of shape ${formatShape(t.shape)}`,
    );
  if (!Array.isArray(perm) || perm.length !== t.rank) throw bad();
  const out = perm.map((p) => {
    if (!Number.isInteger(p) || p < -t.rank || p >= t.rank) throw bad();
    return p < 0 ? p + t.rank : p;
  });
  if (new Set(out).size !== out.length) throw bad();
  return out;
}

/** Blocked copy of a rows×cols matrix into its transpose (tiles keep both sides in cache). */
function transpose2d(
  src: TypedArray,
  srcOffset: number,
  rows: number,
  cols: number,
  dst: TypedArray,
  dstOffset: number,
): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) {
        const s = srcOffset + r * cols;
        for (let c = c0; c < c1; c++) dst[dstOffset + c * rows + r] = src[s + c]!;
      }
    }
  }
}

function permuteCopy(t: Tensor, perm: number[]): Tensor {
  const outShape = perm.map((p) => t.shape[p]!);
  const out = allocate(t.dtype, t.size);
  if (t.size === 0) return new Tensor(out, outShape);
  const inStrides = t.strides;
  // Drop size-1 axes, then merge neighbouring output axes that are contiguous in the input too.
  const dims: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    const d = t.shape[p]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === inStrides[p]! * d) {
      dims[last]! *= d;
      strides[last] = inStrides[p]!;
    } else {
      dims.push(d);
      strides.push(inStrides[p]!);
    }
  }
  const src = t.data;
  const rank = dims.length;
  if (rank <= 1) {
    out.set(src);
    return new Tensor(out, outShape);
  }
  // A (batched) matrix transpose: the last two merged axes swap.
  const rows = dims[rank - 1]!;
  const cols = dims[rank - 2]!;
  if (strides[rank - 2] === 1 && strides[rank - 1] === cols && (rank === 2 || strides[rank - 3] === rows * cols)) {
    const batch = t.size / (rows * cols);
    for (let b = 0; b < batch; b++) transpose2d(src, b * rows * cols, rows, cols, out, b * rows * cols);
    return new Tensor(out, outShape);
  }
  // General case: walk the output in order, the innermost axis as a strided run over the input.
  const n = dims[rank - 1]!;
  const step = strides[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  let s = 0;
  for (let o = 0; o < out.length; o += n) {
    for (let i = 0, k = s; i < n; i++, k += step) out[o + i] = src[k]!;
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      s += strides[d]!;
      if (index[d]! < dims[d]!) break;
      index[d] = 0;
      s -= strides[d]! * dims[d]!;
    }
  }
  return new Tensor(out, outShape);
}

/** Reorders axes: output axis i is input axis perm[i] (negative entries count from the end). A copy. */
export function permute(t: Tensor, perm: readonly number[]): Tensor {
  checkTensor("permute", t);
  return permuteCopy(t, checkPerm("permute", t, perm));
}

/** permute with the axes reversed by default (a matrix transpose for 2-D). A copy. */
export function transpose(t: Tensor, perm?: readonly number[]): Tensor {
  checkTensor("transpose", t);
  const p = perm === undefined ? t.shape.map((_, i) => t.rank - 1 - i) : checkPerm("transpose", t, perm);
  return permuteCopy(t, p);
}

/**
 * A copy converted to `dtype`. Float to int32 truncates toward zero and wraps like JavaScript's
 * ToInt32 (NaN becomes 0), as an Int32Array store does.
 */
export function cast(t: Tensor, dtype: DType): Tensor {
  checkTensor("cast", t);
  checkDtype("cast", dtype);
  return new Tensor(convert(t.data, dtype), t.shape);
}
