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
    expect(add(a, b).toArray()).toEqual([
      [6, 8],
      [10, 12],
    ]);
    expect(sub(a, b).toArray()).toEqual([
      [-4, -4],
      [-4, -4],
    ]);
    expect(mul(a, b).toArray()).toEqual([
      [5, 12],
      [21, 32],
    ]);
    expect(f(div(b, a))).toEqual([5, 3, 7 / 3, 2].map(Math.fround));
    expect(pow(a, 2).toArray()).toEqual([
      [1, 4],
      [9, 16],
    ]);
    expect(f(pow(tensor([4, 9]), 0.5))).toEqual([2, 3]);
    expect(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([4, 5, 3]);
    expect(minimum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([1, 2, 3]);
  });

  it("takes numbers on either side", () => {
    expect(add(a, 1).toArray()).toEqual([
      [2, 3],
      [4, 5],
    ]);
    expect(sub(10, a).toArray()).toEqual([
      [9, 8],
      [7, 6],
    ]);
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
    expect(() => add(tensor([1]), "2" as unknown as number)).toThrow(
      /add: operands must be Tensors or numbers, got "2"/,
    );
    expect(() => mul([1, 2] as unknown as number, 2)).toThrow(
      /mul: operands must be Tensors or numbers, got an array of length 2/,
    );
  });
});

describe("float32 add and mul", () => {
  it("round the float64 result once, for same shapes, bias rows, scalars and strided broadcasts", () => {
    const values = (n: number, k: number): number[] =>
      Array.from({ length: n }, (_, i) =>
        i % 9 === 4 ? [NaN, Infinity, -0][i % 3]! : Math.sin(i * k) * 10 ** ((i % 5) - 2),
      );
    const cases: [number[], number[]][] = [
      [
        [6, 7],
        [6, 7],
      ],
      [[6, 7], [7]],
      [
        [3, 8],
        [1, 8],
      ],
      [[4], [3, 1]],
      [[5, 3], []],
      [[], [2, 9]],
    ];
    for (const [sa, sb] of cases) {
      const a = values(
        sa.reduce((p, d) => p * d, 1),
        1.7,
      );
      const b = values(
        sb.reduce((p, d) => p * d, 1),
        2.3,
      );
      for (const op of [add, mul]) {
        const out = op(tensor(a, sa), tensor(b, sb));
        expect(out.dtype).toBe("float32");
        // The same float32 values, in float64.
        const exact = op(
          tensor(Float64Array.from(Float32Array.from(a)), sa),
          tensor(Float64Array.from(Float32Array.from(b)), sb),
        );
        expect(exact.shape).toEqual(out.shape);
        out.data.forEach((v, i) =>
          expect(Object.is(v, Math.fround(exact.data[i]!)), `${op.name} ${JSON.stringify([sa, sb])} at ${i}`).toBe(
            true,
          ),
        );
      }
    }
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

  it("relu of float32 (computed on the bits) agrees with float64 on every kind of value", () => {
    // Bit patterns: ±0, the smallest and largest subnormals and normals, ±Infinity, and NaNs of
    // both signs, quiet and signalling; then ordinary values.
    const patterns = [
      0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x3f800000,
      0xbf800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xffbfffff,
    ];
    const x = new Float32Array(patterns.length + 40);
    new Uint32Array(x.buffer, 0, patterns.length).set(patterns);
    for (let i = patterns.length; i < x.length; i++) x[i] = Math.sin(i * 7.3) * 10 ** ((i % 9) - 4);
    const out = relu(tensor(x)).data;
    expect(out).toBeInstanceOf(Float32Array);
    const ref = relu(tensor(Float64Array.from(x))).data;
    x.forEach((v, i) => expect(Object.is(out[i], Math.fround(ref[i]!)), `element ${i} (${v})`).toBe(true));
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
    expect(() => exp(3 as unknown as ReturnType<typeof scalar>)).toThrow(
      /exp: argument must be a Tensor, got the number 3/,
    );
  });
});
