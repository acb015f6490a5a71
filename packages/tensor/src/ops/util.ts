import { describe, valueOfVariable } from "../describe.js";
import { allocate, type DType, type Shape, Tensor, type TypedArray } from "../tensor.js";

/** What the elementwise ops accept: a tensor, or a JS number that takes the other operand's dtype. */
export type Operand = Tensor | number;

/** Axes for a reduction: one axis, several, or undefined for all. Negative axes count from the end. */
export type Axes = number | readonly number[];

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

export function checkDtype(op: string, dtype: unknown): DType {
  if (!DTYPES.includes(dtype as DType)) {
    throw new Error(`${op}: unknown dtype '${String(dtype)}': expected 'float32', 'float64' or 'int32'`);
  }
  return dtype as DType;
}

export function checkTensor(op: string, t: unknown, what = "argument"): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(t)}${hint(t)}`);
  return t;
}

/** How to turn what an op got into the Tensor it wanted. */
function hint(x: unknown): string {
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return " (make one with tensor(...))";
  return valueOfVariable(x) === undefined
    ? ""
    : " (pass variable.value; the differentiable ops of nabla and @nabla/autograd, and Variable's methods, take Variables)";
}

/** The dtype two tensor operands promote to: float64 > float32 > int32. */
export function promote(a: DType, b: DType): DType {
  if (a === "float64" || b === "float64") return "float64";
  if (a === "float32" || b === "float32") return "float32";
  return "int32";
}

/** int32 computes as float32 where a float result is needed (div, exp, matmul, ...). */
export function floatDtype(d: DType): DType {
  return d === "int32" ? "float32" : d;
}

/** The dtype a JS number takes next to a tensor of dtype `d`: d itself, unless it is int32 and v is not an integer. */
function numberDtype(v: number, d: DType): DType {
  return d === "int32" && !Number.isInteger(v) ? "float32" : d;
}

/** The result dtype of a binary op on two operands (two numbers give float32). */
export function resultDtype(op: string, a: Operand, b: Operand): DType {
  checkOperand(op, a);
  checkOperand(op, b);
  if (a instanceof Tensor && b instanceof Tensor) return promote(a.dtype, b.dtype);
  if (a instanceof Tensor) return numberDtype(b as number, a.dtype);
  if (b instanceof Tensor) return numberDtype(a, b.dtype);
  return "float32";
}

export function checkOperand(op: string, x: Operand): void {
  if (!(x instanceof Tensor) && typeof x !== "number") {
    throw new Error(`${op}: operands must be Tensors or numbers, got ${describe(x)}${hint(x)}`);
  }
}

/** A number operand as a rank-0 tensor of the given dtype (so float32 operands round like float32 data). */
export function asTensor(x: Operand, dtype: DType): Tensor {
  if (x instanceof Tensor) return x;
  const data = allocate(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

/** A non-negative axis for `rank` dimensions, or an error naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const range = rank === 0 ? "a scalar (shape []) has no axes" : `expected an integer in [${-rank}, ${rank - 1}]`;
    throw new Error(`${op}: axis ${axis} is out of range for ${rank} dimensions (${range})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, distinct, non-negative axes; undefined means every axis. */
export function normalizeAxes(op: string, axes: Axes | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  if (!Array.isArray(list))
    throw new Error(`${op}: axes must be a number or an array of numbers, got ${describe(axes)}`);
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const seen = new Set<number>();
  for (let i = 0; i < out.length; i++) {
    if (seen.has(out[i]!)) throw new Error(`${op}: axis ${list[i]} is repeated in [${list.join(",")}]`);
    seen.add(out[i]!);
  }
  return out.sort((x, y) => x - y);
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies `src` into a new array of `dtype` (typed-array assignment converts element types). */
export function convert(src: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, src.length);
  out.set(src);
  return out;
}
