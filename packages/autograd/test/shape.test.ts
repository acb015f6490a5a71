import { tensor } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  broadcastTo,
  concat,
  flatten,
  gather,
  gradcheck,
  mul,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  sum,
  transpose,
  unsqueeze,
  variable,
} from "../src/index.js";

describe("reshape-like gradients", () => {
  it("reshape, flatten, squeeze, unsqueeze", () => {
    gradcheck((x) => reshape(x, [3, -1]), [normal([2, 3, 2])]);
    gradcheck((x) => flatten(x, 1), [normal([2, 3, 2])]);
    gradcheck((x) => flatten(x), [normal([2, 3])]);
    gradcheck((x) => squeeze(x), [normal([2, 1, 3, 1])]);
    gradcheck((x) => squeeze(x, 1), [normal([2, 1, 3])]);
    gradcheck((x) => unsqueeze(x, -1), [normal([2, 3])]);
  });
  it("transpose (default and explicit perm) and permute", () => {
    gradcheck((x) => transpose(x), [normal([2, 3, 4])]);
    gradcheck((x) => transpose(x, [1, 0, 2]), [normal([2, 3, 4])]);
    gradcheck((x) => permute(x, [2, 0, 1]), [normal([2, 3, 4])]);
    gradcheck((x) => permute(x, [-1, 0, -2]), [normal([2, 3, 4])]);
  });
  it("broadcastTo sums the gradient back", () => {
    gradcheck((x) => broadcastTo(x, [2, 3, 4]), [normal([3, 1])]);
    const x = variable([[1], [2]], { requiresGrad: true });
    sum(broadcastTo(x, [2, 5])).backward();
    expect(x.grad!.toArray()).toEqual([[5], [5]]);
  });
});

describe("slice / concat / stack / gather / pad gradients", () => {
  it("slice with negative and clamped bounds, shorter begin/end", () => {
    gradcheck((x) => slice(x, [1, -3], [3, 100]), [normal([4, 5])]);
    gradcheck((x) => slice(x, [1]), [normal([3, 2, 2])]);
    gradcheck((x) => slice(x, [0, 1, 0], [2, 2, 2]), [normal([3, 3, 2])]);
  });
  it("concat along 0 and -1, with a constant among the inputs", () => {
    gradcheck((a, b, c) => concat([a, b, c], 0), [normal([1, 3], 1), normal([2, 3], 2), normal([3, 3], 3)]);
    gradcheck((a, b) => concat([a, b], -1), [normal([2, 2], 1), normal([2, 3], 2)]);
    const k = normal([2, 1], 9);
    gradcheck((a) => concat([k, a], 1), [normal([2, 2], 1)]);
  });
  it("stack along 0 and 1", () => {
    gradcheck((a, b) => stack([a, b]), [normal([2, 3], 1), normal([2, 3], 2)]);
    gradcheck((a, b, c) => stack([a, b, c], 1), [normal([2, 3], 1), normal([2, 3], 2), normal([2, 3], 3)]);
    gradcheck((a, b) => stack([a, b], -1), [normal([2], 1), normal([2], 2)]);
  });
  it("gather with repeated indices scatter-adds", () => {
    gradcheck((x) => gather(x, [2, 0, 2, 2], 0), [normal([3, 2])]);
    gradcheck((x) => gather(x, tensor([1, 1, 0], [3], "int32"), 1), [normal([2, 3, 2])]);
    gradcheck((x) => gather(x, new Int32Array([0, 3, 3]), -1), [normal([2, 4])]);
    const x = variable([10, 20, 30], { requiresGrad: true });
    sum(mul(gather(x, [0, 2, 2, 2]), tensor([1, 2, 3, 4]))).backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 9]);
  });
  it("gather keeps its own copy of the indices", () => {
    const indices = [0, 1];
    const x = variable([1, 2, 3], { requiresGrad: true });
    const y = gather(x, indices);
    indices[0] = 2;
    sum(y).backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 0]);
  });
  it("pad", () => {
    gradcheck(
      (x) =>
        pad(x, [
          [1, 2],
          [0, 1],
        ]),
      [normal([2, 3])],
    );
    gradcheck(
      (x) =>
        pad(x, [
          [0, 0],
          [2, 0],
          [1, 1],
        ]),
      [normal([2, 1, 2])],
    );
  });
});

describe("errors", () => {
  it("come from the tensor op, named", () => {
    expect(() => reshape(tensor([1, 2, 3]), [2, 2])).toThrow(/^reshape:/);
    expect(() => gather(tensor([1, 2, 3]), [3])).toThrow(/^gather: index 3/);
    expect(() => concat([tensor([[1, 2]]), tensor([1])])).toThrow(/^concat:/);
    expect(() => permute(tensor([[1, 2]]), [0, 0])).toThrow(/^permute:/);
    expect(() => pad(tensor([1, 2]), [[-1, 0]])).toThrow(/^pad:/);
  });
});
