import { gradcheck, mul, noGrad, sum, Variable } from "@nabla/autograd";
import { Generator, randn, type Tensor } from "@nabla/tensor";
import { expect } from "vitest";
import type { Module } from "../src/index.js";

// Central-difference gradient checks for layers, shared by the layer test files.

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

/**
 * Gradient check of a module in float64: the input's gradient through autograd's gradcheck, and
 * every parameter's gradient against central differences of sum(forward(x)·w) for a fixed w.
 */
export function checkModule(module: Module, x: Tensor): void {
  module.to("float64");
  gradcheck((v) => module.forward(v), [x]);
  if (module.parameters().length === 0) return;
  const out = noGrad(() => module.forward(new Variable(x)));
  const w = randn([...out.shape], { generator: new Generator(99), dtype: "float64" });
  checkGradients(() => sum(mul(module.forward(new Variable(x)), w)), module.namedParameters());
}
