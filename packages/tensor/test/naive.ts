// Reference implementations for the property tests: index arithmetic written the obvious way,
// one element at a time, sharing nothing with the library's loops.
import fc from "fast-check";
import { allocate, type DType, Generator, Tensor } from "../src/index.js";

/** Seeds every property of a file, so CI replays the same cases. */
export const SEED = 20240601;

export function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** The multi-index of flat position `flat` in a row-major `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return index;
}

/** The flat position of a multi-index in a row-major `shape`. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + index[d]!;
  return flat;
}

/** A tensor of small integers (exact in every dtype, so sums are exact whatever their order). */
export function integers(
  shape: readonly number[],
  seed: number,
  dtype: DType = "float64",
  low = -9,
  high = 10,
): Tensor {
  const g = new Generator(seed);
  const data = allocate(dtype, size(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return new Tensor(data, shape);
}

/** A dimension: often 1 (broadcasts) and sometimes 0 (empty), else 2..4. */
export const dim = fc.oneof(
  { arbitrary: fc.constant(1), weight: 2 },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 4 },
);

export const shapeArb = (maxRank = 4, minRank = 0): fc.Arbitrary<number[]> =>
  fc.array(dim, { minLength: minRank, maxLength: maxRank });

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

export const dtypeArb = fc.constantFrom<DType>("float32", "float64", "int32");

export function toArray(t: Tensor): number[] {
  return Array.from(t.data);
}
