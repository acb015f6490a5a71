import { describe, expect, it } from "vitest";
import {
  arange,
  argmax,
  argmin,
  logsumexp,
  max,
  mean,
  min,
  permute,
  reshape,
  scalar,
  sum,
  tensor,
  zeros,
} from "../src/index.js";

const grid = reshape(arange(6), [2, 3]); // [[0,1,2],[3,4,5]]
const cube = reshape(arange(24), [2, 3, 4]);

describe("sum / mean", () => {
  it("reduces all axes by default", () => {
    expect(sum(grid).item()).toBe(15);
    expect(sum(grid).shape).toEqual([]);
    expect(mean(grid).item()).toBe(2.5);
    expect(sum(grid, undefined, true).shape).toEqual([1, 1]);
  });

  it("reduces the last axis, the first axis and negative axes", () => {
    expect(sum(grid, 1).toArray()).toEqual([3, 12]);
    expect(sum(grid, -1).toArray()).toEqual([3, 12]);
    expect(sum(grid, 0).toArray()).toEqual([3, 5, 7]);
    expect(sum(grid, 0, true).toArray()).toEqual([[3, 5, 7]]);
    expect(mean(grid, 1, true).toArray()).toEqual([[1], [4]]);
  });

  it("reduces middle and interleaved axes", () => {
    // cube[i][j][k] = 12i + 4j + k
    expect(sum(cube, 1).toArray()).toEqual([
      [12, 15, 18, 21],
      [48, 51, 54, 57],
    ]);
    expect(sum(cube, [0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(sum(cube, [2, 0], true).shape).toEqual([1, 3, 1]);
    expect(sum(cube, [0, 1]).toArray()).toEqual([60, 66, 72, 78]);
    expect(mean(cube, [0, 2]).toArray()).toEqual([7.5, 11.5, 15.5]);
    expect(sum(cube, []).toArray()).toEqual(cube.toArray());
  });

  it("treats size-1 axes as either side of the pattern", () => {
    const t = reshape(arange(6), [2, 1, 3]);
    expect(sum(t, [0, 1]).toArray()).toEqual([3, 5, 7]);
    expect(sum(t, [1, 2]).toArray()).toEqual([3, 12]);
    expect(sum(reshape(arange(6), [1, 2, 1, 3]), [0, 3]).toArray()).toEqual([[3], [12]]);
  });

  it("keeps int32 for sum and gives float for mean", () => {
    const i = tensor([1, 2], undefined, "int32");
    expect(sum(i).dtype).toBe("int32");
    expect(mean(i).dtype).toBe("float32");
    expect(mean(i).item()).toBe(1.5);
    expect(sum(tensor([1, 2], undefined, "float64")).dtype).toBe("float64");
  });

  it("accumulates in double precision", () => {
    // 2^24 + 1 + 1 ... is not representable step by step in float32.
    const t = tensor([16777216, 1, 1, 1, 1]);
    expect(sum(t).item()).toBe(16777220);
  });

  it("handles scalars and empty axes", () => {
    expect(sum(scalar(3)).item()).toBe(3);
    expect(sum(zeros([0])).item()).toBe(0);
    expect(sum(zeros([2, 0]), 1).toArray()).toEqual([0, 0]);
    expect(sum(zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(sum(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(Number.isNaN(mean(zeros([0])).item())).toBe(true);
  });

  it("validates axes", () => {
    expect(() => sum(grid, 2)).toThrow(
      /^sum: axis 2 is out of range for 2 dimensions \(expected an integer in \[-2, 1\]\)$/,
    );
    expect(() => mean(grid, [0, -2])).toThrow(/^mean: axis -2 is repeated in \[0,-2\]$/);
    expect(() => sum(scalar(1), 0)).toThrow(
      /sum: axis 0 is out of range for 0 dimensions \(a scalar \(shape \[\]\) has no axes\)/,
    );
    expect(() => sum(grid, 0.5)).toThrow(/sum: axis 0.5 is out of range/);
  });
});

describe("max / min", () => {
  const t = tensor([
    [3, 7, 1],
    [9, 2, 8],
  ]);

  it("computes hand-checked values", () => {
    expect(max(t).item()).toBe(9);
    expect(min(t).item()).toBe(1);
    expect(max(t, 1).toArray()).toEqual([7, 9]);
    expect(min(t, 0).toArray()).toEqual([3, 2, 1]);
    expect(max(t, 0, true).toArray()).toEqual([[9, 7, 8]]);
    expect(max(permute(reshape(arange(24), [2, 3, 4]), [1, 0, 2]), [0, 2]).toArray()).toEqual([11, 23]);
    expect(max(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(max(tensor([5], undefined, "int32")).dtype).toBe("int32");
  });

  it("propagates NaN", () => {
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(
      min(
        tensor([
          [1, 2],
          [NaN, 0],
        ]),
        0,
      ).toArray(),
    ).toEqual([NaN, 0]);
  });

  it("throws on an empty axis", () => {
    expect(() => max(zeros([0]))).toThrow(
      /^max: cannot reduce an empty axis of shape \[0\]: max of zero elements is undefined$/,
    );
    expect(() => min(zeros([2, 0]), 1)).toThrow(/min: cannot reduce an empty axis of shape \[2,0\]/);
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
  });
});

describe("logsumexp", () => {
  it("matches log Σ exp for moderate values", () => {
    const t = tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      undefined,
      "float64",
    );
    const expected = (xs: number[]): number => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
    const r = logsumexp(t, 1);
    expect(r.data[0]).toBeCloseTo(expected([0, 1, 2]), 14);
    expect(r.data[1]).toBeCloseTo(expected([3, 4, 5]), 14);
    expect(logsumexp(t, 0).data[2]).toBeCloseTo(expected([2, 5]), 14);
    expect(logsumexp(t).item()).toBeCloseTo(expected([0, 1, 2, 3, 4, 5]), 13);
  });

  it("stays finite at ±1e4", () => {
    const big = logsumexp(tensor([1e4, 1e4, 1e4 - 1]));
    expect(big.item()).toBeCloseTo(1e4 + Math.log(2 + Math.exp(-1)), 2);
    const small = logsumexp(tensor([-1e4, -1e4], undefined, "float64"));
    expect(small.item()).toBeCloseTo(-1e4 + Math.log(2), 10);
    const mixed = logsumexp(
      tensor(
        [
          [1e4, -1e4],
          [-1e4, -1e4],
        ],
        undefined,
        "float64",
      ),
      1,
    );
    expect(Array.from(mixed.data)).toEqual([1e4, -1e4 + Math.log(2)]);
  });

  it("handles infinities and empty axes", () => {
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(logsumexp(zeros([0])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([1], undefined, "int32")).dtype).toBe("float32");
  });
});

describe("argmax / argmin", () => {
  const t = tensor([
    [1, 5, 5],
    [7, 0, 7],
  ]);

  it("returns int32 indices, first on ties", () => {
    const r = argmax(t, 1);
    expect(r.dtype).toBe("int32");
    expect(r.toArray()).toEqual([1, 0]);
    expect(argmin(t, 1).toArray()).toEqual([0, 1]);
    expect(argmax(t, 0).toArray()).toEqual([1, 0, 1]);
    expect(argmin(t, 0).toArray()).toEqual([0, 1, 0]);
    expect(argmax(t, -1, true).toArray()).toEqual([[1], [0]]);
    expect(argmax(tensor([2, 2, 2])).item()).toBe(0);
  });

  it("works over the flattened tensor when axis is undefined", () => {
    expect(argmax(t).item()).toBe(3);
    expect(argmax(t).shape).toEqual([]);
    expect(argmin(t).item()).toBe(4);
    expect(argmax(t, undefined, true).shape).toEqual([1, 1]);
  });

  it("picks the first NaN", () => {
    expect(argmax(tensor([1, NaN, 3, NaN])).item()).toBe(1);
    expect(
      argmin(
        tensor([
          [1, 2],
          [NaN, 0],
        ]),
        0,
      ).toArray(),
    ).toEqual([1, 1]);
  });

  it("middle axis", () => {
    const c = reshape(tensor([1, 9, 3, 4, 0, 8]), [1, 3, 2]);
    expect(argmax(c, 1).toArray()).toEqual([[1, 0]]);
    expect(argmin(c, 1).toArray()).toEqual([[2, 1]]);
  });

  it("validates axis and empty input", () => {
    expect(() => argmax(t, 2)).toThrow(/^argmax: axis 2 is out of range for 2 dimensions/);
    expect(() => argmax(t, [0] as unknown as number)).toThrow(
      /argmax: axis must be a single number or undefined \(all elements\), got an array/,
    );
    expect(() => argmin(zeros([0]))).toThrow(/^argmin: cannot take argmin of an empty axis \(shape \[0\]\)$/);
    expect(argmax(zeros([0, 2]), 1).shape).toEqual([0]);
  });
});
