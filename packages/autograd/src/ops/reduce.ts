import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";
import { keptShape } from "./axes.js";

// `axes` undefined reduces everything; the gradient is reshaped to the keepdims shape and
// broadcast back over the reduced axes.

export function sum(a: Input, axes?: T.Axes, keepdims = false): Variable {
  const x = asVariable(a, undefined, "sum");
  const out = T.sum(x.value, axes, keepdims);
  const kept = keptShape(x.shape, axes);
  return record("sum", [x], out, (g) => [T.broadcastTo(T.reshape(g, kept), x.shape)], []);
}

export function mean(a: Input, axes?: T.Axes, keepdims = false): Variable {
  const x = asVariable(a, undefined, "mean");
  const out = T.mean(x.value, axes, keepdims);
  const kept = keptShape(x.shape, axes);
  const count = x.size / Math.max(T.shapeSize(kept), 1);
  return record("mean", [x], out, (g) => [T.broadcastTo(T.div(T.reshape(g, kept), count), x.shape)], []);
}

/**
 * Sends each reduced slice's gradient to its first extreme element in row-major order (PyTorch's
 * choice for reductions along a dim), so ties do not multiply the gradient.
 */
function toFirstExtreme(x: T.Tensor, best: T.Tensor, g: T.Tensor): T.Tensor {
  const shape = x.shape;
  const rank = shape.length;
  // Offset of x's element in the keepdims result: reduced axes (size 1 there) do not move it.
  const step = best.strides.map((s, d) => (best.shape[d] === 1 ? 0 : s));
  const xd = x.data;
  const bd = best.data;
  const gd = g.data;
  const dx = T.allocate(g.dtype, x.size);
  const taken = new Uint8Array(best.size);
  const coord = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    const b = bd[o]!;
    if (taken[o] === 0 && (v === b || (v !== v && b !== b))) {
      dx[i] = gd[o]!;
      taken[o] = 1;
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < shape[d]!) {
        o += step[d]!;
        break;
      }
      o -= step[d]! * (shape[d]! - 1);
      coord[d] = 0;
    }
  }
  return new T.Tensor(dx, shape);
}

export function max(a: Input, axes?: T.Axes, keepdims = false): Variable {
  const x = asVariable(a, undefined, "max");
  const out = T.max(x.value, axes, keepdims);
  const kept = keptShape(x.shape, axes);
  return record("max", [x], out, (g) => [toFirstExtreme(x.value, T.reshape(out, kept), T.reshape(g, kept))], [
    x.value,
    out,
  ]);
}

export function min(a: Input, axes?: T.Axes, keepdims = false): Variable {
  const x = asVariable(a, undefined, "min");
  const out = T.min(x.value, axes, keepdims);
  const kept = keptShape(x.shape, axes);
  return record("min", [x], out, (g) => [toFirstExtreme(x.value, T.reshape(out, kept), T.reshape(g, kept))], [
    x.value,
    out,
  ]);
}

/**
 * Stable log Σ exp x (in the tensor op). The gradient is g·softmax(x). exp(x - out) alone would
 * carry out's rounding (float32 spacing is ~1e-3 at 1e4) into every element; dividing by its own
 * sum cancels that factor exactly.
 */
export function logsumexp(a: Input, axes?: T.Axes, keepdims = false): Variable {
  const x = asVariable(a, undefined, "logsumexp");
  const out = T.logsumexp(x.value, axes, keepdims);
  const kept = keptShape(x.shape, axes);
  return record(
    "logsumexp",
    [x],
    out,
    (g) => {
      const e = T.exp(T.sub(x.value, T.reshape(out, kept)));
      return [T.mul(T.reshape(g, kept), T.div(e, T.sum(e, axes, true)))];
    },
    [x.value, out],
  );
}

/**
 * Index of the largest element along `axis` (of the flattened input when undefined), as an int32
 * Tensor, for Variables and Tensors alike. Indices have no gradient, so nothing is recorded.
 */
export function argmax(a: Input, axis?: number, keepdims = false): T.Tensor {
  return T.argmax(asVariable(a, undefined, "argmax").value, axis, keepdims);
}

/** Index of the smallest element along `axis`, as argmax. */
export function argmin(a: Input, axis?: number, keepdims = false): T.Tensor {
  return T.argmin(asVariable(a, undefined, "argmin").value, axis, keepdims);
}
