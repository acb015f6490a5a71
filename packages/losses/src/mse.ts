import { record, type Variable } from "@nabla/autograd";
import { allocate, checkOptions, formatShape, Tensor } from "@nabla/tensor";
import { checkReduction, floatOperand, type Reduction, scalarTensor } from "./reduction.js";

const OP = "mse";

/**
 * Mean squared error, Σ_k (p_k − t_k)² / N, as one graph node; 'sum' drops the 1/N and 'none'
 * returns every (p_k − t_k)². The shapes must match exactly: a broadcast here is almost always a
 * bug ([B,1] against [B] silently makes a [B,B] loss), so it is an error rather than PyTorch's warning.
 * Both operands are differentiable: ∂/∂p = 2(p − t)·scale and ∂/∂t = −∂/∂p. The result has the
 * prediction's dtype; an empty 'mean' is NaN, as in PyTorch.
 */
export function mse(
  prediction: Variable | Tensor,
  target: Variable | Tensor,
  options: { reduction?: Reduction } = {},
): Variable {
  const p = floatOperand(OP, "prediction", prediction);
  const t = floatOperand(OP, "target", target);
  checkOptions(OP, options, ["reduction"]);
  const { reduction = "mean" } = options;
  checkReduction(OP, reduction);
  if (p.rank !== t.rank || p.shape.some((d, i) => d !== t.shape[i])) {
    throw new Error(
      `${OP}: prediction ${formatShape(p.shape)} and target ${formatShape(t.shape)} differ in shape; expected equal shapes`,
    );
  }
  const n = p.size;
  const pd = p.value.data;
  const td = t.value.data;

  let value: Tensor;
  if (reduction === "none") {
    const out = allocate(p.dtype, n);
    for (let k = 0; k < n; k++) {
      const d = pd[k]! - td[k]!;
      out[k] = d * d;
    }
    value = new Tensor(out, p.shape);
  } else {
    let total = 0;
    for (let k = 0; k < n; k++) {
      const d = pd[k]! - td[k]!;
      total += d * d;
    }
    value = scalarTensor(reduction === "sum" ? total : total / n, p.dtype);
  }

  return record(OP, [p, t], value, (g) => {
    const gd = g.data;
    const factor = reduction === "mean" ? 2 / n : 2;
    const dp = p.requiresGrad ? allocate(p.dtype, n) : null;
    const dt = t.requiresGrad ? allocate(t.dtype, n) : null;
    for (let k = 0; k < n; k++) {
      const dk = factor * (reduction === "none" ? gd[k]! : gd[0]!) * (pd[k]! - td[k]!);
      if (dp !== null) dp[k] = dk;
      if (dt !== null) dt[k] = -dk;
    }
    return [dp && new Tensor(dp, p.shape), dt && new Tensor(dt, t.shape)];
  });
}
