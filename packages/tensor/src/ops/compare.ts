import { allocate, shapeSize, Tensor } from "../tensor.js";
import { broadcastShapesFor, forEachRow, planBroadcast } from "./broadcast.js";
import { type BinaryRow, runBinary } from "./elementwise.js";
import { asTensor, checkOperand, type Operand, resultDtype, sameShape } from "./util.js";

// Comparisons give int32 0/1. A number operand first takes the tensor's dtype, so
// equal(float32Tensor, 0.1) compares against float32(0.1), the value the tensor can hold.

function compare(op: string, row: BinaryRow, x: Operand, y: Operand): Tensor {
  const dtype = resultDtype(op, x, y);
  return runBinary(op, row, asTensor(x, dtype), asTensor(y, dtype), "int32");
}

const equalRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] === b[bi] ? 1 : 0;
};
const notEqualRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] !== b[bi] ? 1 : 0;
};
const lessRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! < b[bi]! ? 1 : 0;
};
const lessEqualRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! <= b[bi]! ? 1 : 0;
};
const greaterRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! > b[bi]! ? 1 : 0;
};
const greaterEqualRow: BinaryRow = (o, oi, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! >= b[bi]! ? 1 : 0;
};

/** 1 where a == b, else 0 (int32). NaN equals nothing. */
export function equal(a: Operand, b: Operand): Tensor {
  return compare("equal", equalRow, a, b);
}

/** 1 where a != b, else 0 (int32). */
export function notEqual(a: Operand, b: Operand): Tensor {
  return compare("notEqual", notEqualRow, a, b);
}

/** 1 where a < b, else 0 (int32). */
export function less(a: Operand, b: Operand): Tensor {
  return compare("less", lessRow, a, b);
}

/** 1 where a <= b, else 0 (int32). */
export function lessEqual(a: Operand, b: Operand): Tensor {
  return compare("lessEqual", lessEqualRow, a, b);
}

/** 1 where a > b, else 0 (int32). */
export function greater(a: Operand, b: Operand): Tensor {
  return compare("greater", greaterRow, a, b);
}

/** 1 where a >= b, else 0 (int32). */
export function greaterEqual(a: Operand, b: Operand): Tensor {
  return compare("greaterEqual", greaterEqualRow, a, b);
}

/**
 * a where cond is nonzero, else b; all three broadcast together. The result has a and b's
 * promoted dtype (cond's dtype does not matter).
 */
export function where(cond: Operand, a: Operand, b: Operand): Tensor {
  const dtype = resultDtype("where", a, b);
  checkOperand("where", cond);
  const c = asTensor(cond, "float64");
  const x = asTensor(a, dtype);
  const y = asTensor(b, dtype);
  const cd = c.data;
  const xd = x.data;
  const yd = y.data;
  if (sameShape(c.shape, x.shape) && sameShape(c.shape, y.shape)) {
    const out = allocate(dtype, c.size);
    for (let i = 0; i < out.length; i++) out[i] = cd[i] !== 0 ? xd[i]! : yd[i]!;
    return new Tensor(out, c.shape);
  }
  const outShape = broadcastShapesFor("where", [c.shape, x.shape, y.shape]);
  const out = allocate(dtype, shapeSize(outShape), "where", outShape);
  if (out.length === 0) return new Tensor(out, outShape);
  const plan = planBroadcast(outShape, [c.shape, x.shape, y.shape]);
  const last = plan.dims.length - 1;
  const cs = plan.strides[0]![last]!;
  const xs = plan.strides[1]![last]!;
  const ys = plan.strides[2]![last]!;
  forEachRow(plan, (o, offsets, n) => {
    let ci = offsets[0]!;
    let xi = offsets[1]!;
    let yi = offsets[2]!;
    for (let i = 0; i < n; i++, ci += cs, xi += xs, yi += ys) out[o + i] = cd[ci] !== 0 ? xd[xi]! : yd[yi]!;
  });
  return new Tensor(out, outShape);
}
