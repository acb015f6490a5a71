import { describe, expect, it } from "vitest";
import {
  abs,
  add,
  clip,
  div,
  exp,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  scalar,
  sigmoid,
  sign,
  sqrt,
  square,
  sub,
  tanh,
  tensor,
  zeros,
} from "../src/index.js";

const f = (t: { data: ArrayLike<number> }): number[] => Array.from(t.data);

describe("binary arithmetic", () => {
  const a = tensor([1, 2, 3, 4], [2, 2]);
  const b = tensor([5, 6, 7, 8], [2, 2]);

  it("computes hand-checked values", () => {
    expect(add(a, b).toArray()).toEqual([[6, 8], [10, 12]]);
    expect(sub(a, b).toArray()).toEqual([[-4, -4], [-4, -4]]);
    expect(mul(a, b).toArray()).toEqual([[5, 12], [21, 32]]);
    expect(f(div(b, a))).toEqual([5, 3, 7 / 3, 2].map(Math.fround));
    expect(pow(a, 2).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(f(pow(tensor([4, 9]), 0.5))).toEqual([2, 3]);
    expect(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([4, 5, 3]);
    expect(minimum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([1, 2, 3]);
  });

  it("takes numbers on either side", () => {
    expect(add(a, 1).toArray()).toEqual([[2, 3], [4, 5]]);
    expect(sub(10, a).toArray()).toEqual([[9, 8], [7, 6]]);
    expect(f(div(1, tensor([2, 4])))).toEqual([0.5, 0.25]);
    expect(maximum(tensor([-1, 2]), 0).toArray()).toEqual([0, 2]);
    const s = add(2, 3);
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe("float32");
    expect(s.item()).toBe(5);
  });

  it("propagates NaN through maximum and minimum", () => {
    expect(f(maximum(tensor([NaN, 1]), tensor([0, NaN])))).toEqual([NaN, NaN]);
    expect(f(minimum(tensor([NaN, 1]), tensor([0, NaN])))).toEqual([NaN, NaN]);
  });

  it("promotes dtypes", () => {
    const i = tensor([1, 2], undefined, "int32");
    const d = tensor([1, 2], undefined, "float64");
    expect(add(i, i).dtype).toBe("int32");
    expect(add(i, tensor([1, 2])).dtype).toBe("float32");
    expect(add(tensor([1, 2]), d).dtype).toBe("float64");
    expect(add(i, 3).dtype).toBe("int32");
    expect(add(i, 0.5).dtype).toBe("float32");
    expect(f(add(i, 0.5))).toEqual([1.5, 2.5]);
    expect(add(d, 1).dtype).toBe("float64");
    // int32 / int32 is true division in float32.
    const q = div(tensor([1, 3], undefined, "int32"), tensor([2, 2], undefined, "int32"));
    expect(q.dtype).toBe("float32");
    expect(f(q)).toEqual([0.5, 1.5]);
    expect(div(i, 2).dtype).toBe("float32");
    expect(pow(i, -1).dtype).toBe("float32");
    expect(f(pow(i, -1))).toEqual([1, 0.5]);
  });

  it("rounds a number operand to the tensor's float32", () => {
    // 0.1 is not a float32; as a float32 operand it cancels exactly.
    expect(sub(tensor([0.1]), 0.1).item()).toBe(0);
    expect(sub(tensor([0.1], undefined, "float64"), 0.1).item()).toBe(0);
  });

  it("rejects non-tensor operands", () => {
    expect(() => add(tensor([1]), "2" as unknown as number)).toThrow(/add: operands must be Tensors or numbers, got string/);
    expect(() => mul([1, 2] as unknown as number, 2)).toThrow(/mul: operands must be Tensors or numbers, got an array of length 2/);
  });
});

describe("unary ops", () => {
  it("computes hand-checked values", () => {
    const t = tensor([-2, -0.5, 0, 0.5, 2]);
    expect(f(neg(t))).toEqual([2, 0.5, -0, -0.5, -2]);
    expect(f(abs(t))).toEqual([2, 0.5, 0, 0.5, 2]);
    expect(f(sign(t))).toEqual([-1, -1, 0, 1, 1]);
    expect(f(relu(t))).toEqual([0, 0, 0, 0.5, 2]);
    expect(f(square(t))).toEqual([4, 0.25, 0, 0.25, 4]);
    expect(f(clip(t, -1, 1))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(f(exp(tensor([0, 1], undefined, "float64")))).toEqual([1, Math.E]);
    expect(f(log(tensor([1, Math.E, 0], undefined, "float64")))).toEqual([0, 1, -Infinity]);
    expect(f(sqrt(tensor([4, 9, 2], undefined, "float64")))).toEqual([2, 3, Math.SQRT2]);
    expect(f(tanh(tensor([0, 1], undefined, "float64")))).toEqual([0, Math.tanh(1)]);
    expect(f(sigmoid(tensor([0, 2], undefined, "float64")))).toEqual([0.5, 1 / (1 + Math.exp(-2))]);
  });

  it("relu propagates NaN and maps -Infinity to 0", () => {
    expect(f(relu(tensor([NaN, -Infinity, Infinity])))).toEqual([NaN, 0, Infinity]);
  });

  it("sigmoid is stable at ±1000 and symmetric", () => {
    const s = sigmoid(tensor([-1000, 1000, -40, 40], undefined, "float64"));
    expect(f(s)).toEqual([0, 1, Math.exp(-40) / (1 + Math.exp(-40)), 1 / (1 + Math.exp(-40))]);
    expect(f(s).every(Number.isFinite)).toBe(true);
    const x = tensor([-3, -1, 1, 3], undefined, "float64");
    const y = f(sigmoid(x));
    expect(y[0]! + y[3]!).toBeCloseTo(1, 15);
    expect(y[1]! + y[2]!).toBeCloseTo(1, 15);
  });

  it("keeps int32 where the result is an integer, float32 otherwise", () => {
    const i = tensor([-2, 3], undefined, "int32");
    expect(neg(i).dtype).toBe("int32");
    expect(relu(i).dtype).toBe("int32");
    expect(square(i).dtype).toBe("int32");
    expect(clip(i, 0, 2).dtype).toBe("int32");
    expect(clip(i, 0, Infinity).dtype).toBe("int32");
    expect(clip(i, 0.5, 2).dtype).toBe("float32");
    expect(exp(i).dtype).toBe("float32");
    expect(sqrt(i).dtype).toBe("float32");
    expect(sigmoid(i).dtype).toBe("float32");
    expect(exp(tensor([1], undefined, "float64")).dtype).toBe("float64");
  });

  it("works on scalars and empty tensors", () => {
    expect(exp(scalar(0)).item()).toBe(1);
    expect(exp(scalar(0)).shape).toEqual([]);
    expect(relu(zeros([0, 4])).shape).toEqual([0, 4]);
  });

  it("clip validates its bounds", () => {
    expect(() => clip(tensor([1]), 2, 1)).toThrow(/^clip: lo must not exceed hi, got lo=2, hi=1$/);
    expect(() => clip(tensor([1]), NaN, 1)).toThrow(/clip: bounds must be numbers, got lo=NaN, hi=1/);
  });

  it("rejects non-tensors", () => {
    expect(() => exp(3 as unknown as ReturnType<typeof scalar>)).toThrow(/exp: argument must be a Tensor, got the number 3/);
  });
});
