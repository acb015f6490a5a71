import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, type DType, permute, reshape, slice, stack, type Tensor, transpose } from "../src/index.js";
import { dim, dtypeArb, integers, ravel, SEED, seedArb, shapeArb, size, unravel } from "./naive.js";

fc.configureGlobal({ seed: SEED, numRuns: 200 });

/** A permutation of 0..rank-1, each entry possibly written negatively (counting from the end). */
const permArb = (rank: number): fc.Arbitrary<number[]> =>
  fc
    .shuffledSubarray(
      Array.from({ length: rank }, (_, i) => i),
      { minLength: rank, maxLength: rank },
    )
    .chain((perm) => fc.tuple(...perm.map((p) => fc.constantFrom(p, p - rank))));

/** out[i0, ..., ik] = t[index of input axis perm[d] = i_d]. */
function referencePermute(t: Tensor, perm: readonly number[]): { shape: number[]; data: number[] } {
  const rank = t.rank;
  const p = perm.map((a) => (a < 0 ? a + rank : a));
  const shape = p.map((a) => t.shape[a]!);
  const data: number[] = [];
  for (let flat = 0; flat < size(shape); flat++) {
    const out = unravel(flat, shape);
    const src = new Array<number>(rank);
    p.forEach((a, d) => (src[a] = out[d]!));
    data.push(t.data[ravel(src, t.shape)]!);
  }
  return { shape, data };
}

/** NumPy's slice bounds for one axis: negative counts from the end, both clamp, end before begin is empty. */
function bounds(begin: number | undefined, end: number | undefined, d: number): [number, number] {
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
  const lo = clamp(begin ?? 0);
  const hi = clamp(end ?? d);
  return [lo, Math.max(lo, hi)];
}

function promote(dtypes: readonly DType[]): DType {
  if (dtypes.includes("float64")) return "float64";
  return dtypes.includes("float32") ? "float32" : "int32";
}

describe("transpose and permute (property)", () => {
  const permCase = shapeArb(5).chain((shape) => fc.record({ shape: fc.constant(shape), perm: permArb(shape.length) }));

  it("permute matches index-by-index reference", () => {
    fc.assert(
      fc.property(permCase, seedArb, dtypeArb, ({ shape, perm }, seed, dtype) => {
        const t = integers(shape, seed, dtype);
        const expected = referencePermute(t, perm);
        const out = permute(t, perm);
        expect(out.shape).toEqual(expected.shape);
        expect(out.dtype).toBe(dtype);
        expect(Array.from(out.data)).toEqual(expected.data);
        expect(Array.from(transpose(t, perm).data)).toEqual(expected.data);
      }),
    );
  });

  it("transpose without perm reverses the axes, and is its own inverse", () => {
    fc.assert(
      fc.property(shapeArb(5), seedArb, (shape, seed) => {
        const t = integers(shape, seed);
        const reversed = shape.map((_, i) => shape.length - 1 - i);
        const out = transpose(t);
        const expected = referencePermute(t, reversed);
        expect(out.shape).toEqual(expected.shape);
        expect(Array.from(out.data)).toEqual(expected.data);
        const back = transpose(out);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(Array.from(t.data));
      }),
    );
  });

  it("permuting by p then by p's inverse is the identity", () => {
    fc.assert(
      fc.property(permCase, seedArb, ({ shape, perm }, seed) => {
        const t = integers(shape, seed);
        const p = perm.map((a) => (a < 0 ? a + shape.length : a));
        const inverse = new Array<number>(p.length);
        p.forEach((a, i) => (inverse[a] = i));
        const back = permute(permute(t, perm), inverse);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(Array.from(t.data));
      }),
    );
  });
});

describe("slice (property)", () => {
  const index = fc.option(fc.integer({ min: -6, max: 6 }), { nil: undefined });
  const sliceCase = shapeArb(4).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      begin: fc.array(index, { maxLength: shape.length }),
      end: fc.option(fc.array(index, { maxLength: shape.length }), { nil: undefined }),
    }),
  );

  it("matches NumPy's clamped [begin, end) per axis on random shapes", () => {
    fc.assert(
      fc.property(sliceCase, seedArb, dtypeArb, ({ shape, begin, end }, seed, dtype) => {
        const t = integers(shape, seed, dtype);
        const b = begin.map((v) => v ?? 0);
        const e = end?.map((v, ax) => v ?? shape[ax]!);
        const ranges = shape.map((d, ax) => bounds(b[ax], e?.[ax], d));
        const outShape = ranges.map(([lo, hi]) => hi - lo);
        const expected: number[] = [];
        for (let flat = 0; flat < size(outShape); flat++) {
          const i = unravel(flat, outShape).map((v, ax) => v + ranges[ax]![0]);
          expected.push(t.data[ravel(i, shape)]!);
        }
        const out = slice(t, b, e);
        expect(out.shape).toEqual(outShape);
        expect(out.dtype).toBe(dtype);
        expect(Array.from(out.data)).toEqual(expected);
      }),
    );
  });

  it("the slices [0, k) and [k, end) of an axis concatenate back to the whole", () => {
    const splitCase = shapeArb(4, 1).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: 0, max: shape.length - 1 }),
        k: fc.integer({ min: -5, max: 5 }),
      }),
    );
    fc.assert(
      fc.property(splitCase, seedArb, ({ shape, axis, k }, seed) => {
        const t = integers(shape, seed);
        const begin = shape.map(() => 0);
        const end = [...shape];
        end[axis] = k;
        const head = slice(t, begin, end);
        const tailBegin = [...begin];
        tailBegin[axis] = k;
        const tail = slice(t, tailBegin);
        // A negative k past the start clamps in both slices: the head is empty, the tail whole.
        const cut = bounds(0, k, shape[axis]!)[1];
        expect(head.shape[axis]).toBe(cut);
        expect(tail.shape[axis]).toBe(shape[axis]! - cut);
        const whole = concat([head, tail], axis);
        expect(whole.shape).toEqual(shape);
        expect(Array.from(whole.data)).toEqual(Array.from(t.data));
      }),
    );
  });
});

describe("concat and stack (property)", () => {
  const concatCase = shapeArb(4, 1).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      sizes: fc.array(dim, { minLength: 1, maxLength: 4 }),
      dtypes: fc.array(fc.constantFrom<DType>("float32", "float64", "int32"), { minLength: 4, maxLength: 4 }),
    }),
  );

  it("concat matches a reference that finds each output element's source tensor", () => {
    fc.assert(
      fc.property(concatCase, seedArb, ({ shape, axis, sizes, dtypes }, seed) => {
        const ax = axis < 0 ? axis + shape.length : axis;
        const parts = sizes.map((n, i) =>
          integers(
            shape.map((d, k) => (k === ax ? n : d)),
            seed + i,
            dtypes[i]!,
          ),
        );
        const outShape = shape.map((d, k) => (k === ax ? sizes.reduce((a, b) => a + b, 0) : d));
        const expected: number[] = [];
        for (let flat = 0; flat < size(outShape); flat++) {
          const i = unravel(flat, outShape);
          let part = 0;
          while (i[ax]! >= parts[part]!.shape[ax]!) i[ax] -= parts[part++]!.shape[ax]!;
          expected.push(parts[part]!.data[ravel(i, parts[part]!.shape)]!);
        }
        const out = concat(parts, axis);
        expect(out.shape).toEqual(outShape);
        expect(out.dtype).toBe(promote(dtypes.slice(0, sizes.length)));
        expect(Array.from(out.data)).toEqual(expected);
      }),
    );
  });

  it("stack is concat of tensors with a new size-1 axis", () => {
    const stackCase = shapeArb(3).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: -shape.length - 1, max: shape.length }),
        count: fc.integer({ min: 1, max: 4 }),
      }),
    );
    fc.assert(
      fc.property(stackCase, seedArb, ({ shape, axis, count }, seed) => {
        const ax = axis < 0 ? axis + shape.length + 1 : axis;
        const parts = Array.from({ length: count }, (_, i) => integers(shape, seed + i));
        const expanded = [...shape];
        expanded.splice(ax, 0, 1);
        const out = stack(parts, axis);
        const ref = concat(
          parts.map((p) => reshape(p, expanded)),
          ax,
        );
        const outShape = [...shape];
        outShape.splice(ax, 0, count);
        expect(out.shape).toEqual(outShape);
        for (let flat = 0; flat < out.size; flat++) {
          const i = unravel(flat, outShape);
          const which = i.splice(ax, 1)[0]!;
          expect(out.data[flat]).toBe(parts[which]!.data[ravel(i, shape)]);
        }
        expect(Array.from(out.data)).toEqual(Array.from(ref.data));
      }),
    );
  });
});
