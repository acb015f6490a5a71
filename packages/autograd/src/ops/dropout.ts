import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

export interface DropoutOptions {
  /** Source of the mask; default the global generator (see manualSeed). */
  generator?: T.Generator;
  /** When false the op is the identity (evaluation). Default true. */
  training?: boolean;
}

/**
 * Inverted dropout: in training each element is zeroed with probability p and the kept ones are
 * scaled by 1/(1-p), so evaluation needs no rescaling and is the identity. p = 1 drops everything.
 * Backward multiplies by the same scaled mask.
 */
export function dropout(a: Input, p: number, options: DropoutOptions = {}): Variable {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new Error(`dropout: p must be a probability in [0, 1], got ${T.formatValue(p)}`);
  }
  T.checkOptions("dropout", options, ["generator", "training"]);
  const x = asVariable(a, undefined, "dropout");
  const { generator = T.defaultGenerator(), training = true } = options;
  if (!training || p === 0) return x;
  const xv = x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const xd = xv.data;
  const mask = T.allocate(xv.dtype, xv.size);
  const out = T.allocate(xv.dtype, xv.size);
  for (let i = 0; i < out.length; i++) {
    const m = generator.random() < p ? 0 : scale;
    mask[i] = m;
    out[i] = xd[i]! * m;
  }
  return record("dropout", [x], new T.Tensor(out, xv.shape), (g) => [T.mul(g, new T.Tensor(mask, xv.shape))], []);
}
