import { Generator, rand, type Tensor, tensor } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  abs,
  add,
  clip,
  div,
  exp,
  gradcheck,
  leakyRelu,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  variable,
  where,
} from "../src/index.js";

const positive = (shape: number[], seed = 0): Tensor =>
  rand(shape, { generator: new Generator(seed), dtype: "float64", low: 0.5, high: 2 });

describe("arithmetic gradients", () => {
  it("add broadcasts [3,1] + [4]", () => {
    gradcheck((a, b) => add(a, b), [normal([3, 1], 1), normal([4], 2)]);
  });
  it("sub broadcasts [2,3] - [3] and takes numbers", () => {
    gradcheck((a, b) => sub(a, b), [normal([2, 3], 1), normal([3], 2)]);
    gradcheck((a) => sub(3, a), [normal([2, 3], 3)]);
  });
  it("mul broadcasts [2,3] * [3]", () => {
    gradcheck((a, b) => mul(a, b), [normal([2, 3], 1), normal([3], 2)]);
  });
  it("div broadcasts [2,3] / [2,1] and takes a number numerator", () => {
    gradcheck((a, b) => div(a, b), [normal([2, 3], 1), positive([2, 1], 2)]);
    gradcheck((a) => div(1, a), [positive([4], 3)]);
  });
  it("neg", () => {
    gradcheck((a) => neg(a), [normal([2, 3])]);
  });
  it("reused variables: x * x and x + x", () => {
    gradcheck((x) => mul(x, x), [normal([5])]);
    gradcheck((x) => add(x, x), [normal([5])]);
    gradcheck((x) => mul(add(x, 1), sub(x, mul(x, x))), [normal([2, 2])]);
  });
});

describe("unary gradients", () => {
  it("exp, log, sqrt, square, abs", () => {
    gradcheck((x) => exp(x), [normal([2, 3])]);
    gradcheck((x) => log(x), [positive([2, 3])]);
    gradcheck((x) => sqrt(x), [positive([2, 3])]);
    gradcheck((x) => square(x), [normal([2, 3])]);
    gradcheck((x) => abs(x), [normal([2, 3])]);
  });
  it("abs has gradient 0 at 0", () => {
    const x = variable([0, -2, 3], { requiresGrad: true });
    sum(abs(x)).backward();
    expect(x.grad!.toArray()).toEqual([0, -1, 1]);
  });
  it("pow with a number exponent", () => {
    gradcheck((x) => pow(x, 3), [normal([2, 3])]);
    gradcheck((x) => pow(x, 2.5), [positive([2, 3])]);
    gradcheck((x) => pow(x, -1.5), [positive([4])]);
  });
  it("pow with a Variable exponent (d/dp = out·log x), broadcast", () => {
    gradcheck((x, p) => pow(x, p), [positive([2, 3], 1), normal([3], 2)]);
    gradcheck((x, p) => pow(x, p), [positive([3], 3), normal([], 4)]);
  });
  it("pow gives finite gradients at x = 0 for p = 0 and for the exponent", () => {
    const x = variable([0, 2], { requiresGrad: true, dtype: "float64" });
    sum(pow(x, 0)).backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    const base = variable([0, 2], { requiresGrad: true, dtype: "float64" });
    const p = variable([2, 2], { requiresGrad: true, dtype: "float64" });
    sum(pow(base, p)).backward();
    expect(base.grad!.toArray()).toEqual([0, 4]);
    expect(p.grad!.data[0]).toBe(0);
    expect(p.grad!.data[1]).toBeCloseTo(4 * Math.log(2), 12);
  });
});

describe("activation gradients", () => {
  it("relu, leakyRelu, sigmoid, tanh, clip", () => {
    gradcheck((x) => relu(x), [normal([3, 4])]);
    gradcheck((x) => leakyRelu(x, 0.1), [normal([3, 4])]);
    gradcheck((x) => leakyRelu(x), [normal([3, 4], 1)]);
    gradcheck((x) => sigmoid(x), [normal([3, 4])]);
    gradcheck((x) => tanh(x), [normal([3, 4])]);
    gradcheck((x) => clip(x, -0.5, 0.5), [normal([3, 4])]);
  });
  it("relu's gradient at 0 is 0; leakyRelu's is the slope", () => {
    const x = variable([-1, 0, 2], { requiresGrad: true });
    sum(relu(x)).backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1]);
    const y = variable([-1, 0, 2], { requiresGrad: true, dtype: "float64" });
    sum(leakyRelu(y, 0.25)).backward();
    expect(y.grad!.toArray()).toEqual([0.25, 0.25, 1]);
    expect(leakyRelu(tensor([-4, 4], [2], "int32"), 0.5).toArray()).toEqual([-2, 4]);
    expect(() => leakyRelu(y, Number.NaN)).toThrow(/leakyRelu: slope must be a finite number/);
  });
  it("relu and leakyRelu of float32 (selected on the bits) agree with float64, values and gradients", () => {
    // ±0, subnormals, ±Infinity and NaNs of both signs as bit patterns, then ordinary values.
    const patterns = [
      0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
      0xffc00000,
    ];
    const x = new Float32Array(patterns.length + 30);
    new Uint32Array(x.buffer, 0, patterns.length).set(patterns);
    for (let i = patterns.length; i < x.length; i++) x[i] = Math.sin(i * 7.3) * 10 ** ((i % 7) - 3);
    const g = Float32Array.from(x, (_, i) => (i % 5 === 0 ? -0 : Math.cos(i * 3.1) * 10 ** ((i % 5) - 2)));
    g[3] = Infinity;
    for (const op of [relu, (v: Parameters<typeof relu>[0]) => leakyRelu(v, 0.3)]) {
      const results = (["float32", "float64"] as const).map((dtype) => {
        const Ctor = dtype === "float32" ? Float32Array : Float64Array;
        const v = variable(tensor(Ctor.from(x)), { requiresGrad: true });
        const y = op(v);
        y.backward(tensor(Ctor.from(g)));
        return [y.value.data, v.grad!.data];
      });
      const [[y32, dx32], [y64, dx64]] = results as [[Float32Array, Float32Array], [Float64Array, Float64Array]];
      expect(y32).toBeInstanceOf(Float32Array);
      x.forEach((v, i) => {
        expect(Object.is(y32[i], Math.fround(y64[i]!)), `value at ${v}`).toBe(true);
        expect(Object.is(dx32[i], Math.fround(dx64[i]!)), `gradient at ${v}`).toBe(true);
      });
    }
  });
  it("relu, sigmoid and tanh are finite for ±1000, values and gradients", () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const f of [relu, sigmoid, tanh]) {
        const x = variable([-1000, -30, 0, 30, 1000], { requiresGrad: true, dtype });
        const y = f(x);
        sum(y).backward();
        for (const v of [...y.value.data, ...x.grad!.data]) expect(Number.isFinite(v)).toBe(true);
      }
    }
    const s = sigmoid(tensor([-1000, 1000], [2], "float64"));
    expect(s.toArray()).toEqual([0, 1]);
  });
});

describe("compare gradients", () => {
  it("maximum and minimum broadcast, and take numbers", () => {
    gradcheck((a, b) => maximum(a, b), [normal([2, 3], 1), normal([3], 2)]);
    gradcheck((a, b) => minimum(a, b), [normal([3, 1], 1), normal([4], 2)]);
    gradcheck((a) => maximum(a, 0.1), [normal([5], 3)]);
    gradcheck((a) => minimum(-0.2, a), [normal([5], 4)]);
  });
  it("maximum splits the gradient of a tie", () => {
    const a = variable([1, 2, 3], { requiresGrad: true });
    const b = variable([2, 2, 2], { requiresGrad: true });
    sum(maximum(a, b)).backward();
    expect(a.grad!.toArray()).toEqual([0, 0.5, 1]);
    expect(b.grad!.toArray()).toEqual([1, 0.5, 0]);
  });
  it("where with a broadcast constant condition", () => {
    const cond = tensor([1, 0], [2, 1], "int32");
    gradcheck((a, b) => where(cond, a, b), [normal([2, 3], 1), normal([3], 2)]);
    gradcheck((a) => where(cond, a, 0), [normal([2, 3], 3)]);
  });
});

describe("inputs and errors", () => {
  it("accepts Variables, Tensors and numbers; constants build no graph", () => {
    expect(exp(0).item()).toBe(1);
    expect(add(tensor([1, 2]), 3).toArray()).toEqual([4, 5]);
    expect(mul(2, variable([1.5], { requiresGrad: true })).node!.op).toBe("mul");
    expect(sqrt(tensor([4])).node).toBeNull();
  });
  it("keeps float64 when a number meets a float64 Variable", () => {
    const x = variable([1, 2], { requiresGrad: true, dtype: "float64" });
    expect(pow(x, 2).dtype).toBe("float64");
    expect(sub(1, x).dtype).toBe("float64");
  });
  it("reports invalid inputs through the tensor op, which names itself", () => {
    expect(() =>
      add(
        variable([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        variable([1, 2, 3, 4]),
      ),
    ).toThrow(/^add: .*\[2,3\].*\[4\]/);
    expect(() => maximum(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^maximum:/);
    expect(() => clip(tensor([1]), 2, 1)).toThrow(/^clip:/);
    expect(() => where(tensor([1, 0, 1]), tensor([1, 2]), 0)).toThrow(/^where:/);
  });
});
