import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matmul, type Tensor } from "../src/index.js";
import { integers, SEED, seedArb } from "./naive.js";

fc.configureGlobal({ seed: SEED, numRuns: 150 });

/** The textbook triple loop on one matrix pair: c[i][j] = Σ_p a[i][p]·b[p][j], reading A and B as stored. */
function naive(
  a: Tensor,
  aOff: number,
  tA: boolean,
  b: Tensor,
  bOff: number,
  tB: boolean,
  m: number,
  n: number,
  k: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = a.data[aOff + (tA ? p * m + i : i * k + p)]!;
        const y = b.data[bOff + (tB ? j * k + p : p * n + j)]!;
        s += x * y;
      }
      out.push(s);
    }
  }
  return out;
}

/**
 * Sizes mostly 0..6, sometimes past the kernel's blocking (MC = 128 rows, KC = 256 depth, NR/MR = 4),
 * so the packed edge tiles and the multi-panel paths are walked too; at most one size is large.
 */
const small = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 8 },
  { arbitrary: fc.constantFrom(1, 4, 5), weight: 2 },
);
const sizes = fc.oneof(
  { arbitrary: fc.tuple(small, small, small), weight: 6 },
  { arbitrary: fc.tuple(fc.integer({ min: 125, max: 133 }), small, small), weight: 1 },
  { arbitrary: fc.tuple(small, small, fc.integer({ min: 253, max: 261 })), weight: 1 },
  { arbitrary: fc.tuple(small, fc.integer({ min: 7, max: 40 }), fc.integer({ min: 7, max: 40 })), weight: 1 },
);

const matmulCase = fc.record({
  mnk: sizes,
  layout: fc.constantFrom("2d", "3d@3d", "3d@2d"),
  batch: fc.integer({ min: 0, max: 3 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  dtype: fc.constantFrom("float32" as const, "float64" as const),
  seed: seedArb,
});

describe("matmul (property)", () => {
  it("matches the triple loop for 2-D, batched and broadcast-weight products with transpose flags", () => {
    fc.assert(
      fc.property(matmulCase, ({ mnk: [m, n, k], layout, batch, transposeA, transposeB, dtype, seed }) => {
        const B = layout === "2d" ? 1 : batch;
        const aMat = transposeA ? [k, m] : [m, k];
        const bMat = transposeB ? [n, k] : [k, n];
        // Small integers: every product and sum is exact in float32 too, so the check is exact.
        const a = integers(layout === "2d" ? aMat : [B, ...aMat], seed, dtype, -4, 5);
        const b = integers(layout === "3d@3d" ? [B, ...bMat] : bMat, seed + 1, dtype, -4, 5);
        const out = matmul(a, b, { transposeA, transposeB });
        expect(out.shape).toEqual(layout === "2d" ? [m, n] : [B, m, n]);
        expect(out.dtype).toBe(dtype);
        const expected: number[] = [];
        for (let i = 0; i < B; i++) {
          expected.push(...naive(a, i * m * k, transposeA, b, layout === "3d@3d" ? i * k * n : 0, transposeB, m, n, k));
        }
        expect(Array.from(out.data)).toEqual(expected);
      }),
    );
  });

  it("the transpose flags equal multiplying by explicitly transposed operands", () => {
    fc.assert(
      fc.property(sizes, seedArb, ([m, n, k], seed) => {
        const a = integers([m, k], seed, "float64", -4, 5);
        const b = integers([k, n], seed + 1, "float64", -4, 5);
        const plain = Array.from(matmul(a, b).data);
        const aT = integers([k, m], 0);
        const bT = integers([n, k], 0);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT.data[p * m + i] = a.data[i * k + p]!;
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bT.data[j * k + p] = b.data[p * n + j]!;
        expect(Array.from(matmul(aT, b, { transposeA: true }).data)).toEqual(plain);
        expect(Array.from(matmul(a, bT, { transposeB: true }).data)).toEqual(plain);
        expect(Array.from(matmul(aT, bT, { transposeA: true, transposeB: true }).data)).toEqual(plain);
      }),
    );
  });

  it("an inner size of 0 gives zeros, never stale memory", () => {
    fc.assert(
      fc.property(small, small, fc.boolean(), (m, n, tB) => {
        const out = matmul(integers([m, 0], 1), integers(tB ? [n, 0] : [0, n], 2), { transposeB: tB });
        expect(out.shape).toEqual([m, n]);
        expect(Array.from(out.data)).toEqual(new Array<number>(m * n).fill(0));
      }),
    );
  });
});
