import { describe } from "../describe.js";
import { formatValue } from "../format.js";
import { allocate, formatShape, type Shape, shapeSize, stridesOf, Tensor, type TypedArray } from "../tensor.js";
import { reshape } from "./shape.js";
import { checkTensor, normalizeAxis, promote } from "./util.js";

/**
 * Copies a block of `block` shape between two row-major arrays: element index (i0, ..., ik) goes
 * from srcOffset + Σ i·srcStrides to dstOffset + Σ i·dstStrides. Rows (the last axis) are
 * contiguous on both sides.
 */
function copyBlock(
  src: TypedArray,
  srcStrides: readonly number[],
  srcOffset: number,
  dst: TypedArray,
  dstStrides: readonly number[],
  dstOffset: number,
  block: readonly number[],
): void {
  const rank = block.length;
  if (rank === 0) {
    dst[dstOffset] = src[srcOffset]!;
    return;
  }
  const rows = shapeSize(block.slice(0, -1));
  const n = block[rank - 1]!;
  if (rows === 0 || n === 0) return;
  const index = new Array<number>(rank - 1).fill(0);
  let s = srcOffset;
  let d = dstOffset;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
    for (let ax = rank - 2; ax >= 0; ax--) {
      index[ax]!++;
      s += srcStrides[ax]!;
      d += dstStrides[ax]!;
      if (index[ax]! < block[ax]!) break;
      index[ax] = 0;
      s -= srcStrides[ax]! * block[ax]!;
      d -= dstStrides[ax]! * block[ax]!;
    }
  }
}

function checkIndexList(op: string, name: string, list: unknown, rank: number): readonly number[] {
  if (!Array.isArray(list))
    throw new Error(`${op}: ${name} must be an array with one entry per axis, got ${describe(list)}`);
  if (list.length > rank) throw new Error(`${op}: ${name} has ${list.length} entries but the tensor has ${rank} axes`);
  for (const v of list as unknown[]) {
    if (v !== undefined && !Number.isInteger(v))
      throw new Error(`${op}: ${name} ${formatShape(list as number[])} must hold integers`);
  }
  return list as number[];
}

/**
 * The sub-tensor [begin, end) along each axis (a copy). `begin`/`end` may be shorter than the rank
 * (missing axes are taken whole); negative entries count from the end; both clamp to the axis,
 * and an end before its begin gives an empty axis.
 */
export function slice(t: Tensor, begin: readonly number[], end?: readonly number[]): Tensor {
  checkTensor("slice", t);
  const b = checkIndexList("slice", "begin", begin, t.rank);
  const e = end === undefined ? [] : checkIndexList("slice", "end", end, t.rank);
  const clamp = (v: number, dim: number): number => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
  const starts: number[] = [];
  const outShape: number[] = [];
  t.shape.forEach((dim, ax) => {
    const lo = clamp(b[ax] ?? 0, dim);
    const hi = clamp(e[ax] ?? dim, dim);
    starts.push(lo);
    outShape.push(Math.max(hi - lo, 0));
  });
  const strides = t.strides;
  let offset = 0;
  starts.forEach((s, ax) => (offset += s * strides[ax]!));
  const out = allocate(t.dtype, shapeSize(outShape));
  copyBlock(t.data, strides, offset, out, stridesOf(outShape), 0, outShape);
  return new Tensor(out, outShape);
}

/** Zero padding: pads[d] = [before, after] for axis d (missing trailing axes are not padded). */
export function pad(t: Tensor, pads: readonly (readonly [number, number])[]): Tensor {
  checkTensor("pad", t);
  if (!Array.isArray(pads) || pads.length > t.rank) {
    throw new Error(
      `pad: pads must be an array of at most ${t.rank} [before, after] pairs (one per axis), got ${describe(pads)}`,
    );
  }
  pads.forEach((p, ax) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error(`pad: pads[${ax}] must be [before, after] with non-negative integers, got ${formatValue(p)}`);
    }
  });
  const outShape = t.shape.map((d, ax) => d + (pads[ax]?.[0] ?? 0) + (pads[ax]?.[1] ?? 0));
  const outStrides = stridesOf(outShape);
  let offset = 0;
  pads.forEach((p, ax) => (offset += p[0] * outStrides[ax]!));
  const out = allocate(t.dtype, shapeSize(outShape), "pad", outShape);
  copyBlock(t.data, t.strides, 0, out, outStrides, offset, t.shape);
  return new Tensor(out, outShape);
}

function checkList(op: string, ts: readonly Tensor[]): void {
  if (!Array.isArray(ts) || ts.length === 0)
    throw new Error(`${op}: expected a non-empty array of tensors, got ${describe(ts)}`);
  ts.forEach((t, i) => checkTensor(op, t, `tensor ${i}`));
}

/** Joins tensors along an existing axis; all other axes must match. dtypes promote. */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  checkList("concat", ts);
  const first = ts[0]!;
  const ax = normalizeAxis("concat", axis, first.rank);
  let dtype = first.dtype;
  let total = 0;
  ts.forEach((t, i) => {
    const same = t.rank === first.rank && t.shape.every((d, k) => k === ax || d === first.shape[k]);
    if (!same) {
      throw new Error(
        `concat: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(first.shape)}; all axes except axis ${axis} must match`,
      );
    }
    dtype = promote(dtype, t.dtype);
    total += t.shape[ax]!;
  });
  const outShape: Shape = first.shape.map((d, k) => (k === ax ? total : d));
  const out = allocate(dtype, shapeSize(outShape), "concat", outShape);
  // Each input contributes one contiguous chunk per index of the axes before `axis`.
  const outer = shapeSize(first.shape.slice(0, ax));
  const inner = shapeSize(first.shape.slice(ax + 1));
  const rowLength = total * inner;
  let start = 0;
  for (const t of ts) {
    const chunk = t.shape[ax]! * inner;
    const src = t.data;
    for (let o = 0; o < outer; o++) {
      const s = o * chunk;
      const d = o * rowLength + start;
      for (let i = 0; i < chunk; i++) out[d + i] = src[s + i]!;
    }
    start += chunk;
  }
  return new Tensor(out, outShape);
}

/** Joins same-shape tensors along a new axis (in [-(rank+1), rank]). */
export function stack(ts: readonly Tensor[], axis = 0): Tensor {
  checkList("stack", ts);
  const first = ts[0]!;
  const ax = normalizeAxis("stack", axis, first.rank + 1);
  ts.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, k) => d !== first.shape[k])) {
      throw new Error(
        `stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(first.shape)}; all must match`,
      );
    }
  });
  const expanded = [...first.shape];
  expanded.splice(ax, 0, 1);
  return concat(
    ts.map((t) => reshape(t, expanded)),
    ax,
  );
}
