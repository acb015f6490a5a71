import { describe, formatShape, Tensor, zerosLike } from "@nabla/tensor";
import { Variable } from "./variable.js";

/**
 * The function's value and its gradient with respect to every input, in the functional style:
 * `valueAndGrad((x, y) => sum(mul(x, y)))(a, b)`. fn must return a scalar.
 */
export function valueAndGrad(
  fn: (...inputs: Variable[]) => Variable,
): (...inputs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return differentiate("valueAndGrad", fn);
}

/** The gradient of a scalar function with respect to every input. */
export function grad(fn: (...inputs: Variable[]) => Variable): (...inputs: Tensor[]) => Tensor[] {
  const both = differentiate("grad", fn);
  return (...inputs) => both(...inputs).grads;
}

/** valueAndGrad, with `op` (the function the user called) naming it in errors. */
function differentiate(
  op: string,
  fn: (...inputs: Variable[]) => Variable,
): (...inputs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  if (typeof fn !== "function") throw new Error(`${op}: expected a function of Variables, got ${describe(fn)}`);
  return (...inputs) => {
    inputs.forEach((t: unknown, i) => {
      if (!(t instanceof Tensor)) {
        const hint = t instanceof Variable ? ` (pass its .value: ${op} makes the Variables itself)` : "";
        throw new Error(`${op}: input ${i} must be a Tensor, got ${describe(t)}${hint}`);
      }
    });
    const vars = inputs.map((t) => new Variable(t, { requiresGrad: t.dtype !== "int32" }));
    const out = fn(...vars);
    if (!(out instanceof Variable)) throw new Error(`${op}: fn must return a Variable, got ${describe(out)}`);
    if (out.size !== 1) throw new Error(`${op}: fn must return a scalar, got shape ${formatShape(out.shape)}`);
    if (out.requiresGrad) out.backward();
    return { value: out.value, grads: vars.map((v) => v.grad ?? zerosLike(v.value)) };
  };
}
