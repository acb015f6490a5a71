import { allocate, formatShape, type Shape, Tensor, type TypedArray } from "../tensor.js";
import { permute } from "./shape.js";
import { type Axes, checkTensor, floatDtype, normalizeAxes, normalizeAxis } from "./util.js";

/**
 * A reduction as three nested loops: element (o, j, i) of the input sits at (o·n + j)·inner + i
 * and is reduced over j. Reducing the last axes gives inner = 1 (one contiguous run per output
 * element); reducing the first axes gives outer = 1 (whole rows folded into the output).
 */
interface Layout {
  src: TypedArray;
  outer: number;
  n: number;
  inner: number;
  outShape: number[];
}

function layout(op: string, t: Tensor, axes: Axes | undefined, keepdims: boolean): Layout {
  checkTensor(op, t);
  const reduced = normalizeAxes(op, axes, t.rank);
  const isReduced = new Array<boolean>(t.rank).fill(false);
  for (const a of reduced) isReduced[a] = true;
  const outShape: number[] = [];
  t.shape.forEach((d, i) => {
    if (!isReduced[i]) outShape.push(d);
    else if (keepdims) outShape.push(1);
  });
  // Size-1 axes can count as reduced or kept, so only larger axes decide the pattern.
  let first = -1;
  let last = -1;
  let contiguous = true;
  for (let i = 0; i < t.rank; i++) {
    if (t.shape[i] === 1 || !isReduced[i]) continue;
    if (first < 0) first = i;
    else for (let j = last + 1; j < i; j++) if (t.shape[j] !== 1) contiguous = false;
    last = i;
  }
  if (first < 0) return { src: t.data, outer: t.size, n: 1, inner: 1, outShape };
  if (contiguous) {
    let outer = 1;
    let n = 1;
    let inner = 1;
    t.shape.forEach((d, i) => {
      if (i < first) outer *= d;
      else if (i <= last) n *= d;
      else inner *= d;
    });
    return { src: t.data, outer, n, inner, outShape };
  }
  // Reduced axes interleaved with kept ones: move the reduced axes last (one copy), then reduce rows.
  const kept = t.shape.map((_, i) => i).filter((i) => !isReduced[i]);
  const moved = permute(t, [...kept, ...reduced]);
  let outer = 1;
  for (const i of kept) outer *= t.shape[i]!;
  return { src: moved.data, outer, n: t.size / Math.max(outer, 1), inner: 1, outShape };
}

/** Σ (times `scale`), accumulated in double precision whatever the storage. */
function sumInto(l: Layout, out: TypedArray, scale: number): void {
  const { src, outer, n, inner } = l;
  if (inner === 1) {
    for (let o = 0, base = 0; o < outer; o++, base += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += src[base + j]!;
      out[o] = s * scale;
    }
    return;
  }
  for (let o = 0; o < outer; o++) sumColumns(src, o * n * inner, n, inner, out, o * inner, scale);
}

/**
 * out[dst + i] = scale · Σ_j src[start + j·inner + i] for i < inner: the column sums of an
 * [n, inner] block (e.g. a bias gradient summed over the batch), each accumulated in order over
 * j. Four columns at a time, in registers: a Float64Array of running sums would be loaded and
 * stored for every element (measured 3–4× slower on [64,128]), and one column at a time reads
 * a whole cache line for each element when n is large.
 */
function sumColumns(
  src: TypedArray,
  start: number,
  n: number,
  inner: number,
  out: TypedArray,
  dst: number,
  scale: number,
): void {
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0, k = start + i; j < n; j++, k += inner) {
      s0 += src[k]!;
      s1 += src[k + 1]!;
      s2 += src[k + 2]!;
      s3 += src[k + 3]!;
    }
    out[dst + i] = s0 * scale;
    out[dst + i + 1] = s1 * scale;
    out[dst + i + 2] = s2 * scale;
    out[dst + i + 3] = s3 * scale;
  }
  for (; i < inner; i++) {
    let s = 0;
    for (let j = 0, k = start + i; j < n; j++, k += inner) s += src[k]!;
    out[dst + i] = s * scale;
  }
}

/** Sum over `axes` (all when undefined). int32 stays int32. An empty axis sums to 0. */
export function sum(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const l = layout("sum", t, axes, keepdims);
  const out = allocate(t.dtype, l.outer * l.inner);
  sumInto(l, out, 1);
  return new Tensor(out, l.outShape);
}

/** Mean over `axes`; int32 input gives float32. The mean of an empty axis is NaN (0/0), as in NumPy. */
export function mean(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const l = layout("mean", t, axes, keepdims);
  const out = allocate(floatDtype(t.dtype), l.outer * l.inner);
  sumInto(l, out, 1 / l.n);
  return new Tensor(out, l.outShape);
}

function checkNotEmpty(op: string, t: Tensor, l: Layout): void {
  if (l.n === 0 && l.outer * l.inner > 0) {
    throw new Error(
      `${op}: cannot reduce an empty axis of shape ${formatShape(t.shape)}: ${op} of zero elements is undefined`,
    );
  }
}

/** Max (sign = 1) or min (sign = -1); NaN wins, as in NumPy. */
function extremum(op: string, t: Tensor, axes: Axes | undefined, keepdims: boolean, sign: number): Tensor {
  const l = layout(op, t, axes, keepdims);
  checkNotEmpty(op, t, l);
  const { src, outer, n, inner } = l;
  const out = allocate(t.dtype, outer * inner);
  if (inner === 1) {
    for (let o = 0, base = 0; o < outer; o++, base += n) {
      let m = src[base]!;
      for (let j = 1; j < n; j++) {
        const v = src[base + j]!;
        if ((v - m) * sign > 0 || v !== v) m = v;
      }
      out[o] = m;
    }
  } else {
    for (let o = 0; o < outer; o++) {
      const start = o * n * inner;
      const dst = o * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = src[start + i]!;
      for (let j = 1; j < n; j++) {
        const row = start + j * inner;
        for (let i = 0; i < inner; i++) {
          const v = src[row + i]!;
          const m = out[dst + i]!;
          if ((v - m) * sign > 0 || v !== v) out[dst + i] = v;
        }
      }
    }
  }
  return new Tensor(out, l.outShape);
}

/** Largest element over `axes`. Throws on an empty axis (a max of nothing has no value). */
export function max(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  return extremum("max", t, axes, keepdims, 1);
}

/** Smallest element over `axes`. Throws on an empty axis. */
export function min(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  return extremum("min", t, axes, keepdims, -1);
}

/**
 * log Σ exp(x) over `axes`, computed as m + log Σ exp(x - m) with m the maximum, so it stays
 * finite for |x| ~ 1e4. An empty axis gives -Infinity (log 0); int32 input gives float32.
 */
export function logsumexp(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const l = layout("logsumexp", t, axes, keepdims);
  const { src, outer, n, inner } = l;
  const out = allocate(floatDtype(t.dtype), outer * inner);
  const maxes = new Float64Array(inner);
  const sums = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * n * inner;
    maxes.fill(-Infinity);
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      const row = start + j * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i]!;
        if (v > maxes[i]! || v !== v) maxes[i] = v;
      }
    }
    for (let j = 0; j < n; j++) {
      const row = start + j * inner;
      for (let i = 0; i < inner; i++) sums[i] += Math.exp(src[row + i]! - maxes[i]!);
    }
    const dst = o * inner;
    // An infinite (or NaN) maximum is the answer itself; x - m would be NaN there.
    for (let i = 0; i < inner; i++) {
      const m = maxes[i]!;
      out[dst + i] = Number.isFinite(m) ? m + Math.log(sums[i]!) : m;
    }
  }
  return new Tensor(out, l.outShape);
}

function argExtremum(op: string, t: Tensor, axis: number | undefined, keepdims: boolean, sign: number): Tensor {
  checkTensor(op, t);
  if (axis !== undefined && typeof axis !== "number") {
    throw new Error(
      `${op}: axis must be a single number or undefined (all elements), got ${Array.isArray(axis) ? "an array" : typeof axis}`,
    );
  }
  let outer = 1;
  let n = t.size;
  let inner = 1;
  let outShape: Shape;
  if (axis === undefined) {
    outShape = keepdims ? t.shape.map(() => 1) : [];
  } else {
    const ax = normalizeAxis(op, axis, t.rank);
    t.shape.forEach((d, i) => {
      if (i < ax) outer *= d;
      else if (i > ax) inner *= d;
    });
    n = t.shape[ax]!;
    outShape = keepdims ? t.shape.map((d, i) => (i === ax ? 1 : d)) : t.shape.filter((_, i) => i !== ax);
  }
  if (n === 0 && outer * inner > 0) {
    throw new Error(`${op}: cannot take ${op} of an empty axis (shape ${formatShape(t.shape)})`);
  }
  const src = t.data;
  const out = new Int32Array(outer * inner);
  // Strictly better only, so ties keep the first index; the first NaN wins and stays.
  if (inner === 1) {
    for (let o = 0, base = 0; o < outer; o++, base += n) {
      let b = src[base]!;
      let k = 0;
      for (let j = 1; j < n && b === b; j++) {
        const v = src[base + j]!;
        if ((v - b) * sign > 0 || v !== v) {
          b = v;
          k = j;
        }
      }
      out[o] = k;
    }
    return new Tensor(out, outShape);
  }
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * n * inner;
    const dst = o * inner;
    for (let i = 0; i < inner; i++) best[i] = src[start + i]!;
    for (let j = 1; j < n; j++) {
      const row = start + j * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i]!;
        const b = best[i]!;
        if (b === b && ((v - b) * sign > 0 || v !== v)) {
          best[i] = v;
          out[dst + i] = j;
        }
      }
    }
  }
  return new Tensor(out, outShape);
}

/** Index of the largest element along `axis` (of the flattened tensor when undefined), as int32. Ties: first. */
export function argmax(t: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtremum("argmax", t, axis, keepdims, 1);
}

/** Index of the smallest element along `axis` (of the flattened tensor when undefined), as int32. Ties: first. */
export function argmin(t: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtremum("argmin", t, axis, keepdims, -1);
}
