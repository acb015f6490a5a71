import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

// The backward passes are single loops: g has the output's shape and dtype, which is x's shape.

/** max(x, 0); the gradient at 0 is 0. */
export function relu(a: Input): Variable {
  const x = asVariable(a, undefined, "relu");
  return record(
    "relu",
    [x],
    T.relu(x.value),
    (g) => {
      const gd = g.data;
      const xd = x.value.data;
      if (gd instanceof Float32Array && xd instanceof Float32Array)
        return [new T.Tensor(reluBackwardFloat32(xd, gd), g.shape)];
      // dx starts zeroed, so only the positive entries are written: measured ~1.6× faster than
      // storing a 0 for every inactive unit.
      const dx = T.allocate(g.dtype, g.size);
      const n = dx.length;
      for (let i = 0; i < n; i++) if (xd[i]! > 0) dx[i] = gd[i]!;
      return [new T.Tensor(dx, g.shape)];
    },
    [x.value],
  );
}

/**
 * All ones when the float32 with bit pattern b is not positive (negative, ±0 or NaN), else 0:
 * the sign bit of b (negatives, -0), of b − 1 (+0), or of the magnitude's distance below
 * Infinity's pattern (NaN). The float32 loops below select with it instead of comparing floats:
 * the signs of real activations are random, so a comparison mispredicts for about every second
 * element (relu's and leakyRelu's forward and backward measured 2–3× faster this way).
 */
function notPositive(b: number): number {
  return (b | (b - 1) | (0x7f800000 - (b & 0x7fffffff))) >> 31;
}

/** dx = g where x > 0, else +0. */
function reluBackwardFloat32(x: Float32Array, g: Float32Array): Float32Array {
  const n = g.length;
  const dx = new Float32Array(n);
  const xBits = new Int32Array(x.buffer, x.byteOffset, n);
  const gBits = new Int32Array(g.buffer, g.byteOffset, n);
  const dxBits = new Int32Array(dx.buffer);
  for (let i = 0; i < n; i++) dxBits[i] = gBits[i]! & ~notPositive(xBits[i]!);
  return dx;
}

/**
 * v where x > 0, else slope·v (v = x in the forward, g in the backward): slope·v is stored, so
 * rounded to float32, then its bits or v's are kept.
 */
function leakyFloat32(x: Float32Array, v: Float32Array, slope: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const xBits = new Int32Array(x.buffer, x.byteOffset, n);
  const vBits = new Int32Array(v.buffer, v.byteOffset, n);
  const outBits = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    out[i] = slope * v[i]!;
    const off = notPositive(xBits[i]!);
    outBits[i] = (vBits[i]! & ~off) | (outBits[i]! & off);
  }
  return out;
}

/** x for x > 0, slope·x otherwise (the gradient at 0 is slope). int32 input gives float32. */
export function leakyRelu(a: Input, slope = 0.01): Variable {
  if (typeof slope !== "number" || !Number.isFinite(slope)) {
    throw new Error(`leakyRelu: slope must be a finite number, got ${T.formatValue(slope)}`);
  }
  const x = asVariable(a, undefined, "leakyRelu");
  const xv = x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
  const xd = xv.data;
  let out: T.TypedArray;
  if (xd instanceof Float32Array) {
    out = leakyFloat32(xd, xd, slope);
  } else {
    out = T.allocate(xv.dtype, xv.size);
    for (let i = 0; i < out.length; i++) {
      const v = xd[i]!;
      out[i] = v > 0 ? v : slope * v;
    }
  }
  return record(
    "leakyRelu",
    [x],
    new T.Tensor(out, xv.shape),
    (g) => {
      const gd = g.data;
      if (gd instanceof Float32Array && xd instanceof Float32Array)
        return [new T.Tensor(leakyFloat32(xd, gd, slope), g.shape)];
      const dx = T.allocate(g.dtype, g.size);
      for (let i = 0; i < dx.length; i++) dx[i] = xd[i]! > 0 ? gd[i]! : slope * gd[i]!;
      return [new T.Tensor(dx, g.shape)];
    },
    [xv],
  );
}

/** 1 / (1 + e^-x) (stable for large |x| in the tensor op); dx = g·y·(1 - y). */
export function sigmoid(a: Input): Variable {
  const x = asVariable(a, undefined, "sigmoid");
  const out = T.sigmoid(x.value);
  return record(
    "sigmoid",
    [x],
    out,
    (g) => {
      const gd = g.data;
      const yd = out.data;
      const dx = T.allocate(g.dtype, g.size);
      for (let i = 0; i < dx.length; i++) {
        const y = yd[i]!;
        dx[i] = gd[i]! * y * (1 - y);
      }
      return [new T.Tensor(dx, g.shape)];
    },
    [out],
  );
}

/** dx = g·(1 - y²). */
export function tanh(a: Input): Variable {
  const x = asVariable(a, undefined, "tanh");
  const out = T.tanh(x.value);
  return record(
    "tanh",
    [x],
    out,
    (g) => {
      const gd = g.data;
      const yd = out.data;
      const dx = T.allocate(g.dtype, g.size);
      for (let i = 0; i < dx.length; i++) {
        const y = yd[i]!;
        dx[i] = gd[i]! * (1 - y * y);
      }
      return [new T.Tensor(dx, g.shape)];
    },
    [out],
  );
}

/** min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi (bounds included, as in PyTorch). */
export function clip(a: Input, lo: number, hi: number): Variable {
  const x = asVariable(a, undefined, "clip");
  return record(
    "clip",
    [x],
    T.clip(x.value, lo, hi),
    (g) => {
      const gd = g.data;
      const xd = x.value.data;
      const dx = T.allocate(g.dtype, g.size);
      for (let i = 0; i < dx.length; i++) {
        const v = xd[i]!;
        dx[i] = v >= lo && v <= hi ? gd[i]! : 0;
      }
      return [new T.Tensor(dx, g.shape)];
    },
    [x.value],
  );
}
