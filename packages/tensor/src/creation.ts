import { formatValue } from "./format.js";
import { checkDtype } from "./ops/util.js";
import {
  allocate,
  checkShape,
  type DType,
  dtypeOf,
  formatShape,
  type NestedArray,
  type Shape,
  shapeSize,
  Tensor,
  type TypedArray,
} from "./tensor.js";

function inferShape(value: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function flatten(value: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof value !== "number")
      throw new Error(`tensor: ragged nested array: expected a number at depth ${dim}, got an array`);
    out.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[dim]) {
    const got = Array.isArray(value) ? `an array of length ${value.length}` : `a number`;
    throw new Error(
      `tensor: ragged nested array: expected an array of length ${shape[dim]} at depth ${dim}, got ${got}`,
    );
  }
  for (const v of value) flatten(v, shape, dim + 1, out);
}

/**
 * Makes a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a typed array or flat
 * number array with an explicit shape (`tensor(new Float32Array(6), [2, 3])`).
 */
export function tensor(value: NestedArray | TypedArray | readonly number[], shape?: Shape, dtype?: DType): Tensor {
  if (dtype !== undefined) checkDtype("tensor", dtype);
  if (ArrayBuffer.isView(value)) {
    const data = value as TypedArray;
    const target = dtype ?? dtypeOf(data);
    const s = shape ?? [data.length];
    const out = target === dtypeOf(data) ? data : allocate(target, data.length, "tensor", s);
    if (out !== data) for (let i = 0; i < data.length; i++) out[i] = data[i]!;
    return new Tensor(out, s);
  }
  let inferred: number[];
  const flat: number[] = [];
  if (shape !== undefined) {
    if (!Array.isArray(value) || value.some((v) => typeof v !== "number")) {
      throw new Error(
        `tensor: with an explicit shape ${formatShape(shape)} the values must be a flat array of numbers`,
      );
    }
    inferred = [...shape];
    flat.push(...(value as number[]));
  } else {
    inferred = inferShape(value as NestedArray);
    flatten(value as NestedArray, inferred, 0, flat);
  }
  checkShape("tensor", inferred);
  if (flat.length !== shapeSize(inferred)) {
    throw new Error(
      `tensor: ${flat.length} values do not fill shape ${formatShape(inferred)} (${shapeSize(inferred)} elements)`,
    );
  }
  const data = allocate(dtype ?? "float32", flat.length, "tensor", inferred);
  for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
  return new Tensor(data, inferred);
}

export function scalar(value: number, dtype: DType = "float32"): Tensor {
  const data = allocate(dtype, 1, "scalar");
  data[0] = value;
  return new Tensor(data, []);
}

/** A tensor of `shape` holding `value` everywhere; errors name `op`, the function the user called. */
function filled(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  checkShape(op, shape);
  checkDtype(op, dtype);
  const data = allocate(dtype, shapeSize(shape), op, shape);
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

export function full(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  return filled("full", shape, value, dtype);
}

export function zeros(shape: Shape, dtype: DType = "float32"): Tensor {
  return filled("zeros", shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = "float32"): Tensor {
  return filled("ones", shape, 1, dtype);
}

export function zerosLike(t: Tensor, dtype: DType = t.dtype): Tensor {
  return filled("zerosLike", t.shape, 0, dtype);
}

export function onesLike(t: Tensor, dtype: DType = t.dtype): Tensor {
  return filled("onesLike", t.shape, 1, dtype);
}

/** Values from start (inclusive) to stop (exclusive) by step; `arange(n)` is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, dtype: DType = "float32"): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be a finite non-zero number, got ${formatValue(step)}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop))
    throw new Error(`arange: start and stop must be finite, got ${formatValue(start)} and ${formatValue(stop)}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(dtype, n, "arange", [n]);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m = n, dtype: DType = "float32"): Tensor {
  checkShape("eye", [n, m]);
  const data = allocate(dtype, n * m, "eye", [n, m]);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return new Tensor(data, [n, m]);
}
