import { defaultGenerator, Generator, manualSeed, ones, randn, tensor } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { dropout, gradcheck, linear, logSoftmax, matmul, mul, relu, softmax, sum, variable } from "../src/index.js";

describe("matmul gradients", () => {
  it("2-D @ 2-D", () => {
    gradcheck((a, b) => matmul(a, b), [normal([3, 4], 1), normal([4, 2], 2)]);
  });
  it("batched 3-D @ 3-D", () => {
    gradcheck((a, b) => matmul(a, b), [normal([2, 3, 4], 1), normal([2, 4, 5], 2)]);
  });
  it("3-D @ 2-D (the weight's gradient sums over the batch)", () => {
    gradcheck((a, b) => matmul(a, b), [normal([2, 3, 4], 1), normal([4, 5], 2)]);
  });
  it("a small MLP end to end", () => {
    gradcheck(
      (x, w1, w2) => logSoftmax(matmul(relu(matmul(x, w1)), w2)),
      [normal([4, 3], 1), normal([3, 5], 2), normal([5, 2], 3)],
    );
  });
});

describe("linear", () => {
  it("gradients with and without bias", () => {
    gradcheck((x, w, b) => linear(x, w, b), [normal([4, 3], 1), normal([3, 5], 2), normal([5], 3)]);
    gradcheck((x, w) => linear(x, w), [normal([4, 3], 1), normal([3, 5], 2)]);
  });
  it("gradients with leading batch axes and a 1-D input", () => {
    gradcheck((x, w, b) => linear(x, w, b), [normal([2, 3, 4], 1), normal([4, 2], 2), normal([2], 3)]);
    gradcheck((x, w, b) => linear(x, w, b), [normal([4], 1), normal([4, 2], 2), normal([2], 3)]);
  });
  it("is one graph node and matches matmul + bias", () => {
    const x = variable(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const w = variable(
      [
        [1, 0, -1],
        [2, 1, 0],
      ],
      { requiresGrad: true },
    );
    const b = variable([10, 20, 30], { requiresGrad: true });
    const y = linear(x, w, b);
    expect(y.node!.op).toBe("linear");
    expect(y.node!.inputs.map((v) => v.node)).toEqual([null, null, null]);
    expect(y.toArray()).toEqual([
      [15, 22, 29],
      [21, 24, 27],
    ]);
    sum(y).backward();
    expect(b.grad!.toArray()).toEqual([2, 2, 2]);
    expect(x.grad!.toArray()).toEqual([
      [0, 3],
      [0, 3],
    ]);
    expect(w.grad!.toArray()).toEqual([
      [4, 4, 4],
      [6, 6, 6],
    ]);
  });
  it("validates shapes, naming the op", () => {
    expect(() => linear(ones([64, 784]), ones([128, 10]))).toThrow(
      "linear: inner dimensions differ: [64,784] @ [128,10]",
    );
    expect(() => linear(ones([2, 3]), ones([3]))).toThrow(/linear: weight must be 2-D/);
    expect(() => linear(ones([2, 3]), ones([3, 4]), ones([3]))).toThrow(/linear: bias must have shape \[4\]/);
  });
});

describe("softmax / logSoftmax", () => {
  it("gradients along axis 0, 1 and -1", () => {
    for (const axis of [0, 1, -1]) {
      gradcheck((x) => softmax(x, axis), [normal([3, 4, 2])]);
      gradcheck((x) => logSoftmax(x, axis), [normal([3, 4, 2])]);
    }
    gradcheck((x) => softmax(x), [normal([5])]);
    gradcheck((x) => logSoftmax(x, 0), [normal([2, 5])]);
  });
  it("rows sum to one and are stable for large logits", () => {
    const y = softmax(
      tensor([
        [1000, 1001, 1002],
        [-1000, 0, 1000],
      ]),
    );
    for (const v of y.value.data) expect(Number.isFinite(v)).toBe(true);
    const rows = sum(y, 1).value.data;
    expect(rows[0]).toBeCloseTo(1, 6);
    expect(rows[1]).toBeCloseTo(1, 6);
    const ls = logSoftmax(tensor([[1e4, 0]], undefined, "float32"));
    expect(ls.value.data[0]).toBe(0);
    expect(ls.value.data[1]).toBe(-1e4);
  });
  it("validates the axis, naming the op", () => {
    expect(() => softmax(ones([2, 3]), 2)).toThrow(/softmax: axis 2 is out of range/);
    expect(() => logSoftmax(ones([2, 3]), -3)).toThrow(/logSoftmax: axis -3 is out of range/);
  });
});

describe("dropout", () => {
  const x = ones([1000]);
  it("the same seed gives the same mask", () => {
    const a = dropout(x, 0.3, { generator: new Generator(7) });
    const b = dropout(x, 0.3, { generator: new Generator(7) });
    const c = dropout(x, 0.3, { generator: new Generator(8) });
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.toArray()).not.toEqual(c.toArray());
  });
  it("uses the global generator by default", () => {
    manualSeed(3);
    const a = dropout(x, 0.5);
    manualSeed(3);
    expect(dropout(x, 0.5).toArray()).toEqual(a.toArray());
    expect(defaultGenerator()).toBeInstanceOf(Generator);
  });
  it("scales kept units by 1/(1-p) so the mean is preserved", () => {
    const y = dropout(ones([100_000]), 0.25, { generator: new Generator(1) });
    const values = new Set(y.value.data);
    expect([...values].sort()).toEqual([0, 1 / 0.75].map((v) => Math.fround(v)).sort());
    expect(sum(y).item() / 100_000).toBeCloseTo(1, 1);
  });
  it("is the identity in evaluation and for p = 0; p = 1 gives zeros", () => {
    const v = variable([1, 2, 3], { requiresGrad: true });
    expect(dropout(v, 0.5, { training: false })).toBe(v);
    expect(dropout(v, 0).toArray()).toEqual([1, 2, 3]);
    const z = dropout(v, 1, { generator: new Generator(0) });
    expect(z.toArray()).toEqual([0, 0, 0]);
    sum(z).backward();
    expect(v.grad!.toArray()).toEqual([0, 0, 0]);
  });
  it("rejects p outside [0, 1]", () => {
    expect(() => dropout(x, -0.1)).toThrow("dropout: p must be a probability in [0, 1], got -0.1");
    expect(() => dropout(x, 1.5)).toThrow(/dropout: p must be/);
    expect(() => dropout(x, Number.NaN)).toThrow(/dropout: p must be/);
  });
  it("backward multiplies by the same mask", () => {
    gradcheck((v) => dropout(v, 0.4, { generator: new Generator(5) }), [normal([4, 5])]);
    const v = variable(randn([50], { generator: new Generator(2) }), { requiresGrad: true });
    const y = dropout(v, 0.5, { generator: new Generator(3) });
    sum(mul(y, 1)).backward();
    for (let i = 0; i < 50; i++) expect(v.grad!.data[i]).toBe(y.value.data[i] === 0 ? 0 : 2);
  });
});

describe("matmul errors", () => {
  it("come from the tensor op, named", () => {
    expect(() => matmul(ones([64, 784]), ones([128, 10]))).toThrow(
      "matmul: inner dimensions differ: [64,784] @ [128,10]",
    );
  });
});
