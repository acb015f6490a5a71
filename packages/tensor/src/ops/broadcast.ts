import { formatValue } from "../format.js";
import { allocate, checkShape, formatShape, type Shape, shapeSize, Tensor, type TypedArray } from "../tensor.js";
import { sum } from "./reduce.js";
import { checkTensor, sameShape } from "./util.js";

function formatShapes(shapes: readonly Shape[]): string {
  const parts = shapes.map(formatShape);
  return parts.length <= 2 ? parts.join(" and ") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** NumPy broadcasting: align trailing axes; each pair of sizes must be equal or contain a 1. */
export function broadcastShapesFor(op: string, shapes: readonly Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const shift = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[shift + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[shift + i] = d;
      else throw new Error(`${op}: shapes ${formatShapes(shapes)} do not broadcast`);
    }
  }
  return out;
}

/** The shape that all `shapes` broadcast to (NumPy rules), or an error naming the shapes. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  for (const s of shapes) {
    if (!Array.isArray(s))
      throw new Error(`broadcastShapes: every argument must be a shape (array of sizes), got ${formatValue(s)}`);
    checkShape("broadcastShapes", s);
  }
  return broadcastShapesFor("broadcastShapes", shapes);
}

/**
 * How to walk a broadcast: the output's axes with size-1 axes dropped and neighbours merged
 * wherever every input is contiguous across them, plus each input's element stride per axis
 * (0 along broadcast axes). The last axis is the innermost loop, a "row".
 */
export interface BroadcastPlan {
  readonly dims: number[];
  readonly strides: number[][];
}

export function planBroadcast(outShape: Shape, shapes: readonly Shape[]): BroadcastPlan {
  const rank = outShape.length;
  const aligned = shapes.map((s) => {
    const st = new Array<number>(rank).fill(0);
    let stride = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const d = s[i]!;
      st[rank - s.length + i] = d === 1 ? 0 : stride;
      stride *= d;
    }
    return st;
  });
  const dims: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let ax = 0; ax < rank; ax++) {
    const d = outShape[ax]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    // Axis ax merges into the previous one when, for every input, stepping the previous axis
    // once equals stepping this axis d times.
    const mergeable = last >= 0 && aligned.every((st, k) => strides[k]![last] === st[ax]! * d);
    if (mergeable) {
      dims[last] = dims[last]! * d;
      aligned.forEach((st, k) => (strides[k]![last] = st[ax]!));
    } else {
      dims.push(d);
      aligned.forEach((st, k) => strides[k]!.push(st[ax]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (const st of strides) st.push(0);
  }
  return { dims, strides };
}

/**
 * Calls `row(outOffset, offsets, n)` for each innermost row of the plan, where offsets[k] is the
 * start of input k's elements for the row (it then advances by strides[k][last] per element).
 * One call per row, never per element; `offsets` is reused between calls.
 */
export function forEachRow(plan: BroadcastPlan, row: (outOffset: number, offsets: number[], n: number) => void): void {
  const { dims, strides } = plan;
  const outer = dims.length - 1;
  const n = dims[outer]!;
  const inputs = strides.length;
  const offsets = new Array<number>(inputs).fill(0);
  let total = 1;
  for (let d = 0; d < outer; d++) total *= dims[d]!;
  const index = new Array<number>(outer).fill(0);
  for (let r = 0; r < total; r++) {
    row(r * n, offsets, n);
    // Odometer over the outer axes, moving each input's offset incrementally.
    for (let d = outer - 1; d >= 0; d--) {
      index[d]!++;
      for (let k = 0; k < inputs; k++) offsets[k]! += strides[k]![d]!;
      if (index[d]! < dims[d]!) break;
      index[d] = 0;
      for (let k = 0; k < inputs; k++) offsets[k]! -= strides[k]![d]! * dims[d]!;
    }
  }
}

/** Copies `t` broadcast to `shape` into `out` (which has shape's size). */
export function broadcastInto(t: Tensor, shape: Shape, out: TypedArray): void {
  if (out.length === 0) return;
  const src = t.data;
  const plan = planBroadcast(shape, [t.shape]);
  const step = plan.strides[0]![plan.strides[0]!.length - 1]!;
  forEachRow(plan, (o, offsets, n) => {
    for (let i = 0, s = offsets[0]!; i < n; i++, s += step) out[o + i] = src[s]!;
  });
}

/** `t` repeated along broadcast axes to `shape` (a copy). */
export function broadcastTo(t: Tensor, shape: Shape): Tensor {
  checkTensor("broadcastTo", t);
  checkShape("broadcastTo", shape);
  const ok = t.rank <= shape.length && t.shape.every((d, i) => d === 1 || d === shape[shape.length - t.rank + i]);
  if (!ok) throw new Error(`broadcastTo: cannot broadcast shape ${formatShape(t.shape)} to ${formatShape(shape)}`);
  if (sameShape(t.shape, shape)) return new Tensor(t.data.slice(), shape);
  const out = allocate(t.dtype, shapeSize(shape), "broadcastTo", shape);
  broadcastInto(t, shape, out);
  return new Tensor(out, shape);
}

/**
 * Sums `t` down to `shape`, which must broadcast to t's shape: the leading axes t has in excess
 * and the axes where `shape` has 1 are summed away. It is the gradient of broadcastTo.
 */
export function sumToShape(t: Tensor, shape: Shape): Tensor {
  checkTensor("sumToShape", t);
  checkShape("sumToShape", shape);
  const extra = t.rank - shape.length;
  const ok = extra >= 0 && shape.every((d, i) => d === t.shape[extra + i] || d === 1);
  if (!ok)
    throw new Error(
      `sumToShape: shape ${formatShape(shape)} does not broadcast to ${formatShape(t.shape)}; cannot sum ${formatShape(t.shape)} down to it`,
    );
  const axes: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    if (i < extra || (shape[i - extra] === 1 && t.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return new Tensor(t.data.slice(), shape);
  const s = sum(t, axes);
  return new Tensor(s.data, shape);
}
