import { type Tensor, formatShape, zerosLike } from "@nabla/tensor";
import { Variable } from "./variable.js";

/**
 * The function's value and its gradient with respect to every input, in the functional style:
 * `valueAndGrad((x, y) => sum(mul(x, y)))(a, b)`. fn must return a scalar.
 */
export function valueAndGrad(
  fn: (...inputs: Variable[]) => Variable,
): (...inputs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...inputs) => {
    const vars = inputs.map((t) => new Variable(t, { requiresGrad: t.dtype !== "int32" }));
    const out = fn(...vars);
    if (out.size !== 1) throw new Error(`valueAndGrad: fn must return a scalar, got shape ${formatShape(out.shape)}`);
    if (out.requiresGrad) out.backward();
    return { value: out.value, grads: vars.map((v) => v.grad ?? zerosLike(v.value)) };
  };
}

/** The gradient of a scalar function with respect to every input. */
export function grad(fn: (...inputs: Variable[]) => Variable): (...inputs: Tensor[]) => Tensor[] {
  const both = valueAndGrad(fn);
  return (...inputs) => both(...inputs).grads;
}
