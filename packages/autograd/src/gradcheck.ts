import { checkOptions, describe, formatShape, Generator, mul, randn, sum, Tensor } from "@nabla/tensor";
import { noGrad, Variable } from "./variable.js";

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on failure (default) or return the report. */
  raise?: boolean;
  /** Seed of the fixed random weighting that turns a non-scalar output into a scalar. */
  seed?: number;
}

export interface GradcheckReport {
  ok: boolean;
  /** Largest |analytic - numeric| - (atol + rtol * |numeric|) over all checked elements (≤ 0 passes). */
  worstExcess: number;
  worst: { input: number; index: number[]; analytic: number; numeric: number; error: number } | null;
  checked: number;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return index;
}

/**
 * Compares the analytic gradient of fn with central differences, element by element, in float64.
 * A non-scalar output is reduced to sum(output * w) with a fixed random w, so every output element
 * contributes. int32 inputs (labels, indices) are passed through as constants.
 */
export function gradcheck(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  checkOptions("gradcheck", options, ["eps", "atol", "rtol", "raise", "seed"]);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4, raise = true, seed = 0 } = options;
  if (typeof fn !== "function") throw new Error(`gradcheck: fn must be a function of Variables, got ${describe(fn)}`);
  if (!Array.isArray(inputs)) throw new Error(`gradcheck: inputs must be an array of Tensors, got ${describe(inputs)}`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    if (t.dtype === "float32") {
      throw new Error(`gradcheck: input ${i} is float32; central differences need float64 (cast it to 'float64')`);
    }
  });
  const differentiable = inputs.map((t) => t.dtype === "float64");
  let weights: Tensor | null = null;
  const scalarOf = (out: Variable): number => {
    if (out.size === 1) return out.value.data[0]!;
    weights ??= randn(out.shape, { generator: new Generator(seed), dtype: "float64" });
    return sum(mul(out.value, weights)).item();
  };

  const vars = inputs.map((t, i) => new Variable(t.clone(), { requiresGrad: differentiable[i]! }));
  const out = fn(...vars);
  if (!(out instanceof Variable)) throw new Error("gradcheck: fn must return a Variable");
  if (out.dtype !== "float64") throw new Error(`gradcheck: fn returned ${out.dtype}; it must compute in float64`);
  if (!out.requiresGrad) throw new Error("gradcheck: the output does not depend on any float64 input");
  scalarOf(out);
  out.backward(out.size === 1 ? undefined : weights!);

  const report: GradcheckReport = { ok: true, worstExcess: -Infinity, worst: null, checked: 0 };
  inputs.forEach((t, i) => {
    if (!differentiable[i]) return;
    const analytic = vars[i]!.grad;
    const probe = t.clone();
    const data = probe.data;
    const evaluate = (): number =>
      noGrad(() => scalarOf(fn(...inputs.map((u, j) => new Variable(j === i ? probe : u.clone())))));
    for (let k = 0; k < data.length; k++) {
      const x = data[k]!;
      data[k] = x + eps;
      const plus = evaluate();
      data[k] = x - eps;
      const minus = evaluate();
      data[k] = x;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic === null ? 0 : analytic.data[k]!;
      const error = Math.abs(a - numeric);
      const excess = Number.isNaN(error) ? Infinity : error - (atol + rtol * Math.abs(numeric));
      report.checked++;
      if (excess > report.worstExcess) {
        report.worstExcess = excess;
        report.worst = { input: i, index: unravel(k, t.shape), analytic: a, numeric, error };
      }
    }
  });
  report.ok = report.worstExcess <= 0;
  if (!report.ok && raise) {
    const w = report.worst!;
    throw new Error(
      `gradcheck: gradient mismatch at input ${w.input} ${formatShape(inputs[w.input]!.shape)} index [${w.index.join(",")}]: ` +
        `analytic ${w.analytic}, numeric ${w.numeric}, error ${w.error.toExponential(3)} (atol ${atol}, rtol ${rtol})`,
    );
  }
  return report;
}

/**
 * Checks the gradient `loss().backward()` leaves in each named leaf Variable (inputs, initial
 * states, a module's parameters) against central differences of `loss`, perturbing each leaf's
 * float64 data in place and restoring it. A leaf cut out of the graph counts as gradient 0. Throws
 * an Error naming the first element off by more than atol + rtol·|numeric|.
 */
export function gradcheckLeaves(
  loss: () => Variable,
  leaves: readonly (readonly [string, Variable])[],
  options: Pick<GradcheckOptions, "eps" | "atol" | "rtol"> = {},
): void {
  checkOptions("gradcheckLeaves", options, ["eps", "atol", "rtol"]);
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4 } = options;
  for (const [, v] of leaves) v.zeroGrad();
  // A loss that no leaf reaches leaves nothing to backpropagate: all analytic gradients are 0.
  const first = loss();
  if (first.requiresGrad) first.backward();
  for (const [name, v] of leaves) {
    if (v.dtype !== "float64") throw new Error(`gradcheckLeaves: leaf '${name}' is ${v.dtype}; expected float64`);
    const data = v.value.data;
    for (let k = 0; k < data.length; k++) {
      const x0 = data[k]!;
      data[k] = x0 + eps;
      const plus = noGrad(() => loss().item());
      data[k] = x0 - eps;
      const minus = noGrad(() => loss().item());
      data[k] = x0;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = v.grad === null ? 0 : v.grad.data[k]!;
      const error = Math.abs(analytic - numeric);
      if (!(error <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheckLeaves: gradient mismatch at '${name}' element ${k}: analytic ${analytic}, ` +
            `numeric ${numeric}, error ${error.toExponential(3)} (atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  }
}
