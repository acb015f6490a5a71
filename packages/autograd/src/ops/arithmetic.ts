import * as T from "@nabla/tensor";
import { asVariable, asVariables, type Input, record, type Variable } from "../variable.js";

// Broadcast operands receive full-shape gradients here; the engine sums them back to each shape.

export function add(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "add");
  return record("add", [x, y], T.add(x.value, y.value), (g) => [g, g], []);
}

export function sub(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "sub");
  return record("sub", [x, y], T.sub(x.value, y.value), (g) => [g, T.neg(g)], []);
}

export function mul(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "mul");
  return record(
    "mul",
    [x, y],
    T.mul(x.value, y.value),
    (g) => [x.requiresGrad ? T.mul(g, y.value) : null, y.requiresGrad ? T.mul(g, x.value) : null],
    [x.value, y.value],
  );
}

/** d(x/y) = g/y and -g·x/y². */
export function div(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "div");
  const out = T.div(x.value, y.value);
  return record(
    "div",
    [x, y],
    out,
    (g) => [x.requiresGrad ? T.div(g, y.value) : null, y.requiresGrad ? T.neg(T.div(T.mul(g, out), y.value)) : null],
    [y.value, out],
  );
}

export function neg(a: Input): Variable {
  const x = asVariable(a, undefined, "neg");
  return record("neg", [x], T.neg(x.value), (g) => [T.neg(g)], []);
}
