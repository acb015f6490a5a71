import { describe, expect, it } from "vitest";
import { equal, greater, greaterEqual, less, lessEqual, notEqual, scalar, tensor, where, zeros } from "../src/index.js";

describe("comparisons", () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([3, 2, 1]);

  it("give int32 0/1", () => {
    const r = equal(a, b);
    expect(r.dtype).toBe("int32");
    expect(r.toArray()).toEqual([0, 1, 0]);
    expect(notEqual(a, b).toArray()).toEqual([1, 0, 1]);
    expect(less(a, b).toArray()).toEqual([1, 0, 0]);
    expect(lessEqual(a, b).toArray()).toEqual([1, 1, 0]);
    expect(greater(a, b).toArray()).toEqual([0, 0, 1]);
    expect(greaterEqual(a, b).toArray()).toEqual([0, 1, 1]);
  });

  it("broadcast and take numbers", () => {
    expect(greater(tensor([[1], [5]]), tensor([2, 4])).toArray()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(equal(a, 2).toArray()).toEqual([0, 1, 0]);
    expect(less(2, a).toArray()).toEqual([0, 0, 1]);
    // float32(0.1) == 0.1 once the number takes the tensor's dtype.
    expect(equal(tensor([0.1]), 0.1).toArray()).toEqual([1]);
    expect(equal(tensor([1], undefined, "int32"), 1.5).toArray()).toEqual([0]);
  });

  it("treat NaN as unequal to everything", () => {
    const n = tensor([NaN]);
    expect(equal(n, n).toArray()).toEqual([0]);
    expect(notEqual(n, n).toArray()).toEqual([1]);
    expect(less(n, 1).toArray()).toEqual([0]);
  });

  it("name the op when shapes do not broadcast", () => {
    expect(() => less(zeros([2]), zeros([3]))).toThrow(/^less: shapes \[2\] and \[3\] do not broadcast$/);
  });
});

describe("where", () => {
  it("takes a where cond is nonzero", () => {
    const c = tensor([1, 0, 2, 0], undefined, "int32");
    expect(where(c, tensor([1, 2, 3, 4]), tensor([10, 20, 30, 40])).toArray()).toEqual([1, 20, 3, 40]);
    expect(where(tensor([0.5, 0]), 1, 0).toArray()).toEqual([1, 0]);
  });

  it("broadcasts all three operands", () => {
    const r = where(tensor([[1], [0]], undefined, "int32"), tensor([1, 2, 3]), 0);
    expect(r.shape).toEqual([2, 3]);
    expect(r.toArray()).toEqual([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const s = where(tensor([1, 0, 1]), scalar(5), tensor([[7], [8]]));
    expect(s.toArray()).toEqual([
      [5, 7, 5],
      [5, 8, 5],
    ]);
  });

  it("promotes a and b", () => {
    expect(where(tensor([1]), tensor([1], undefined, "int32"), tensor([2], undefined, "float64")).dtype).toBe(
      "float64",
    );
    expect(where(tensor([1]), tensor([1], undefined, "int32"), 0).dtype).toBe("int32");
  });

  it("rejects shapes that do not broadcast", () => {
    expect(() => where(zeros([2]), zeros([3]), 0)).toThrow(/^where: shapes \[2\], \[3\] and \[\] do not broadcast$/);
  });
});
