import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";
import { axisLayout, normalizeAxis } from "./axes.js";

// The forwards are @nabla/tensor's softmax and logSoftmax. Element j of slice (o, i) along the
// axis sits at base + j·inner, base = o·n·inner + i; sums run in double precision.

function floatValue(x: Variable): T.Tensor {
  return x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
}

/** exp(x - max) / Σ exp(x - max) along `axis`. Backward: dx = y·(g - Σ g·y). */
export function softmax(a: Input, axis = -1): Variable {
  const x = asVariable(a, undefined, "softmax");
  const xv = floatValue(x);
  const { outer, n, inner } = axisLayout(xv.shape, normalizeAxis("softmax", axis, xv.rank));
  const out = T.softmax(xv, axis);
  const y = out.data;
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
  const out = T.logSoftmax(xv, axis);
  const y = out.data;
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
