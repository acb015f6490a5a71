import { describe, expect, it } from "vitest";
import { arange, concat, pad, reshape, scalar, slice, stack, tensor, zeros } from "../src/index.js";

const grid = reshape(arange(12), [3, 4]); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]

describe("slice", () => {
  it("takes [begin, end) per axis", () => {
    expect(slice(grid, [1, 1], [3, 3]).toArray()).toEqual([
      [5, 6],
      [9, 10],
    ]);
    expect(slice(grid, [0, 2]).toArray()).toEqual([
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
  });

  it("accepts arrays shorter than the rank", () => {
    expect(slice(grid, [2]).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(slice(grid, [], [1]).toArray()).toEqual([[0, 1, 2, 3]]);
  });

  it("counts negative indices from the end and clamps", () => {
    expect(slice(grid, [-1, -2]).toArray()).toEqual([[10, 11]]);
    expect(slice(grid, [0, 1], [100, -1]).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(slice(grid, [-100], [1]).toArray()).toEqual([[0, 1, 2, 3]]);
  });

  it("gives empty axes for empty or reversed ranges", () => {
    expect(slice(grid, [2, 0], [1, 4]).shape).toEqual([0, 4]);
    expect(slice(grid, [5]).shape).toEqual([0, 4]);
    expect(slice(zeros([0, 2]), [0]).shape).toEqual([0, 2]);
  });

  it("copies a scalar", () => {
    expect(slice(scalar(3), []).item()).toBe(3);
  });

  it("works on 3-D tensors", () => {
    const t = reshape(arange(24), [2, 3, 4]);
    expect(slice(t, [1, 1, 1], [2, 3, 3]).toArray()).toEqual([
      [
        [17, 18],
        [21, 22],
      ],
    ]);
  });

  it("validates begin and end", () => {
    expect(() => slice(grid, [0, 0, 0])).toThrow(/^slice: begin has 3 entries but the tensor has 2 axes$/);
    expect(() => slice(grid, [0], [1, 2, 3])).toThrow(/slice: end has 3 entries but the tensor has 2 axes/);
    expect(() => slice(grid, [0.5])).toThrow(/slice: begin \[0.5\] must hold integers/);
    expect(() => slice(grid, 1 as unknown as number[])).toThrow(
      /slice: begin must be an array with one entry per axis, got the number 1/,
    );
  });
});

describe("pad", () => {
  it("zero-pads before and after each axis", () => {
    expect(
      pad(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        [
          [1, 0],
          [0, 2],
        ],
      ).toArray(),
    ).toEqual([
      [0, 0, 0, 0],
      [1, 2, 0, 0],
      [3, 4, 0, 0],
    ]);
    expect(pad(tensor([1, 2]), [[2, 1]]).toArray()).toEqual([0, 0, 1, 2, 0]);
  });

  it("leaves missing trailing axes unpadded and handles empty input", () => {
    expect(pad(tensor([[1, 2]]), [[1, 1]]).toArray()).toEqual([
      [0, 0],
      [1, 2],
      [0, 0],
    ]);
    expect(pad(zeros([0, 2]), [[1, 0]]).toArray()).toEqual([[0, 0]]);
  });

  it("validates pads", () => {
    expect(() => pad(tensor([1]), [[-1, 0]])).toThrow(
      /^pad: pads\[0\] must be \[before, after\] with non-negative integers, got \[-1,0\]$/,
    );
    expect(() =>
      pad(tensor([1]), [
        [0, 0],
        [0, 0],
      ]),
    ).toThrow(/pad: pads must be an array of at most 1 \[before, after\] pairs/);
  });
});

describe("concat", () => {
  it("joins along an axis", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(concat([a, tensor([[7], [8]])], 1).toArray()).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(concat([a, tensor([[7], [8]])], -1).toArray()).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(concat([a]).toArray()).toEqual(a.toArray());
  });

  it("handles size-0 pieces and promotes dtypes", () => {
    expect(concat([zeros([0, 2]), tensor([[1, 2]])]).toArray()).toEqual([[1, 2]]);
    const r = concat([tensor([1], undefined, "int32"), tensor([2.5], undefined, "float64")]);
    expect(r.dtype).toBe("float64");
    expect(r.toArray()).toEqual([1, 2.5]);
  });

  it("rejects mismatched shapes, bad axes and empty lists", () => {
    expect(() => concat([zeros([2, 3]), zeros([2, 4])])).toThrow(
      /^concat: tensor 1 has shape \[2,4\] but tensor 0 has \[2,3\]; all axes except axis 0 must match$/,
    );
    expect(() => concat([zeros([2, 3]), zeros([2, 3, 1])], 1)).toThrow(/concat: tensor 1 has shape \[2,3,1\]/);
    expect(() => concat([zeros([2])], 1)).toThrow(/concat: axis 1 is out of range for 1 dimensions/);
    expect(() => concat([])).toThrow(/concat: expected a non-empty array of tensors/);
    expect(() => concat([scalar(1), scalar(2)])).toThrow(
      /concat: axis 0 is out of range for 0 dimensions \(a scalar \(shape \[\]\) has no axes\)/,
    );
  });
});

describe("stack", () => {
  it("joins along a new axis", () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, b], -1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([scalar(1), scalar(2)]).toArray()).toEqual([1, 2]);
  });

  it("rejects different shapes and bad axes", () => {
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(
      /^stack: tensor 1 has shape \[3\] but tensor 0 has \[2\]; all must match$/,
    );
    expect(() => stack([zeros([2])], 2)).toThrow(/stack: axis 2 is out of range for 2 dimensions/);
  });
});
