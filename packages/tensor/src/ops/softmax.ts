import { allocate, type Shape, Tensor } from "../tensor.js";
import { cast } from "./shape.js";
import { checkTensor, normalizeAxis } from "./util.js";

// Element j of slice (o, i) along the axis sits at base + j·inner, base = o·n·inner + i.
// Sums run in double precision whatever the storage. int32 input computes in float32.

/** Sizes before, along and after one axis: element (o, j, i) sits at (o·n + j)·inner + i. */
function axisLayout(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { outer, n: shape[axis]!, inner };
}

function floatInput(op: string, t: Tensor): Tensor {
  checkTensor(op, t);
  return t.dtype === "int32" ? cast(t, "float32") : t;
}

/** exp(x - max) / Σ exp(x - max) along `axis` (the last by default). */
export function softmax(t: Tensor, axis = -1): Tensor {
  const x = floatInput("softmax", t);
  const { outer, n, inner } = axisLayout(x.shape, normalizeAxis("softmax", axis, x.rank));
  const xd = x.data;
  const y = allocate(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, xd[base + j * inner]!);
      let s = 0;
      for (let j = 0; j < n; j++) {
        const e = Math.exp(xd[base + j * inner]! - m);
        y[base + j * inner] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let j = 0; j < n; j++) y[base + j * inner] = y[base + j * inner]! * inv;
    }
  }
  return new Tensor(y, x.shape);
}

/** x - max - log Σ exp(x - max) along `axis` (the last by default), never log(softmax). */
export function logSoftmax(t: Tensor, axis = -1): Tensor {
  const x = floatInput("logSoftmax", t);
  const { outer, n, inner } = axisLayout(x.shape, normalizeAxis("logSoftmax", axis, x.rank));
  const xd = x.data;
  const y = allocate(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, xd[base + j * inner]!);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(xd[base + j * inner]! - m);
      const logS = Math.log(s);
      for (let j = 0; j < n; j++) y[base + j * inner] = xd[base + j * inner]! - m - logS;
    }
  }
  return new Tensor(y, x.shape);
}
