import { noGrad, type Variable } from "@nabla/autograd";
import { expect } from "vitest";

/**
 * The gradient that loss().backward() leaves in each leaf against (loss(v + eps) − loss(v − eps)) / 2eps,
 * element by element, in float64. Leaves may be inputs, initial states or parameters.
 */
export function checkGradients(loss: () => Variable, leaves: readonly (readonly [string, Variable])[]): void {
  for (const [, v] of leaves) v.zeroGrad();
  loss().backward();
  const eps = 1e-6;
  for (const [name, v] of leaves) {
    expect(v.grad, name).not.toBeNull();
    const d = v.value.data;
    for (let k = 0; k < d.length; k++) {
      const x0 = d[k]!;
      d[k] = x0 + eps;
      const plus = noGrad(() => loss().item());
      d[k] = x0 - eps;
      const minus = noGrad(() => loss().item());
      d[k] = x0;
      const numeric = (plus - minus) / (2 * eps);
      expect(Math.abs(v.grad!.data[k]! - numeric), `${name}[${k}]`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
    }
  }
}
