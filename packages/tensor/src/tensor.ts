import { formatBytes, formatCount } from "./format.js";
import { formatTensor } from "./print.js";

/** Element types a Tensor can hold. float32 trains, float64 checks gradients, int32 indexes. */
export type DType = "float32" | "float64" | "int32";
export type TypedArray = Float32Array | Float64Array | Int32Array;
export type Shape = readonly number[];
/** Nested JavaScript arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

/**
 * The most elements one tensor can hold: V8's typed-array limit (Node and Chromium, 64-bit).
 * Checked before allocating, so that asking for more fails the same way on every machine.
 */
export const MAX_ELEMENTS = 2 ** 32;

const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4 };

/**
 * Zeroed storage for `size` elements. A request the engine cannot meet (more than MAX_ELEMENTS,
 * or more memory than it can get) throws an Error naming `op`, the shape (when given), the
 * elements and the bytes, instead of the engine's bare RangeError.
 */
export function allocate(dtype: DType, size: number, op = "allocate", shape?: Shape): TypedArray {
  if (size > MAX_ELEMENTS) {
    throw new Error(
      `${allocationRequest(op, dtype, size, shape)}: more than the ${formatCount(MAX_ELEMENTS)} elements a tensor can hold`,
    );
  }
  try {
    switch (dtype) {
      case "float32":
        return new Float32Array(size);
      case "float64":
        return new Float64Array(size);
      case "int32":
        return new Int32Array(size);
      default:
        throw new Error(`unknown dtype '${String(dtype)}': expected 'float32', 'float64' or 'int32'`);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new Error(
      `${allocationRequest(op, dtype, size, shape)}: the JavaScript engine could not allocate it (${e.message}); use smaller tensors or batches`,
    );
  }
}

function allocationRequest(op: string, dtype: DType, size: number, shape: Shape | undefined): string {
  const what =
    shape === undefined
      ? `${formatCount(size)} ${dtype} elements`
      : `${dtype === "int32" ? "an" : "a"} ${dtype} tensor of shape ${formatShape(shape)}`;
  const elements = shape === undefined ? "" : `${formatCount(size)} elements, `;
  return `${op}: cannot allocate ${what} (${elements}${formatBytes(size * BYTES_PER_ELEMENT[dtype])})`;
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  throw new Error(
    `unsupported storage ${Object.prototype.toString.call(data)}: expected Float32Array, Float64Array or Int32Array`,
  );
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    const got = shape === null ? "null" : typeof shape === "number" ? `the number ${String(shape)}` : typeof shape;
    throw new Error(`${op}: shape must be an array of sizes such as [2,3], got ${got}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * How many times each storage has been changed in place through Nabla's API. Keyed by the typed
 * array, which every view of one storage (reshape, squeeze, ...) shares, so they share one counter;
 * a storage never changed in place has no entry, so creating tensors costs nothing extra. (Not keyed
 * by its ArrayBuffer: reading `.buffer` of a small typed array makes V8 allocate one, ~0.5 µs.)
 */
const versions = new WeakMap<TypedArray, number>();

/**
 * An n-dimensional array: contiguous row-major typed storage plus a shape.
 * Tensors are treated as immutable by every op; only kernels that own a fresh result write to it.
 * The few in-place operations (`accumulate`, `assign`, optimizer steps, `loadStateDict`) call
 * `markModified()`, so that autograd can refuse a backward pass that would read changed values.
 */
export class Tensor {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;

  constructor(data: TypedArray, shape: Shape) {
    checkShape("Tensor", shape);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.size = size;
  }

  get rank(): number {
    return this.shape.length;
  }

  get strides(): number[] {
    return stridesOf(this.shape);
  }

  /**
   * The version of this tensor's storage: 0 when made, one more after each in-place change made
   * through Nabla (views of one storage share it). Autograd records it for every tensor an op
   * saves for backward, and backward throws if it has changed since.
   */
  get version(): number {
    return versions.get(this.data) ?? 0;
  }

  /**
   * Records that the storage was changed in place. Nabla's in-place operations call it; call it
   * yourself after writing to `data` directly, which Nabla cannot see.
   */
  markModified(): void {
    versions.set(this.data, this.version + 1);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0]!;
  }

  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[offset + i]! : build(dim + 1, offset + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A copy with its own storage. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** PyTorch's printed form: `tensor([[1., 2.],\n        [3., 4.]], dtype=float32)`, elided when large. */
  toString(): string {
    return formatTensor(this);
  }
}
