import { type GradcheckOptions, gradcheck, gradcheckLeaves, mul, noGrad, sum, Variable } from "@nabla/autograd";
import { checkOptions, describe, Generator, randn, Tensor } from "@nabla/tensor";
import { Module } from "./module.js";

export type GradcheckModuleOptions = Pick<GradcheckOptions, "eps" | "atol" | "rtol" | "seed">;

/**
 * Checks a module's backward against central differences in float64, for a layer author: the
 * input's gradient (through `gradcheck`) and every parameter's, for the scalar sum(forward(x)·w)
 * with a fixed random w. Converts the module to float64 first. Throws an Error naming the first
 * parameter element whose gradient differs by more than atol + rtol·|numeric| (see gradcheckLeaves).
 */
export function gradcheckModule(module: Module, x: Tensor, options: GradcheckModuleOptions = {}): void {
  checkOptions("gradcheckModule", options, ["eps", "atol", "rtol", "seed"]);
  if (!(module instanceof Module)) throw new Error(`gradcheckModule: expected a Module, got ${describe(module)}`);
  if (!(x instanceof Tensor)) throw new Error(`gradcheckModule: x must be a float64 Tensor, got ${describe(x)}`);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4, seed = 0 } = options;
  module.to("float64");
  gradcheck((v) => module.forward(v), [x], { eps, atol, rtol, seed });
  const params = module.namedParameters();
  if (params.length === 0) return;
  const out = noGrad(() => module.forward(new Variable(x)));
  const w = randn([...out.shape], { generator: new Generator(seed), dtype: "float64" });
  const loss = (): Variable => sum(mul(module.forward(new Variable(x)), w));
  gradcheckLeaves(loss, params, { eps, atol, rtol });
}
