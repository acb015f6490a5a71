import { record, type Variable } from "@nabla/autograd";
import { allocate, broadcastTo, checkOptions, describe, formatShape, Tensor, type TypedArray } from "@nabla/tensor";
import { checkReduction, floatOperand, type Reduction, scalarTensor } from "./reduction.js";

const OP = "bceWithLogits";

export interface BceWithLogitsOptions {
  reduction?: Reduction;
  /** Weight p of the positive term, broadcast against the logits (typically one per class, [C]). */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on logits x with targets t in [0, 1], as one graph node:
 *
 *     loss = −p·t·log σ(x) − (1 − t)·log(1 − σ(x)) = (1 − t)·x + (1 + (p − 1)·t)·softplus(−x)
 *
 * with softplus(−x) = max(−x, 0) + log(1 + exp(−|x|)), which is finite and exact for any x
 * (PyTorch's `binary_cross_entropy_with_logits`, p = posWeight, 1 by default). Gradients:
 * ∂/∂x = (1 − t) − (1 + (p − 1)·t)·σ(−x) (σ(x) − t when p = 1) and ∂/∂t = −x + (p − 1)·softplus(−x).
 * The target must have the logits' shape.
 */
export function bceWithLogits(
  logits: Variable | Tensor,
  target: Variable | Tensor,
  options: BceWithLogitsOptions = {},
): Variable {
  const x = floatOperand(OP, "logits", logits);
  const t = floatOperand(OP, "target", target);
  checkOptions(OP, options, ["reduction", "posWeight"]);
  const { reduction = "mean", posWeight } = options;
  checkReduction(OP, reduction);
  if (x.rank !== t.rank || x.shape.some((d, i) => d !== t.shape[i])) {
    throw new Error(
      `${OP}: logits ${formatShape(x.shape)} and target ${formatShape(t.shape)} differ in shape; expected equal shapes`,
    );
  }
  const pw = posWeight === undefined ? null : expandTo(posWeight, x.shape);
  const n = x.size;
  const xd = x.value.data;
  const td = t.value.data;

  const out = reduction === "none" ? allocate(x.dtype, n) : null;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const xk = xd[k]!;
    const tk = td[k]!;
    const lw = pw === null ? 1 : 1 + (pw[k]! - 1) * tk;
    const loss = (1 - tk) * xk + lw * softplusNeg(xk);
    if (out !== null) out[k] = loss;
    total += loss;
  }
  const value =
    out !== null ? new Tensor(out, x.shape) : scalarTensor(reduction === "sum" ? total : total / n, x.dtype);

  return record(OP, [x, t], value, (g) => {
    const gd = g.data;
    const dx = x.requiresGrad ? allocate(x.dtype, n) : null;
    const dt = t.requiresGrad ? allocate(t.dtype, n) : null;
    const shared = reduction === "none" ? 0 : reduction === "sum" ? gd[0]! : gd[0]! / n;
    for (let k = 0; k < n; k++) {
      const scale = reduction === "none" ? gd[k]! : shared;
      const xk = xd[k]!;
      const tk = td[k]!;
      const p = pw === null ? 1 : pw[k]!;
      if (dx !== null) dx[k] = (1 - tk - (1 + (p - 1) * tk) * sigmoidNeg(xk)) * scale;
      if (dt !== null) dt[k] = (-xk + (p - 1) * softplusNeg(xk)) * scale;
    }
    return [dx && new Tensor(dx, x.shape), dt && new Tensor(dt, t.shape)];
  });
}

/** softplus(−x) = log(1 + exp(−x)), without overflow for x ≪ 0 or loss of digits for x ≫ 0. */
function softplusNeg(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(−x) = 1 − σ(x), from whichever side keeps exp from overflowing. */
function sigmoidNeg(x: number): number {
  if (x >= 0) {
    const e = Math.exp(-x);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(x));
}

/** posWeight's values over the logits' shape: it may broadcast to the logits, not the other way. */
function expandTo(pw: Tensor, shape: readonly number[]): TypedArray {
  if (!(pw instanceof Tensor)) throw new Error(`${OP}: posWeight must be a Tensor, got ${describe(pw)}`);
  const offset = shape.length - pw.rank;
  if (offset < 0 || pw.shape.some((d, i) => d !== 1 && d !== shape[offset + i])) {
    throw new Error(
      `${OP}: posWeight ${formatShape(pw.shape)} does not broadcast to the logits' shape ${formatShape(shape)}`,
    );
  }
  return broadcastTo(pw, shape).data;
}
