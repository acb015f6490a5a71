import { record, Variable } from "@nabla/autograd";
import { allocate, type DType, describe, Tensor } from "@nabla/tensor";
import { scalarTensor } from "./reduction.js";

/** Anything with named parameters, such as a Module; typed structurally so losses need not import layers. */
export interface HasNamedParameters {
  namedParameters(): Iterable<readonly [string, Variable]>;
}

/** Parameters to penalise: the Variables themselves, or a module whose weights (not biases) are meant. */
export type ParameterSource = Iterable<Variable> | HasNamedParameters;

/**
 * L1 penalty Σ |w| over every weight, as one graph node. Multiply by the strength yourself:
 * `add(loss, mul(l1Penalty(model), 1e-4))`. ∂/∂w = sign(w), 0 at w = 0 (PyTorch's choice for |w|).
 */
export function l1Penalty(source: ParameterSource): Variable {
  return penalty("l1Penalty", source);
}

/**
 * L2 penalty Σ w² over every weight, as one graph node. There is no factor 1/2: the gradient is 2w,
 * so λ·l2Penalty matches SGD's weightDecay of 2λ (PyTorch's weight_decay is the gradient λ·w).
 */
export function l2Penalty(source: ParameterSource): Variable {
  return penalty("l2Penalty", source);
}

/**
 * Σ |w| or Σ w² over the parameters, with its gradient for each of them. A module's
 * parameters whose names end in "bias" are skipped: penalising offsets only biases the model.
 * The result is float64 if any parameter is, else float32.
 */
function penalty(op: "l1Penalty" | "l2Penalty", source: ParameterSource): Variable {
  const params = collect(op, source);
  const squares = op === "l2Penalty";
  const dtype: DType = params.some((p) => p.dtype === "float64") ? "float64" : "float32";
  let total = 0;
  for (const p of params) {
    const data = p.value.data;
    for (let k = 0; k < data.length; k++) total += squares ? data[k]! * data[k]! : Math.abs(data[k]!);
  }
  return record(op, params, scalarTensor(total, dtype), (g) => {
    const scale = g.data[0]!;
    return params.map((p) => {
      if (!p.requiresGrad) return null;
      const data = p.value.data;
      const grad = allocate(p.dtype, data.length);
      for (let k = 0; k < data.length; k++) grad[k] = (squares ? 2 * data[k]! : Math.sign(data[k]!)) * scale;
      return new Tensor(grad, p.shape);
    });
  });
}

function collect(op: string, source: ParameterSource): Variable[] {
  const isModule = typeof (source as Partial<HasNamedParameters>).namedParameters === "function";
  const params: Variable[] = [];
  if (isModule) {
    for (const [name, p] of (source as HasNamedParameters).namedParameters())
      if (!name.endsWith("bias")) params.push(p);
  } else if (source !== null && typeof (source as Iterable<Variable>)[Symbol.iterator] === "function") {
    params.push(...(source as Iterable<Variable>));
  } else {
    throw new Error(
      `${op}: expected parameters (an iterable of Variables) or a module with namedParameters(), got ${describe(source)}`,
    );
  }
  params.forEach((p, i) => {
    if (!(p instanceof Variable)) throw new Error(`${op}: parameter ${i} is ${describe(p)}, expected a Variable`);
    if (p.dtype === "int32") throw new Error(`${op}: parameter ${i} is int32; expected float32 or float64`);
  });
  return params;
}
