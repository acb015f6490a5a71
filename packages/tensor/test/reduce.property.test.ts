import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { argmax, argmin, cast, logsumexp, max, mean, min, mul, sum, type Tensor } from "../src/index.js";
import { integers, ravel, SEED, seedArb, shapeArb, size, unravel } from "./naive.js";

fc.configureGlobal({ seed: SEED, numRuns: 200 });

type Kind = "sum" | "mean" | "max" | "min" | "logsumexp";
const OPS: Record<Kind, (t: Tensor, axes?: number | number[], keepdims?: boolean) => Tensor> = {
  sum,
  mean,
  max,
  min,
  logsumexp,
};

/**
 * A reduction one input element at a time: each element is folded into the output element whose
 * index is its own with the reduced axes dropped (or set to 0 under keepdims). Returns null where
 * the library must throw (max/min of an empty slice).
 */
function reference(
  t: Tensor,
  kind: Kind,
  reduced: readonly boolean[],
  keepdims: boolean,
): { shape: number[]; data: number[] } | null {
  const outShape: number[] = [];
  t.shape.forEach((d, i) => {
    if (!reduced[i]) outShape.push(d);
    else if (keepdims) outShape.push(1);
  });
  const n = size(outShape);
  const groups: number[][] = Array.from({ length: n }, () => []);
  for (let flat = 0; flat < t.size; flat++) {
    const index = unravel(flat, t.shape);
    const outIndex: number[] = [];
    index.forEach((v, i) => {
      if (!reduced[i]) outIndex.push(v);
      else if (keepdims) outIndex.push(0);
    });
    groups[ravel(outIndex, outShape)]!.push(t.data[flat]!);
  }
  if ((kind === "max" || kind === "min") && n > 0 && groups[0]!.length === 0) return null;
  const data = groups.map((g) => {
    switch (kind) {
      case "sum":
        return g.reduce((a, b) => a + b, 0);
      case "mean":
        return g.reduce((a, b) => a + b, 0) / g.length;
      case "max":
        return Math.max(...g);
      case "min":
        return Math.min(...g);
      case "logsumexp":
        return Math.log(g.reduce((a, b) => a + Math.exp(b), 0));
    }
  });
  return { shape: outShape, data };
}

/** A shape, and axes given as the API takes them: undefined (all), one axis, or a list in any order, negative or not. */
const reductionCase = shapeArb(4).chain((shape) => {
  const rank = shape.length;
  const axis = (i: number): fc.Arbitrary<number> => fc.constantFrom(i, i - rank);
  const list =
    rank === 0
      ? fc.constant<number[]>([])
      : fc.shuffledSubarray(Array.from({ length: rank }, (_, i) => i)).chain((axes) => fc.tuple(...axes.map(axis)));
  const axes =
    rank === 0
      ? fc.constant(undefined)
      : fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: rank - 1 }).chain(axis), list);
  return fc.record({ shape: fc.constant(shape), axes, keepdims: fc.boolean() });
});

describe("reductions (property)", () => {
  for (const kind of Object.keys(OPS) as Kind[]) {
    it(`${kind} over random axes with keepdims matches a naive fold`, () => {
      fc.assert(
        fc.property(reductionCase, seedArb, ({ shape, axes, keepdims }, seed) => {
          const t = integers(shape, seed, "float64", -5, 6);
          const list = axes === undefined ? shape.map((_, i) => i) : typeof axes === "number" ? [axes] : axes;
          const reduced = shape.map((_, i) => list.some((a) => (a < 0 ? a + shape.length : a) === i));
          const expected = reference(t, kind, reduced, keepdims);
          if (expected === null) {
            expect(() => OPS[kind](t, axes, keepdims)).toThrow(`${kind}: cannot reduce an empty axis`);
            return;
          }
          const out = OPS[kind](t, axes, keepdims);
          expect(out.shape).toEqual(expected.shape);
          expected.data.forEach((v, i) => {
            const got = out.data[i]!;
            if (kind === "sum" || kind === "max" || kind === "min") expect(got).toBe(v);
            else if (!Number.isFinite(v)) expect(got).toBe(v);
            else expect(Math.abs(got - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
          });
        }),
      );
    });
  }

  it("sum keeps int32 and is exact in float32 for small integers", () => {
    fc.assert(
      fc.property(
        reductionCase,
        seedArb,
        fc.constantFrom("int32" as const, "float32" as const),
        ({ shape, axes, keepdims }, seed, dtype) => {
          const t = integers(shape, seed, dtype);
          const ref = sum(integers(shape, seed, "float64"), axes, keepdims);
          const out = sum(t, axes, keepdims);
          expect(out.dtype).toBe(dtype);
          expect(out.shape).toEqual(ref.shape);
          expect(Array.from(out.data)).toEqual(Array.from(ref.data));
        },
      ),
    );
  });

  it("sum and mean of float32 accumulate in double precision in the same order as float64", () => {
    fc.assert(
      fc.property(reductionCase, seedArb, ({ shape, axes, keepdims }, seed) => {
        // Fractions, so that the order of the additions shows in the rounding.
        const t64 = cast(cast(mul(integers(shape, seed, "float64"), 0.1037), "float32"), "float64");
        const t32 = cast(t64, "float32");
        for (const op of [sum, mean]) {
          const out = op(t32, axes, keepdims);
          expect(out.dtype).toBe("float32");
          const ref = op(t64, axes, keepdims).data;
          out.data.forEach((v, i) => expect(Object.is(v, Math.fround(ref[i]!))).toBe(true));
        }
      }),
    );
  });

  it("argmax/argmin give the first extreme index along an axis", () => {
    const argCase = shapeArb(4, 1).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
        keepdims: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(argCase, seedArb, fc.boolean(), ({ shape, axis, keepdims }, seed, isMax) => {
        const t = integers(shape, seed, "float32", -3, 4);
        const ax = axis < 0 ? axis + shape.length : axis;
        const outShape = keepdims ? shape.map((d, i) => (i === ax ? 1 : d)) : shape.filter((_, i) => i !== ax);
        const op = isMax ? argmax : argmin;
        if (shape[ax] === 0 && size(outShape) > 0) {
          expect(() => op(t, axis, keepdims)).toThrow(/cannot take arg(max|min) of an empty axis/);
          return;
        }
        const out = op(t, axis, keepdims);
        expect(out.dtype).toBe("int32");
        expect(out.shape).toEqual(outShape);
        for (let o = 0; o < out.size; o++) {
          const index = unravel(o, outShape);
          if (!keepdims) index.splice(ax, 0, 0);
          let best = 0;
          for (let j = 0; j < shape[ax]!; j++) {
            index[ax] = j;
            const v = t.data[ravel(index, shape)]!;
            index[ax] = best;
            const b = t.data[ravel(index, shape)]!;
            if (isMax ? v > b : v < b) best = j;
          }
          expect(out.data[o]).toBe(best);
        }
      }),
    );
  });
});
