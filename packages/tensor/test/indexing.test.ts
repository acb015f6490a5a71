import { describe, expect, it } from "vitest";
import { arange, gather, oneHot, reshape, tensor, zeros } from "../src/index.js";

const grid = reshape(arange(12), [3, 4]);

describe("gather", () => {
  it("selects rows and columns", () => {
    expect(gather(grid, [2, 0]).toArray()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
    ]);
    expect(gather(grid, new Int32Array([3, 3, 1]), 1).toArray()).toEqual([
      [3, 3, 1],
      [7, 7, 5],
      [11, 11, 9],
    ]);
    expect(gather(grid, tensor([1], undefined, "int32"), -1).toArray()).toEqual([[1], [5], [9]]);
  });

  it("supports negative indices and multi-dimensional index tensors", () => {
    expect(gather(grid, [-1]).toArray()).toEqual([[8, 9, 10, 11]]);
    const idx = tensor(
      [
        [0, 2],
        [1, 1],
      ],
      undefined,
      "int32",
    );
    const r = gather(tensor([10, 20, 30]), idx);
    expect(r.shape).toEqual([2, 2]);
    expect(r.toArray()).toEqual([
      [10, 30],
      [20, 20],
    ]);
    expect(gather(grid, idx, 1).shape).toEqual([3, 2, 2]);
  });

  it("handles empty index lists", () => {
    expect(gather(grid, []).shape).toEqual([0, 4]);
  });

  it("rejects float indices, non-integers and out-of-range indices", () => {
    expect(() => gather(grid, tensor([0, 1]))).toThrow(
      /^gather: indices must be an int32 tensor, got a float32 tensor of shape \[2\] \(use cast\(t, 'int32'\)\)$/,
    );
    expect(() => gather(grid, [0, 1.5])).toThrow(/^gather: indices must be integers, got 1.5 at position 1$/);
    expect(() => gather(grid, [0, 3])).toThrow(
      /^gather: index 3 at position 1 is out of range for axis 0 of size 3 \(expected -3..2\)$/,
    );
    expect(() => gather(grid, [-5], 1)).toThrow(/gather: index -5 at position 0 is out of range for axis 1 of size 4/);
    expect(() => gather(grid, [0], 2)).toThrow(/gather: axis 2 is out of range for 2 dimensions/);
    expect(() => gather(grid, "0" as unknown as number[])).toThrow(
      /gather: indices must be an int32 Tensor, an Int32Array or an array of integers, got "0"/,
    );
  });
});

describe("oneHot", () => {
  it("encodes labels", () => {
    const r = oneHot(tensor([2, 0, 1], undefined, "int32"), 3);
    expect(r.shape).toEqual([3, 3]);
    expect(r.dtype).toBe("float32");
    expect(r.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot([1], 2, "float64").dtype).toBe("float64");
    expect(oneHot(tensor([[0], [1]], undefined, "int32"), 2).shape).toEqual([2, 1, 2]);
    expect(oneHot([], 4).shape).toEqual([0, 4]);
  });

  it("names the bad label and its position", () => {
    expect(() => oneHot([0, 1, 2, 10], 10)).toThrow(
      /^oneHot: label 10 at position 3 is out of range for 10 classes \(expected 0..9\)$/,
    );
    expect(() => oneHot(new Int32Array([-1]), 3)).toThrow(
      /oneHot: label -1 at position 0 is out of range for 3 classes/,
    );
    expect(() =>
      oneHot(
        tensor(
          [
            [0, 1],
            [5, 0],
          ],
          undefined,
          "int32",
        ),
        3,
      ),
    ).toThrow(/oneHot: label 5 at position \[1,0\] is out of range/);
  });

  it("validates numClasses, dtype and index type", () => {
    expect(() => oneHot([0], 0)).toThrow(/^oneHot: numClasses must be a positive integer, got 0$/);
    expect(() => oneHot([0], 2, "bool" as "int32")).toThrow(/oneHot: unknown dtype 'bool'/);
    expect(() => oneHot(zeros([2]), 2)).toThrow(/oneHot: indices must be an int32 tensor, got a float32 tensor/);
  });
});
