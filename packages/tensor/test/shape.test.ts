import { describe, expect, it } from "vitest";
import {
  arange,
  cast,
  flatten,
  permute,
  reshape,
  scalar,
  squeeze,
  tensor,
  transpose,
  unsqueeze,
  zeros,
} from "../src/index.js";

describe("reshape", () => {
  it("keeps the elements in order and shares storage", () => {
    const t = arange(6);
    const r = reshape(t, [2, 3]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(r.data).toBe(t.data);
  });

  it("infers one -1", () => {
    expect(reshape(arange(12), [3, -1, 2]).shape).toEqual([3, 2, 2]);
    expect(reshape(arange(12), [-1]).shape).toEqual([12]);
  });

  it("handles scalars and size-0 tensors", () => {
    expect(reshape(scalar(5), [1, 1]).toArray()).toEqual([[5]]);
    expect(reshape(tensor([[7]]), []).item()).toBe(7);
    expect(reshape(zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
  });

  it("rejects wrong sizes, two -1s, bad entries and uninferable -1", () => {
    expect(() => reshape(arange(6), [4, 2])).toThrow(
      /^reshape: cannot reshape \[6\] \(6 elements\) to \[4,2\] \(8 elements\)$/,
    );
    expect(() => reshape(arange(6), [-1, -1])).toThrow(
      /reshape: only one -1 is allowed in the target shape, got \[-1,-1\]/,
    );
    expect(() => reshape(arange(6), [2.5, 2])).toThrow(/reshape: invalid target shape \[2.5,2\]/);
    expect(() => reshape(arange(6), [4, -1])).toThrow(
      /reshape: cannot reshape \[6\] \(6 elements\) to \[4,-1\]: the -1 cannot be inferred/,
    );
    expect(() => reshape(zeros([0]), [0, -1])).toThrow(/the -1 cannot be inferred/);
  });
});

describe("flatten", () => {
  it("merges the axes from startAxis on", () => {
    const t = zeros([2, 3, 4]);
    expect(flatten(t).shape).toEqual([24]);
    expect(flatten(t, 1).shape).toEqual([2, 12]);
    expect(flatten(t, -1).shape).toEqual([2, 3, 4]);
    expect(flatten(scalar(3)).toArray()).toEqual([3]);
  });

  it("rejects an out-of-range startAxis", () => {
    expect(() => flatten(zeros([2, 3]), 2)).toThrow(
      /flatten: axis 2 is out of range for 2 dimensions \(expected an integer in \[-2, 1\]\)/,
    );
  });
});

describe("squeeze / unsqueeze", () => {
  it("removes size-1 axes", () => {
    const t = zeros([1, 3, 1, 2]);
    expect(squeeze(t).shape).toEqual([3, 2]);
    expect(squeeze(t, 2).shape).toEqual([1, 3, 2]);
    expect(squeeze(t, -4).shape).toEqual([3, 1, 2]);
    expect(squeeze(tensor([[5]])).shape).toEqual([]);
  });

  it("rejects squeezing an axis that is not 1", () => {
    expect(() => squeeze(zeros([1, 3]), 1)).toThrow(/^squeeze: axis 1 of shape \[1,3\] has size 3, expected size 1$/);
    expect(() => squeeze(zeros([1, 3]), 2)).toThrow(/squeeze: axis 2 is out of range for 2 dimensions/);
  });

  it("inserts a size-1 axis anywhere in [-(rank+1), rank]", () => {
    const t = zeros([2, 3]);
    expect(unsqueeze(t, 0).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(t, 2).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(t, -1).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(t, -3).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(scalar(1), 0).shape).toEqual([1]);
    expect(() => unsqueeze(t, 3)).toThrow(/unsqueeze: axis 3 is out of range for 3 dimensions/);
  });
});

describe("transpose / permute", () => {
  it("transposes a matrix", () => {
    expect(
      transpose(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ).toArray(),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it("transposes large and odd-sized matrices (blocked path)", () => {
    const t = reshape(arange(37 * 70), [37, 70]);
    const tt = transpose(t);
    expect(tt.shape).toEqual([70, 37]);
    for (let i = 0; i < 37; i++) for (let j = 0; j < 70; j++) expect(tt.data[j * 37 + i]).toBe(i * 70 + j);
  });

  it("reverses all axes by default and permutes by perm", () => {
    const t = reshape(arange(24), [2, 3, 4]);
    const r = transpose(t);
    expect(r.shape).toEqual([4, 3, 2]);
    // r[k][j][i] = t[i][j][k] = 12i + 4j + k
    expect(r.data[(3 * 3 + 1) * 2 + 1]).toBe(12 + 4 + 3);
    const p = permute(t, [1, 0, 2]);
    expect(p.shape).toEqual([3, 2, 4]);
    expect((p.toArray() as number[][][])[2]![1]).toEqual([20, 21, 22, 23]);
    const q = permute(t, [0, -1, 1]);
    expect(q.shape).toEqual([2, 4, 3]);
    expect((q.toArray() as number[][][])[1]![2]).toEqual([14, 18, 22]);
    const s = permute(t, [2, 0, 1]);
    expect((s.toArray() as number[][][])[1]).toEqual([
      [1, 5, 9],
      [13, 17, 21],
    ]);
  });

  it("handles size-1 and size-0 axes", () => {
    const t = reshape(arange(6), [2, 1, 3]);
    expect(permute(t, [1, 2, 0]).toArray()).toEqual([
      [
        [0, 3],
        [1, 4],
        [2, 5],
      ],
    ]);
    expect(permute(zeros([0, 2]), [1, 0]).shape).toEqual([2, 0]);
    expect(transpose(scalar(4)).item()).toBe(4);
  });

  it("returns a copy", () => {
    const t = tensor([1, 2]);
    expect(permute(t, [0]).data).not.toBe(t.data);
  });

  it("rejects bad perms", () => {
    const t = zeros([2, 3]);
    expect(() => permute(t, [0, 0])).toThrow(
      /^permute: perm \[0,0\] is not a permutation of the 2 axes of shape \[2,3\]$/,
    );
    expect(() => permute(t, [0])).toThrow(/permute: perm \[0\] is not a permutation/);
    expect(() => transpose(t, [0, 2])).toThrow(/transpose: perm \[0,2\] is not a permutation of the 2 axes/);
  });
});

describe("cast", () => {
  it("converts and copies", () => {
    const t = tensor([1.7, -1.7, 2.5]);
    const i = cast(t, "int32");
    expect(i.dtype).toBe("int32");
    expect(Array.from(i.data)).toEqual([1, -1, 2]);
    const f = cast(i, "float64");
    expect(f.dtype).toBe("float64");
    const same = cast(t, "float32");
    expect(same.data).not.toBe(t.data);
    expect(same.toArray()).toEqual(t.toArray());
  });

  it("rejects unknown dtypes", () => {
    expect(() => cast(tensor([1]), "int8" as "int32")).toThrow(
      /cast: unknown dtype 'int8': expected 'float32', 'float64' or 'int32'/,
    );
  });
});
