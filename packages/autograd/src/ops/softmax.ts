import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";
import { axisLayout, normalizeAxis } from "./axes.js";

// Element j of slice (o, i) along the axis sits at base + j·inner, base = o·n·inner + i.
// Sums run in double precision whatever the storage.

function floatValue(x: Variable): T.Tensor {
  return x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
}

/** exp(x - max) / Σ exp(x - max) along `axis`. Backward: dx = y·(g - Σ g·y). */
export function softmax(a: Input, axis = -1): Variable {
  const x = asVariable(a, undefined, "softmax");
  const xv = floatValue(x);
  const { outer, n, inner } = axisLayout(xv.shape, normalizeAxis("softmax", axis, xv.rank));
  const xd = xv.data;
  const y = T.allocate(xv.dtype, xv.size);
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
  const out = new T.Tensor(y, xv.shape);
  return record(
    "softmax",
    [x],
    out,
    (g) => {
      const gd = g.data;
      const dx = T.allocate(g.dtype, g.size);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let dot = 0;
          for (let j = 0; j < n; j++) dot += gd[base + j * inner]! * y[base + j * inner]!;
          for (let j = 0; j < n; j++) {
            const k = base + j * inner;
            dx[k] = y[k]! * (gd[k]! - dot);
          }
        }
      }
      return [new T.Tensor(dx, g.shape)];
    },
    [out],
  );
}

/** x - max - log Σ exp(x - max) along `axis`, never log(softmax). Backward: dx = g - softmax·Σ g. */
export function logSoftmax(a: Input, axis = -1): Variable {
  const x = asVariable(a, undefined, "logSoftmax");
  const xv = floatValue(x);
  const { outer, n, inner } = axisLayout(xv.shape, normalizeAxis("logSoftmax", axis, xv.rank));
  const xd = xv.data;
  const y = T.allocate(xv.dtype, xv.size);
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
  const out = new T.Tensor(y, xv.shape);
  return record(
    "logSoftmax",
    [x],
    out,
    (g) => {
      const gd = g.data;
      const dx = T.allocate(g.dtype, g.size);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let total = 0;
          for (let j = 0; j < n; j++) total += gd[base + j * inner]!;
          for (let j = 0; j < n; j++) {
            const k = base + j * inner;
            dx[k] = gd[k]! - Math.exp(y[k]!) * total;
          }
        }
      }
      return [new T.Tensor(dx, g.shape)];
    },
    [out],
  );
}
