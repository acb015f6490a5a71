import { describe, expect, it } from "vitest";
import { accumulate, assign, reshape, tensor, zeros } from "../src/index.js";

// The version counter autograd reads, and assign(), the supported in-place write.

describe("Tensor.version", () => {
  it("starts at 0 and counts each in-place change: accumulate, assign, markModified", () => {
    const t = tensor([1, 2]);
    expect(t.version).toBe(0);
    accumulate(t, 1);
    expect(t.version).toBe(1);
    assign(t, 0);
    expect(t.version).toBe(2);
    t.markModified();
    expect(t.version).toBe(3);
  });

  it("is shared by views of one storage, and not by a clone", () => {
    const t = zeros([2, 3]);
    const view = reshape(t, [3, 2]);
    const copy = t.clone();
    accumulate(view, 1);
    expect(t.version).toBe(1);
    expect(view.version).toBe(1);
    expect(copy.version).toBe(0);
    copy.markModified();
    expect(t.version).toBe(1);
  });

  it("does not change when an op reads the tensor", () => {
    const t = tensor([1, 2]);
    accumulate(zeros([2]), t);
    expect(t.version).toBe(0);
  });
});

describe("assign", () => {
  it("overwrites the target's own storage and returns it", () => {
    const t = tensor([1, 2, 3]);
    const data = t.data;
    expect(assign(t, tensor([7, 8, 9]))).toBe(t);
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([7, 8, 9]);
  });

  it("broadcasts the source (a number fills), converting float64 into float32", () => {
    const t = zeros([2, 3]);
    assign(t, tensor([[1], [2]]));
    expect(t.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    assign(t, 0.5);
    expect(t.toArray()).toEqual([
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);
    assign(t, tensor([0.1, 0.2, 0.3], undefined, "float64"));
    expect(Array.from(t.data)).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3, 0.1, 0.2, 0.3])));
    const i = tensor([1, 2], undefined, "int32");
    assign(i, 4);
    expect(i.toArray()).toEqual([4, 4]);
  });

  it("copies a source sharing the target's storage unchanged", () => {
    const t = tensor([[1, 2, 3, 4]]);
    assign(t, reshape(t, [4]));
    expect(t.toArray()).toEqual([[1, 2, 3, 4]]);
  });

  it("rejects what does not fit, naming assign", () => {
    expect(() => assign(zeros([2]), zeros([3]))).toThrow(
      /^assign: source shape \[3\] does not broadcast to target shape \[2\]$/,
    );
    expect(() => assign(tensor([1], undefined, "int32"), 0.5)).toThrow(
      /^assign: cannot copy the number 0.5 into an int32 target \(it would truncate\)/,
    );
    expect(() => assign(tensor([1], undefined, "int32"), tensor([1]))).toThrow(
      /^assign: cannot copy a float32 Tensor of shape \[1\] into an int32 target/,
    );
    expect(() => assign([1] as never, 1)).toThrow(
      /^assign: target must be a Tensor, got an array of length 1 \(make one with tensor\(...\)\)/,
    );
    expect(() => assign(zeros([1]), "1" as never)).toThrow(/^assign: operands must be Tensors or numbers, got "1"/);
  });

  it("leaves the target and its version untouched when it throws", () => {
    const t = tensor([1, 2]);
    expect(() => assign(t, zeros([3]))).toThrow();
    expect(t.toArray()).toEqual([1, 2]);
    expect(t.version).toBe(0);
  });
});
