import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  broadcastShapes,
  broadcastTo,
  type DType,
  equal,
  less,
  maximum,
  minimum,
  mul,
  sub,
  sumToShape,
  type Tensor,
} from "../src/index.js";
import { dim, dtypeArb, integers, ravel, SEED, seedArb, shapeArb, size, unravel } from "./naive.js";

fc.configureGlobal({ seed: SEED, numRuns: 200 });

/**
 * Broadcasting by its definition: right-align the shapes (missing axes count as 1); along each
 * axis the result is a size that every operand's size equals or is 1 — tried one candidate at a
 * time from the sizes present. null when some axis has no such size.
 */
function referenceShape(shapes: readonly (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let ax = 0; ax < rank; ax++) {
    const sizes = shapes.map((s) => s[ax - (rank - s.length)] ?? 1);
    const fits = sizes.filter((d) => sizes.every((x) => x === d || x === 1));
    if (fits.length === 0) return null;
    out.push(fits.find((d) => d !== 1) ?? 1);
  }
  return out;
}

/** Operands that broadcast: each drops some leading axes of a common shape and sets some sizes to 1. */
const compatibleShapes = (count: number): fc.Arbitrary<number[][]> =>
  shapeArb(4).chain((base) =>
    fc.array(
      fc
        .tuple(
          fc.integer({ min: 0, max: base.length }),
          fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        )
        .map(([drop, ones]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
      { minLength: count, maxLength: count },
    ),
  );

/** Element `flat` of an output of `outShape`, read from t through the broadcast (size-1 axes stay at 0). */
function readBroadcast(t: Tensor, outShape: readonly number[], flat: number): number {
  const index = unravel(flat, outShape);
  const shift = outShape.length - t.rank;
  return t.data[
    ravel(
      t.shape.map((d, i) => (d === 1 ? 0 : index[shift + i]!)),
      t.shape,
    )
  ]!;
}

function promote(a: DType, b: DType): DType {
  if (a === "float64" || b === "float64") return "float64";
  return a === "float32" || b === "float32" ? "float32" : "int32";
}

const BINARY: Record<
  string,
  { op: (a: Tensor, b: Tensor) => Tensor; ref: (x: number, y: number) => number; compare?: boolean }
> = {
  add: { op: add, ref: (x, y) => x + y },
  sub: { op: sub, ref: (x, y) => x - y },
  mul: { op: mul, ref: (x, y) => x * y },
  maximum: { op: maximum, ref: Math.max },
  minimum: { op: minimum, ref: Math.min },
  equal: { op: equal, ref: (x, y) => (x === y ? 1 : 0), compare: true },
  less: { op: less, ref: (x, y) => (x < y ? 1 : 0), compare: true },
};

describe("broadcasting (property)", () => {
  it("broadcastShapes agrees with the brute-force rule on arbitrary shapes, compatible or not", () => {
    const anyShapes = fc.oneof(
      compatibleShapes(2),
      compatibleShapes(3),
      fc.array(shapeArb(4), { minLength: 1, maxLength: 3 }),
    );
    fc.assert(
      fc.property(anyShapes, (shapes) => {
        const expected = referenceShape(shapes);
        if (expected === null) {
          expect(() => broadcastShapes(...shapes)).toThrow(/broadcastShapes: shapes .* do not broadcast/);
        } else {
          expect(broadcastShapes(...shapes)).toEqual(expected);
        }
      }),
    );
  });

  it("broadcastShapes is symmetric and idempotent", () => {
    fc.assert(
      fc.property(compatibleShapes(2), ([a, b]) => {
        const ab = broadcastShapes(a!, b!);
        expect(broadcastShapes(b!, a!)).toEqual(ab);
        expect(broadcastShapes(ab, a!)).toEqual(ab);
        expect(broadcastShapes(a!)).toEqual(a);
      }),
    );
  });

  it("add (and the other binary ops) match an element-by-element reference, with dtype promotion", () => {
    fc.assert(
      fc.property(
        compatibleShapes(2),
        fc.constantFrom(...Object.keys(BINARY)),
        dtypeArb,
        dtypeArb,
        seedArb,
        ([sa, sb], name, da, db, seed) => {
          const { op, ref, compare } = BINARY[name]!;
          const a = integers(sa!, seed, da);
          const b = integers(sb!, seed + 1, db);
          const out = op(a, b);
          const shape = referenceShape([sa!, sb!])!;
          expect(out.shape).toEqual(shape);
          expect(out.dtype).toBe(compare ? "int32" : promote(da, db));
          const expected = Array.from({ length: size(shape) }, (_, i) =>
            ref(readBroadcast(a, shape, i), readBroadcast(b, shape, i)),
          );
          expect(Array.from(out.data)).toEqual(expected);
        },
      ),
    );
  });

  it("add with a JS number operand is add with a broadcast scalar", () => {
    fc.assert(
      fc.property(shapeArb(4), fc.integer({ min: -5, max: 5 }), dtypeArb, seedArb, (shape, k, dtype, seed) => {
        const a = integers(shape, seed, dtype);
        const left = add(k, a);
        const right = add(a, k);
        expect(left.shape).toEqual(shape);
        expect(left.dtype).toBe(dtype);
        expect(Array.from(left.data)).toEqual(Array.from(a.data, (x) => x + k));
        expect(Array.from(right.data)).toEqual(Array.from(left.data));
      }),
    );
  });

  it("incompatible shapes give an error naming both shapes", () => {
    // Two different sizes, neither 1, on the same aligned axis.
    const clash = fc
      .tuple(shapeArb(3), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 4 }), shapeArb(2))
      .filter(([, x, y]) => y !== 1 && y !== x)
      .map(
        ([lead, x, y, tail]) =>
          [
            [...lead, x, ...tail],
            [y, ...tail],
          ] as const,
      );
    fc.assert(
      fc.property(clash, ([a, b]) => {
        const message = `add: shapes [${a.join(",")}] and [${b.join(",")}] do not broadcast`;
        expect(() => add(integers(a, 1), integers(b, 2))).toThrow(message);
      }),
    );
  });

  it("sumToShape undoes broadcastTo up to the repeat count", () => {
    fc.assert(
      fc.property(compatibleShapes(2), seedArb, ([small, big], seed) => {
        const target = broadcastShapes(small!, big!);
        const x = integers(small!, seed);
        const wide = broadcastTo(x, target);
        expect(wide.shape).toEqual(target);
        for (let i = 0; i < wide.size; i++) expect(wide.data[i]).toBe(readBroadcast(x, target, i));
        const back = sumToShape(wide, small!);
        expect(back.shape).toEqual(small);
        const repeats = x.size === 0 ? 0 : size(target) / x.size;
        // (+ 0 turns the -0 of a negative value times 0 repeats into the 0 a sum of nothing gives.)
        expect(Array.from(back.data)).toEqual(Array.from(x.data, (v) => v * repeats + 0));
      }),
    );
  });

  it("a size-0 axis broadcasts against 1 and gives an empty result", () => {
    fc.assert(
      fc.property(shapeArb(3), dim, (lead, d) => {
        const out = add(integers([...lead, 0], 1), integers([d === 0 ? 0 : 1], 2));
        expect(out.shape).toEqual([...lead, 0]);
        expect(out.size).toBe(0);
      }),
    );
  });
});
