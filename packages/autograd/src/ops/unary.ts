import * as T from "@nabla/tensor";
import { asVariable, asVariables, type Input, record, type Variable } from "../variable.js";

export function exp(a: Input): Variable {
  const x = asVariable(a, undefined, "exp");
  const out = T.exp(x.value);
  return record("exp", [x], out, (g) => [T.mul(g, out)], [out]);
}

export function log(a: Input): Variable {
  const x = asVariable(a, undefined, "log");
  return record("log", [x], T.log(x.value), (g) => [T.div(g, x.value)], [x.value]);
}

/** d√x = 1 / (2√x). */
export function sqrt(a: Input): Variable {
  const x = asVariable(a, undefined, "sqrt");
  const out = T.sqrt(x.value);
  return record("sqrt", [x], out, (g) => [T.div(g, T.mul(out, 2))], [out]);
}

export function square(a: Input): Variable {
  const x = asVariable(a, undefined, "square");
  return record("square", [x], T.square(x.value), (g) => [T.mul(g, T.mul(x.value, 2))], [x.value]);
}

/** The gradient at 0 is 0 (sign(0) = 0), as in PyTorch. */
export function abs(a: Input): Variable {
  const x = asVariable(a, undefined, "abs");
  return record("abs", [x], T.abs(x.value), (g) => [T.mul(g, T.sign(x.value))], [x.value]);
}

/**
 * x^p with p a number or a Variable. dx = g·p·x^(p-1), dp = g·x^p·log x. Like PyTorch, p = 0 gives
 * dx = 0 (not 0·0^-1 = NaN at x = 0), and x = 0 with p ≥ 0 gives dp = 0 (not 0·log 0 = NaN).
 */
export function pow(a: Input, p: Input): Variable {
  const [x, e] = asVariables(a, p, "pow");
  const out = T.pow(x.value, e.value);
  return record(
    "pow",
    [x, e],
    out,
    (g) => {
      let dx: T.Tensor | null = null;
      if (x.requiresGrad) {
        dx = T.mul(g, T.mul(e.value, T.pow(x.value, T.sub(e.value, 1))));
        if (e.value.data.includes(0)) dx = T.where(T.equal(e.value, 0), 0, dx);
      }
      let de: T.Tensor | null = null;
      if (e.requiresGrad) {
        const zeroBase = T.mul(T.equal(x.value, 0), T.greaterEqual(e.value, 0));
        de = T.mul(g, T.where(zeroBase, 0, T.mul(out, T.log(x.value))));
      }
      return [dx, de];
    },
    [x.value, e.value, out],
  );
}
