import { describe, expect, it } from "vitest";
import { accumulate, allClose, maxAbsDiff, scalar, tensor, zeros } from "../src/index.js";

describe("accumulate", () => {
  it("adds into the target's own storage and returns it", () => {
    const t = tensor([1, 2, 3]);
    const data = t.data;
    const r = accumulate(t, tensor([10, 20, 30]));
    expect(r).toBe(t);
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([11, 22, 33]);
  });

  it("broadcasts the source to the target", () => {
    const t = zeros([2, 3]);
    accumulate(t, tensor([1, 2, 3]));
    accumulate(t, tensor([[10], [20]]));
    accumulate(t, 0.5);
    expect(t.toArray()).toEqual([
      [11.5, 12.5, 13.5],
      [21.5, 22.5, 23.5],
    ]);
    accumulate(scalar(1), scalar(2));
  });

  it("adds float64 into float32 and int32 into int32", () => {
    const f = tensor([1]);
    accumulate(f, tensor([0.5], undefined, "float64"));
    expect(f.item()).toBe(1.5);
    const i = tensor([1], undefined, "int32");
    accumulate(i, tensor([2], undefined, "int32"));
    accumulate(i, 3);
    expect(i.item()).toBe(6);
  });

  it("rejects a source that does not broadcast to the target, and floats into int32", () => {
    expect(() => accumulate(zeros([4]), zeros([3, 4]))).toThrow(
      /^accumulate: source shape \[3,4\] does not broadcast to target shape \[4\]$/,
    );
    expect(() => accumulate(zeros([2, 3]), zeros([2]))).toThrow(
      /accumulate: source shape \[2\] does not broadcast to target shape \[2,3\]/,
    );
    expect(() => accumulate(tensor([1], undefined, "int32"), tensor([1]))).toThrow(
      /^accumulate: cannot add a float32 Tensor of shape \[1\] into an int32 target/,
    );
    expect(() => accumulate(tensor([1], undefined, "int32"), 0.5)).toThrow(
      /accumulate: cannot add the number 0.5 into an int32 target/,
    );
    expect(() => accumulate(3 as unknown as ReturnType<typeof zeros>, zeros([1]))).toThrow(
      /accumulate: target must be a Tensor, got the number 3/,
    );
  });
});

describe("allClose / maxAbsDiff", () => {
  it("compares with rtol and atol", () => {
    expect(allClose(tensor([1, 2]), tensor([1, 2]))).toBe(true);
    expect(allClose(tensor([1, 2], undefined, "float64"), tensor([1, 2 + 1e-6], undefined, "float64"))).toBe(true);
    expect(allClose(tensor([1, 2], undefined, "float64"), tensor([1, 2.001], undefined, "float64"))).toBe(false);
    expect(allClose(tensor([1]), tensor([1.1]), { rtol: 0.2 })).toBe(true);
    expect(allClose(tensor([0]), tensor([1e-9]), { atol: 1e-8 })).toBe(true);
    expect(allClose(tensor([0]), tensor([1e-7]), { atol: 1e-8 })).toBe(false);
  });

  it("broadcasts and accepts numbers", () => {
    expect(
      allClose(
        tensor([
          [1, 1],
          [1, 1],
        ]),
        1,
      ),
    ).toBe(true);
    expect(allClose(tensor([[1], [2]]), tensor([1, 1]))).toBe(false);
    expect(allClose(zeros([0]), 5)).toBe(true);
  });

  it("treats NaN as never close and equal infinities as close", () => {
    expect(allClose(tensor([NaN]), tensor([NaN]))).toBe(false);
    expect(allClose(tensor([Infinity]), tensor([Infinity]))).toBe(true);
    expect(allClose(tensor([Infinity]), tensor([-Infinity]))).toBe(false);
  });

  it("maxAbsDiff", () => {
    expect(maxAbsDiff(tensor([1, 2, 3]), tensor([1, 2.5, 2]))).toBe(1);
    expect(maxAbsDiff(tensor([1, 2]), 2)).toBe(1);
    expect(maxAbsDiff(zeros([0]), zeros([0]))).toBe(0);
    expect(maxAbsDiff(tensor([1, NaN]), tensor([1, 1]))).toBeNaN();
    expect(maxAbsDiff(tensor([Infinity]), tensor([Infinity]))).toBe(0);
  });

  it("rejects shapes that do not broadcast and bad tolerances", () => {
    expect(() => allClose(zeros([2]), zeros([3]))).toThrow(/^allClose: shapes \[2\] and \[3\] do not broadcast$/);
    expect(() => maxAbsDiff(zeros([2]), zeros([3]))).toThrow(/^maxAbsDiff: shapes \[2\] and \[3\] do not broadcast$/);
    expect(() => allClose(zeros([1]), zeros([1]), { rtol: -1 })).toThrow(
      /allClose: rtol and atol must be non-negative, got rtol=-1, atol=1e-8/,
    );
  });
});
