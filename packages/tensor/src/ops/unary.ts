import { kernels } from "../kernels/index.js";
import { allocate, type DType, Tensor, type TypedArray } from "../tensor.js";
import { checkTensor, floatDtype } from "./util.js";

// One plain loop per op over contiguous storage. Ops that stay in the integers (neg, abs, sign,
// relu, square, clip with integer bounds) keep int32; the others compute int32 input as float32.

function prepare(op: string, t: Tensor, dtype: DType): { x: TypedArray; out: TypedArray } {
  checkTensor(op, t);
  return { x: t.data, out: allocate(dtype, t.size) };
}

export function neg(t: Tensor): Tensor {
  const { x, out } = prepare("neg", t, t.dtype);
  for (let i = 0; i < out.length; i++) out[i] = -x[i]!;
  return new Tensor(out, t.shape);
}

export function exp(t: Tensor): Tensor {
  const { x, out } = prepare("exp", t, floatDtype(t.dtype));
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i]!);
  return new Tensor(out, t.shape);
}

/** Natural log (log 0 = -Infinity, log of a negative number = NaN). */
export function log(t: Tensor): Tensor {
  const { x, out } = prepare("log", t, floatDtype(t.dtype));
  for (let i = 0; i < out.length; i++) out[i] = Math.log(x[i]!);
  return new Tensor(out, t.shape);
}

export function sqrt(t: Tensor): Tensor {
  const { x, out } = prepare("sqrt", t, floatDtype(t.dtype));
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i]!);
  return new Tensor(out, t.shape);
}

export function square(t: Tensor): Tensor {
  const { x, out } = prepare("square", t, t.dtype);
  for (let i = 0; i < out.length; i++) {
    const v = x[i]!;
    out[i] = v * v;
  }
  return new Tensor(out, t.shape);
}

export function abs(t: Tensor): Tensor {
  const { x, out } = prepare("abs", t, t.dtype);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(x[i]!);
  return new Tensor(out, t.shape);
}

/** -1, 0 or 1 (NaN stays NaN). */
export function sign(t: Tensor): Tensor {
  const { x, out } = prepare("sign", t, t.dtype);
  for (let i = 0; i < out.length; i++) out[i] = Math.sign(x[i]!);
  return new Tensor(out, t.shape);
}

/** max(x, 0); NaN stays NaN (as in PyTorch), so a diverging network is not silently masked. */
export function relu(t: Tensor): Tensor {
  const { x, out } = prepare("relu", t, t.dtype);
  if (x instanceof Int32Array || out instanceof Int32Array) {
    for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
  } else {
    kernels.reluForward(out.length, x, out);
  }
  return new Tensor(out, t.shape);
}

/**
 * 1 / (1 + e^-x), evaluated as e^x / (1 + e^x) for negative x so that exp never overflows:
 * sigmoid(-1000) is 0 and sigmoid(1000) is 1, never NaN.
 */
export function sigmoid(t: Tensor): Tensor {
  const { x, out } = prepare("sigmoid", t, floatDtype(t.dtype));
  for (let i = 0; i < out.length; i++) {
    const v = x[i]!;
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
  return new Tensor(out, t.shape);
}

export function tanh(t: Tensor): Tensor {
  const { x, out } = prepare("tanh", t, floatDtype(t.dtype));
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]!);
  return new Tensor(out, t.shape);
}

/** min(max(x, lo), hi). Bounds may be ±Infinity; lo must not exceed hi. NaN stays NaN. */
export function clip(t: Tensor, lo: number, hi: number): Tensor {
  checkTensor("clip", t);
  if (typeof lo !== "number" || typeof hi !== "number" || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new Error(`clip: bounds must be numbers, got lo=${String(lo)}, hi=${String(hi)}`);
  }
  if (lo > hi) throw new Error(`clip: lo must not exceed hi, got lo=${lo}, hi=${hi}`);
  // int32 stays int32 unless a finite bound is fractional (an infinite bound never applies).
  const fractional = (v: number): boolean => Number.isFinite(v) && !Number.isInteger(v);
  const dtype = t.dtype === "int32" && (fractional(lo) || fractional(hi)) ? "float32" : t.dtype;
  const { x, out } = prepare("clip", t, dtype);
  for (let i = 0; i < out.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return new Tensor(out, t.shape);
}
