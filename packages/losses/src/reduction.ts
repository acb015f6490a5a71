import { Variable } from "@nabla/autograd";
import { allocate, type DType, describe, Tensor } from "@nabla/tensor";

/** How per-element losses become the result: their mean (default), their sum, or all of them. */
export type Reduction = "mean" | "sum" | "none";

/** A loss in the shape a trainer takes: prediction first, target second. */
export type Loss = (prediction: Variable, target: Tensor) => Variable;

export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction === "mean" || reduction === "sum" || reduction === "none") return reduction;
  throw new Error(`${op}: unknown reduction '${String(reduction)}'; expected 'mean', 'sum' or 'none'`);
}

/** A differentiable float operand: a Variable, or a Tensor taken as a constant. */
export function floatOperand(op: string, what: string, x: Variable | Tensor): Variable {
  const v = x instanceof Variable ? x : x instanceof Tensor ? new Variable(x) : null;
  if (v === null) throw new Error(`${op}: ${what} must be a Variable or Tensor, got ${describe(x)}`);
  if (v.dtype === "int32") throw new Error(`${op}: ${what} must be float32 or float64, got int32`);
  return v;
}

/** A 0-d tensor holding `value`. */
export function scalarTensor(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}
