import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import * as T from "../src/index.js";
import { Generator, randn, type Tensor, tensor } from "../src/index.js";

const x = randn([2, 3], { generator: new Generator(1) });
const y = randn([2, 3], { generator: new Generator(2) });
const w = randn([3, 4], { generator: new Generator(3) });

// Each method against the free function of its name, called with the same arguments.
const cases: ReadonlyArray<[string, (t: Tensor) => Tensor, (t: Tensor) => Tensor]> = [
  ["add", (t) => t.add(y), (t) => T.add(t, y)],
  ["add a number", (t) => t.add(2), (t) => T.add(t, 2)],
  ["sub", (t) => t.sub(y), (t) => T.sub(t, y)],
  ["mul", (t) => t.mul(y), (t) => T.mul(t, y)],
  ["div", (t) => t.div(y), (t) => T.div(t, y)],
  ["pow", (t) => t.abs().pow(1.5), (t) => T.pow(T.abs(t), 1.5)],
  ["maximum", (t) => t.maximum(y), (t) => T.maximum(t, y)],
  ["minimum", (t) => t.minimum(0), (t) => T.minimum(t, 0)],
  ["matmul", (t) => t.matmul(w), (t) => T.matmul(t, w)],
  ["matmul transposeB", (t) => t.matmul(y, { transposeB: true }), (t) => T.matmul(t, y, { transposeB: true })],
  ["equal", (t) => t.equal(y), (t) => T.equal(t, y)],
  ["notEqual", (t) => t.notEqual(y), (t) => T.notEqual(t, y)],
  ["less", (t) => t.less(y), (t) => T.less(t, y)],
  ["lessEqual", (t) => t.lessEqual(y), (t) => T.lessEqual(t, y)],
  ["greater", (t) => t.greater(0), (t) => T.greater(t, 0)],
  ["greaterEqual", (t) => t.greaterEqual(y), (t) => T.greaterEqual(t, y)],
  ["neg", (t) => t.neg(), T.neg],
  ["exp", (t) => t.exp(), T.exp],
  ["log", (t) => t.abs().log(), (t) => T.log(T.abs(t))],
  ["sqrt", (t) => t.abs().sqrt(), (t) => T.sqrt(T.abs(t))],
  ["square", (t) => t.square(), T.square],
  ["sign", (t) => t.sign(), T.sign],
  ["relu", (t) => t.relu(), T.relu],
  ["sigmoid", (t) => t.sigmoid(), T.sigmoid],
  ["tanh", (t) => t.tanh(), T.tanh],
  ["clip", (t) => t.clip(-0.5, 0.5), (t) => T.clip(t, -0.5, 0.5)],
  ["softmax", (t) => t.softmax(), (t) => T.softmax(t)],
  ["softmax axis 0", (t) => t.softmax(0), (t) => T.softmax(t, 0)],
  ["logSoftmax", (t) => t.logSoftmax(), (t) => T.logSoftmax(t)],
  ["sum", (t) => t.sum(), (t) => T.sum(t)],
  ["sum axis keepdims", (t) => t.sum(1, true), (t) => T.sum(t, 1, true)],
  ["mean", (t) => t.mean(0), (t) => T.mean(t, 0)],
  ["max", (t) => t.max(1), (t) => T.max(t, 1)],
  ["min", (t) => t.min(), (t) => T.min(t)],
  ["logsumexp", (t) => t.logsumexp(-1), (t) => T.logsumexp(t, -1)],
  ["argmax", (t) => t.argmax(1), (t) => T.argmax(t, 1)],
  ["argmin", (t) => t.argmin(), (t) => T.argmin(t)],
  ["reshape", (t) => t.reshape([3, -1]), (t) => T.reshape(t, [3, -1])],
  ["flatten", (t) => t.flatten(), (t) => T.flatten(t)],
  ["squeeze", (t) => t.unsqueeze(0).squeeze(0), (t) => T.squeeze(T.unsqueeze(t, 0), 0)],
  ["unsqueeze", (t) => t.unsqueeze(-1), (t) => T.unsqueeze(t, -1)],
  ["transpose", (t) => t.transpose(), (t) => T.transpose(t)],
  ["permute", (t) => t.permute([1, 0]), (t) => T.permute(t, [1, 0])],
  ["broadcastTo", (t) => t.broadcastTo([4, 2, 3]), (t) => T.broadcastTo(t, [4, 2, 3])],
  ["slice", (t) => t.slice([0, 1], [2, 3]), (t) => T.slice(t, [0, 1], [2, 3])],
  [
    "pad",
    (t) =>
      t.pad([
        [1, 0],
        [0, 2],
      ]),
    (t) =>
      T.pad(t, [
        [1, 0],
        [0, 2],
      ]),
  ],
  ["gather", (t) => t.gather([1, 0, 1], 0), (t) => T.gather(t, [1, 0, 1], 0)],
  ["cast", (t) => t.cast("float64"), (t) => T.cast(t, "float64")],
];

describe("Tensor methods", () => {
  it.each(cases)("%s equals the free function", (_, viaMethod, viaFunction) => {
    const got = viaMethod(x);
    const want = viaFunction(x);
    expect(got.shape).toEqual(want.shape);
    expect(got.dtype).toBe(want.dtype);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it("chain, and report errors under the op's name", () => {
    const z = x.matmul(w).add(1).relu().sum();
    expect(z.shape).toEqual([]);
    expect(z.item()).toBeCloseTo(T.sum(T.relu(T.add(T.matmul(x, w), 1))).item(), 6);
    expect(() => x.matmul(x)).toThrow("matmul: inner dimensions differ: [2,3] @ [2,3]");
    expect(() => x.reshape([4, 2])).toThrow("reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)");
  });

  it("are not enumerable, so spreading or comparing tensors sees the data only", () => {
    expect(Object.keys(x)).toEqual(["data", "shape", "dtype", "size"]);
    expect(Object.keys(Object.getPrototypeOf(x) as object)).toEqual([]);
  });
});

describe("the tensor-only softmax and logSoftmax", () => {
  it("sum to one and match log of softmax; int32 computes in float32", () => {
    const logits = tensor([1, 2, 3, -1, 0, 1000], [2, 3], "float64");
    const p = T.softmax(logits);
    expect(T.maxAbsDiff(T.sum(p, 1), 1)).toBeLessThan(1e-15);
    const logP = T.logSoftmax(logits);
    expect(logP.data[5]).toBe(0);
    expect(T.maxAbsDiff(T.slice(logP, [0, 0], [1, 3]), T.log(T.slice(p, [0, 0], [1, 3])))).toBeLessThan(1e-15);
    expect(T.softmax(tensor([1, 1], [2], "int32")).toArray()).toEqual([0.5, 0.5]);
    expect(T.softmax(tensor([1, 1], [2], "int32")).dtype).toBe("float32");
  });
  it("name the op in their errors", () => {
    expect(() => T.softmax(x, 2)).toThrow("softmax: axis 2 is out of range for 2 dimensions");
    expect(() => T.logSoftmax([1, 2] as unknown as Tensor)).toThrow("logSoftmax: argument must be a Tensor");
  });
});

describe("the printed form", () => {
  it("is PyTorch's, with the dtype, for toString, String() and console.log (Node's inspect)", () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const printed = "tensor([[1., 2.],\n        [3., 4.]], dtype=float32)";
    expect(t.toString()).toBe(printed);
    expect(String(t)).toBe(printed);
    expect(`${t}`).toBe(printed);
    expect(inspect(t)).toBe(printed);
  });

  it("shares one format per tensor: fixed with 4 decimals, right-aligned", () => {
    expect(tensor([1.5, -2.25, 3]).toString()).toBe("tensor([ 1.5000, -2.2500,  3.0000], dtype=float32)");
    expect(tensor([0.1, 0.25], [2], "float64").toString()).toBe("tensor([0.1000, 0.2500], dtype=float64)");
    expect(tensor([0, -3, 10]).toString()).toBe("tensor([ 0., -3., 10.], dtype=float32)");
  });

  it("switches to scientific notation for wide ranges, tiny or huge values", () => {
    expect(tensor([1e-5, 1]).toString()).toBe("tensor([1.0000e-05, 1.0000e+00], dtype=float32)");
    expect(tensor([1, 2000]).toString()).toBe("tensor([1.0000e+00, 2.0000e+03], dtype=float32)");
    expect(tensor([1e9], [1], "float64").toString()).toBe("tensor([1.0000e+09], dtype=float64)");
    expect(tensor([-1.5e-120, 1e120], [2], "float64").toString()).toBe(
      "tensor([-1.5000e-120,  1.0000e+120], dtype=float64)",
    );
  });

  it("spells nan and inf as PyTorch does, and zeros as floats", () => {
    expect(tensor([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]).toString()).toBe(
      "tensor([nan, inf, -inf, 1.], dtype=float32)",
    );
    expect(tensor([0.5, Number.NaN]).toString()).toBe("tensor([0.5000,    nan], dtype=float32)");
    expect(T.zeros([3]).toString()).toBe("tensor([0., 0., 0.], dtype=float32)");
  });

  it("prints 0-d, int32, float64 and empty tensors", () => {
    expect(tensor(3).toString()).toBe("tensor(3., dtype=float32)");
    expect(T.scalar(-0.25, "float64").toString()).toBe("tensor(-0.2500, dtype=float64)");
    expect(tensor([7, -12, 3], [3], "int32").toString()).toBe("tensor([  7, -12,   3], dtype=int32)");
    expect(T.zeros([0]).toString()).toBe("tensor([], dtype=float32)");
    expect(T.zeros([0, 3], "int32").toString()).toBe("tensor([], size=[0,3], dtype=int32)");
  });

  it("separates the matrices of a 3-d tensor by a blank line", () => {
    expect(T.arange(0, 12).reshape([2, 2, 3]).toString()).toBe(
      [
        "tensor([[[ 0.,  1.,  2.],",
        "         [ 3.,  4.,  5.]],",
        "",
        "        [[ 6.,  7.,  8.],",
        "         [ 9., 10., 11.]]], dtype=float32)",
      ].join("\n"),
    );
  });

  it("wraps long rows at 80 characters", () => {
    const printed = T.arange(0, 30).toString();
    expect(printed).toBe(
      [
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,",
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,",
        "        28., 29.], dtype=float32)",
      ].join("\n"),
    );
    // A suffix that would pass 80 characters goes to its own line.
    expect(T.arange(0, 26).toString().split("\n").at(-1)).toBe("       dtype=float32)");
  });

  it("elides the middle of each dimension above 1000 elements, keeping 3 at each edge", () => {
    expect(T.arange(0, 1001, 1, "int32").toString()).toBe(
      "tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int32)",
    );
    expect(T.arange(0, 1000, 1, "int32").toString()).not.toContain("...");
    const big = T.arange(0, 40 * 50, 1, "int32").reshape([40, 50]);
    expect(big.toString()).toBe(
      [
        "tensor([[   0,    1,    2,  ...,   47,   48,   49],",
        "        [  50,   51,   52,  ...,   97,   98,   99],",
        "        [ 100,  101,  102,  ...,  147,  148,  149],",
        "        ...,",
        "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],",
        "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],",
        "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]], dtype=int32)",
      ].join("\n"),
    );
  });

  it("chooses the number format from the printed values only", () => {
    // 1e6 hides in the elided middle, so the shown values stay in fixed notation.
    const data = new Float32Array(2000).fill(0.5);
    data[1000] = 1e6;
    expect(new T.Tensor(data, [2000]).toString()).toBe(
      "tensor([0.5000, 0.5000, 0.5000,  ..., 0.5000, 0.5000, 0.5000], dtype=float32)",
    );
  });
});
