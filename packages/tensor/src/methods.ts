import { broadcastTo } from "./ops/broadcast.js";
import { equal, greater, greaterEqual, less, lessEqual, notEqual } from "./ops/compare.js";
import { add, div, maximum, minimum, mul, pow, sub } from "./ops/elementwise.js";
import { gather, type Indices } from "./ops/indexing.js";
import { type MatmulOptions, matmul } from "./ops/matmul.js";
import { argmax, argmin, logsumexp, max, mean, min, sum } from "./ops/reduce.js";
import { cast, flatten, permute, reshape, squeeze, transpose, unsqueeze } from "./ops/shape.js";
import { pad, slice } from "./ops/slicing.js";
import { logSoftmax, softmax } from "./ops/softmax.js";
import { abs, clip, exp, log, neg, relu, sigmoid, sign, sqrt, square, tanh } from "./ops/unary.js";
import type { Axes, Operand } from "./ops/util.js";
import { Tensor } from "./tensor.js";

// Tensor's methods: `a.add(b)` is `add(a, b)`, named and shaped as the free functions, which stay
// the one implementation. Installed on the prototype here, and declared on the class by
// declaration merging, so that tensor.ts stays the storage and the ops stay in ops/.

declare module "./tensor.js" {
  interface Tensor {
    add(other: Operand): Tensor;
    sub(other: Operand): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    pow(exponent: Operand): Tensor;
    maximum(other: Operand): Tensor;
    minimum(other: Operand): Tensor;
    matmul(other: Tensor, options?: MatmulOptions): Tensor;
    equal(other: Operand): Tensor;
    notEqual(other: Operand): Tensor;
    less(other: Operand): Tensor;
    lessEqual(other: Operand): Tensor;
    greater(other: Operand): Tensor;
    greaterEqual(other: Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    clip(lo: number, hi: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    sum(axes?: Axes, keepdims?: boolean): Tensor;
    mean(axes?: Axes, keepdims?: boolean): Tensor;
    max(axes?: Axes, keepdims?: boolean): Tensor;
    min(axes?: Axes, keepdims?: boolean): Tensor;
    logsumexp(axes?: Axes, keepdims?: boolean): Tensor;
    argmax(axis?: number, keepdims?: boolean): Tensor;
    argmin(axis?: number, keepdims?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    flatten(startAxis?: number): Tensor;
    squeeze(axis?: number): Tensor;
    unsqueeze(axis: number): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    permute(perm: readonly number[]): Tensor;
    broadcastTo(shape: Shape): Tensor;
    slice(begin: readonly number[], end?: readonly number[]): Tensor;
    pad(pads: readonly (readonly [number, number])[]): Tensor;
    gather(indices: Indices, axis?: number): Tensor;
    cast(dtype: DType): Tensor;
  }
}

/** `x.op(...rest)` calls `op(x, ...rest)`. */
function method<A extends unknown[]>(op: (t: Tensor, ...rest: A) => Tensor): (this: Tensor, ...rest: A) => Tensor {
  return function (this: Tensor, ...rest: A): Tensor {
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
  equal: method(equal),
  notEqual: method(notEqual),
  less: method(less),
  lessEqual: method(lessEqual),
  greater: method(greater),
  greaterEqual: method(greaterEqual),
  neg: method(neg),
  exp: method(exp),
  log: method(log),
  sqrt: method(sqrt),
  square: method(square),
  abs: method(abs),
  sign: method(sign),
  relu: method(relu),
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
  cast: method(cast),
} satisfies { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown };

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

Object.defineProperty(Tensor.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: Tensor): string {
    return this.toString();
  },
  configurable: true,
});
