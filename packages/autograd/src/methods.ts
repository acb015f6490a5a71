import type { Axes, Indices, Tensor } from "@nabla/tensor";
import { clip, leakyRelu, relu, sigmoid, tanh } from "./ops/activations.js";
import { add, div, mul, neg, sub } from "./ops/arithmetic.js";
import { maximum, minimum } from "./ops/compare.js";
import { matmul } from "./ops/matmul.js";
import { argmax, argmin, logsumexp, max, mean, min, sum } from "./ops/reduce.js";
import {
  broadcastTo,
  flatten,
  gather,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
} from "./ops/shape.js";
import { logSoftmax, softmax } from "./ops/softmax.js";
import { abs, exp, log, pow, sqrt, square } from "./ops/unary.js";
import { type Input, Variable } from "./variable.js";

// Variable's methods: `x.matmul(w)` is `matmul(x, w)`, the differentiable op of that name, so the
// graph records the same node either way. Installed on the prototype here, and declared on the
// class by declaration merging, so that variable.ts stays the graph's data structure.

declare module "./variable.js" {
  interface Variable {
    add(other: Input): Variable;
    sub(other: Input): Variable;
    mul(other: Input): Variable;
    div(other: Input): Variable;
    pow(exponent: Input): Variable;
    maximum(other: Input): Variable;
    minimum(other: Input): Variable;
    matmul(other: Input): Variable;
    neg(): Variable;
    exp(): Variable;
    log(): Variable;
    sqrt(): Variable;
    square(): Variable;
    abs(): Variable;
    relu(): Variable;
    leakyRelu(slope?: number): Variable;
    sigmoid(): Variable;
    tanh(): Variable;
    clip(lo: number, hi: number): Variable;
    softmax(axis?: number): Variable;
    logSoftmax(axis?: number): Variable;
    sum(axes?: Axes, keepdims?: boolean): Variable;
    mean(axes?: Axes, keepdims?: boolean): Variable;
    max(axes?: Axes, keepdims?: boolean): Variable;
    min(axes?: Axes, keepdims?: boolean): Variable;
    logsumexp(axes?: Axes, keepdims?: boolean): Variable;
    /** Indices as an int32 Tensor (no gradient). */
    argmax(axis?: number, keepdims?: boolean): Tensor;
    /** Indices as an int32 Tensor (no gradient). */
    argmin(axis?: number, keepdims?: boolean): Tensor;
    reshape(shape: readonly number[]): Variable;
    flatten(startAxis?: number): Variable;
    squeeze(axis?: number): Variable;
    unsqueeze(axis: number): Variable;
    transpose(perm?: readonly number[]): Variable;
    permute(perm: readonly number[]): Variable;
    broadcastTo(shape: readonly number[]): Variable;
    slice(begin: readonly number[], end?: readonly number[]): Variable;
    pad(pads: readonly (readonly [number, number])[]): Variable;
    gather(indices: Indices, axis?: number): Variable;
  }
}

/** `x.op(...rest)` calls `op(x, ...rest)`. */
function method<A extends unknown[], R>(op: (a: Input, ...rest: A) => R): (this: Variable, ...rest: A) => R {
  return function (this: Variable, ...rest: A): R {
    return op(this, ...rest);
  };
}

const methods = {
  add: method(add),
  sub: method(sub),
  mul: method(mul),
  div: method(div),
  pow: method(pow),
  maximum: method(maximum),
  minimum: method(minimum),
  matmul: method(matmul),
  neg: method(neg),
  exp: method(exp),
  log: method(log),
  sqrt: method(sqrt),
  square: method(square),
  abs: method(abs),
  relu: method(relu),
  leakyRelu: method(leakyRelu),
  sigmoid: method(sigmoid),
  tanh: method(tanh),
  clip: method(clip),
  softmax: method(softmax),
  logSoftmax: method(logSoftmax),
  sum: method(sum),
  mean: method(mean),
  max: method(max),
  min: method(min),
  logsumexp: method(logsumexp),
  argmax: method(argmax),
  argmin: method(argmin),
  reshape: method(reshape),
  flatten: method(flatten),
  squeeze: method(squeeze),
  unsqueeze: method(unsqueeze),
  transpose: method(transpose),
  permute: method(permute),
  broadcastTo: method(broadcastTo),
  slice: method(slice),
  pad: method(pad),
  gather: method(gather),
} satisfies { [K in keyof Variable]?: (this: Variable, ...args: never[]) => unknown };

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Variable.prototype, name, { value: fn, writable: true, configurable: true });
}

Object.defineProperty(Variable.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: Variable): string {
    return this.toString();
  },
  configurable: true,
});
