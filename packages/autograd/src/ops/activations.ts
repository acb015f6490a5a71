import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

// The backward passes are single loops: g has the output's shape and dtype, which is x's shape.

/** The float storage of a tensor the activations' kernels read (int32 inputs were cast before). */
const floats = (t: T.Tensor): T.FloatArray => t.data as T.FloatArray;

/** t's storage in `dtype` (the gradient's), copied only when it differs. */
const floatsAs = (t: T.Tensor, dtype: T.DType): T.FloatArray => floats(t.dtype === dtype ? t : T.cast(t, dtype));

/** max(x, 0); the gradient at 0 is 0. */
export function relu(a: Input): Variable {
  const x = asVariable(a, undefined, "relu");
  return record(
    "relu",
    [x],
    T.relu(x.value),
    (g) => {
      const dx = T.allocate(g.dtype, g.size) as T.FloatArray;
      T.kernels.reluBackward(g.size, floatsAs(x.value, g.dtype), floats(g), dx);
      return [new T.Tensor(dx, g.shape)];
    },
    [x.value],
  );
}

/** x for x > 0, slope·x otherwise (the gradient at 0 is slope). int32 input gives float32. */
export function leakyRelu(a: Input, slope = 0.01): Variable {
  if (typeof slope !== "number" || !Number.isFinite(slope)) {
    throw new Error(`leakyRelu: slope must be a finite number, got ${T.formatValue(slope)}`);
  }
  const x = asVariable(a, undefined, "leakyRelu");
  const xv = x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
  const xd = floats(xv);
  const out = T.allocate(xv.dtype, xv.size) as T.FloatArray;
  T.kernels.leakyRelu(xv.size, xd, xd, slope, out);
  return record(
    "leakyRelu",
    [x],
    new T.Tensor(out, xv.shape),
    (g) => {
      const dx = T.allocate(g.dtype, g.size) as T.FloatArray;
      T.kernels.leakyRelu(g.size, floatsAs(xv, g.dtype), floats(g), slope, dx);
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
      const dx = T.allocate(g.dtype, g.size) as T.FloatArray;
      T.kernels.sigmoidBackward(g.size, floatsAs(out, g.dtype), floats(g), dx);
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
      const dx = T.allocate(g.dtype, g.size) as T.FloatArray;
      T.kernels.tanhBackward(g.size, floatsAs(out, g.dtype), floats(g), dx);
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
