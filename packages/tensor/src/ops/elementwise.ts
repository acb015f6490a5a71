import { allocate, type DType, Tensor, type TypedArray } from "../tensor.js";
import { broadcastShapesFor, forEachRow, planBroadcast } from "./broadcast.js";
import { asTensor, floatDtype, type Operand, resultDtype, sameShape } from "./util.js";

/**
 * The loop of one binary op over a row of n elements: out[oi + i] = f(a[ai + i·as], b[bi + i·bs]).
 * Strides are 1 for contiguous operands and 0 for a broadcast one, so one loop serves the
 * same-shape, scalar and row-broadcast paths; it is called once per row, never per element.
 */
export type BinaryRow = (
  out: TypedArray,
  oi: number,
  a: TypedArray,
  ai: number,
  as: number,
  b: TypedArray,
  bi: number,
  bs: number,
  n: number,
) => void;

/** True when `small` (ignoring leading 1s) equals the trailing axes of `big`. */
function isTrailing(small: readonly number[], big: readonly number[]): boolean {
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const len = small.length - start;
  if (len > big.length) return false;
  for (let i = 0; i < len; i++) if (small[start + i] !== big[big.length - len + i]) return false;
  return true;
}

/**
 * Runs `row` over a and b broadcast together, writing into `into` (which must have the output's
 * size) or a new array of `outDtype`. Fast paths first: same shape, a one-element operand, and a
 * trailing-axes broadcast such as [B,N] + [N] (one row per leading index); then the general
 * strided walk.
 */
export function runBinary(
  op: string,
  row: BinaryRow,
  a: Tensor,
  b: Tensor,
  outDtype: DType,
  into?: TypedArray,
): Tensor {
  const outShape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapesFor(op, [a.shape, b.shape]);
  const size = outShape.reduce((p, d) => p * d, 1);
  const out = into ?? allocate(outDtype, size, op, outShape);
  if (size === 0) return new Tensor(out, outShape);
  const ad = a.data;
  const bd = b.data;
  if (a.size === size && b.size === size) {
    row(out, 0, ad, 0, 1, bd, 0, 1, size);
  } else if (b.size === 1) {
    row(out, 0, ad, 0, 1, bd, 0, 0, size);
  } else if (a.size === 1) {
    row(out, 0, ad, 0, 0, bd, 0, 1, size);
  } else if (a.size === size && isTrailing(b.shape, a.shape)) {
    const n = b.size;
    for (let o = 0; o < size; o += n) row(out, o, ad, o, 1, bd, 0, 1, n);
  } else if (b.size === size && isTrailing(a.shape, b.shape)) {
    const n = a.size;
    for (let o = 0; o < size; o += n) row(out, o, ad, 0, 1, bd, o, 1, n);
  } else {
    const plan = planBroadcast(outShape, [a.shape, b.shape]);
    const last = plan.dims.length - 1;
    const as = plan.strides[0]![last]!;
    const bs = plan.strides[1]![last]!;
    forEachRow(plan, (o, offsets, n) => row(out, o, ad, offsets[0]!, as, bd, offsets[1]!, bs, n));
  }
  return new Tensor(out, outShape);
}

/** A binary op on operands that may be numbers: promotes, converts numbers, broadcasts. */
export function binary(op: string, row: BinaryRow, x: Operand, y: Operand, float = false): Tensor {
  const dtype = resultDtype(op, x, y);
  return runBinary(op, row, asTensor(x, dtype), asTensor(y, dtype), float ? floatDtype(dtype) : dtype);
}

export const addRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! + b[bi]!;
};

// addRow and mulRow for float32 operands and result: only ever given Float32Arrays, so that their
// element accesses stay monomorphic however many dtypes the shared loops see (masks and metrics
// bring int32 and float64), and four elements per iteration where both operands are contiguous,
// as in a bias row or a mask (V8 does not unroll; measured 1.6× faster on [64,128] + [128]).
export const addRowFloat32: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  let i = 0;
  if (as === 1 && bs === 1) {
    for (; i + 4 <= n; i += 4) {
      o[oi + i] = a[ai + i]! + b[bi + i]!;
      o[oi + i + 1] = a[ai + i + 1]! + b[bi + i + 1]!;
      o[oi + i + 2] = a[ai + i + 2]! + b[bi + i + 2]!;
      o[oi + i + 3] = a[ai + i + 3]! + b[bi + i + 3]!;
    }
    ai += i;
    bi += i;
  }
  for (; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! + b[bi]!;
};
const mulRowFloat32: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  let i = 0;
  if (as === 1 && bs === 1) {
    for (; i + 4 <= n; i += 4) {
      o[oi + i] = a[ai + i]! * b[bi + i]!;
      o[oi + i + 1] = a[ai + i + 1]! * b[bi + i + 1]!;
      o[oi + i + 2] = a[ai + i + 2]! * b[bi + i + 2]!;
      o[oi + i + 3] = a[ai + i + 3]! * b[bi + i + 3]!;
    }
    ai += i;
    bi += i;
  }
  for (; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! * b[bi]!;
};

/** Whether an operand takes part in a binary op as float32 storage (numbers take the tensor's dtype). */
function isFloat32(x: Operand): boolean {
  return typeof x === "number" || (x instanceof Tensor && x.dtype === "float32");
}

const subRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! - b[bi]!;
};
const mulRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! * b[bi]!;
};
const divRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! / b[bi]!;
};
const powRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! ** b[bi]!;
};
// NaN propagates (x !== x), as in NumPy's maximum/minimum.
const maximumRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const x = a[ai]!;
    const y = b[bi]!;
    o[oi + i] = x > y || x !== x ? x : y;
  }
};
const minimumRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const x = a[ai]!;
    const y = b[bi]!;
    o[oi + i] = x < y || x !== x ? x : y;
  }
};

/** a + b with broadcasting. */
export function add(a: Operand, b: Operand): Tensor {
  return binary("add", isFloat32(a) && isFloat32(b) ? addRowFloat32 : addRow, a, b);
}

/** a - b with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  return binary("sub", subRow, a, b);
}

/** a · b with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  return binary("mul", isFloat32(a) && isFloat32(b) ? mulRowFloat32 : mulRow, a, b);
}

/** a / b with broadcasting; two int32 operands give float32 (true division). */
export function div(a: Operand, b: Operand): Tensor {
  return binary("div", divRow, a, b, true);
}

/** a ** b with broadcasting; like div, int32 ** int32 gives float32 (negative exponents are fractions). */
export function pow(a: Operand, b: Operand): Tensor {
  return binary("pow", powRow, a, b, true);
}

/** Elementwise larger of a and b (NaN if either is NaN). */
export function maximum(a: Operand, b: Operand): Tensor {
  return binary("maximum", maximumRow, a, b);
}

/** Elementwise smaller of a and b (NaN if either is NaN). */
export function minimum(a: Operand, b: Operand): Tensor {
  return binary("minimum", minimumRow, a, b);
}
