import * as T from "@nabla/tensor";
import { asVariable, asVariables, type Input, record, type Variable } from "../variable.js";

// Where the two operands tie, each gets half the gradient (PyTorch's rule, and what a central
// difference measures). Gradients here have the broadcast output's shape; the engine sums them back.

export function maximum(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "maximum");
  return record(
    "maximum",
    [x, y],
    T.maximum(x.value, y.value),
    (g) => {
      const toX = T.mul(g, T.add(T.greater(x.value, y.value), T.mul(T.equal(x.value, y.value), 0.5)));
      return [toX, y.requiresGrad ? T.sub(g, toX) : null];
    },
    [x.value, y.value],
  );
}

export function minimum(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "minimum");
  return record(
    "minimum",
    [x, y],
    T.minimum(x.value, y.value),
    (g) => {
      const toX = T.mul(g, T.add(T.less(x.value, y.value), T.mul(T.equal(x.value, y.value), 0.5)));
      return [toX, y.requiresGrad ? T.sub(g, toX) : null];
    },
    [x.value, y.value],
  );
}

/** Takes a where cond is nonzero, else b. cond is a constant: it receives no gradient. */
export function where(cond: Input, a: Input, b: Input): Variable {
  const c = asVariable(cond, undefined, "where").value;
  const [x, y] = asVariables(a, b, "where");
  return record(
    "where",
    [x, y],
    T.where(c, x.value, y.value),
    (g) => [x.requiresGrad ? T.where(c, g, 0) : null, y.requiresGrad ? T.where(c, 0, g) : null],
    [c],
  );
}
