import { inspect } from "node:util";
import { Generator, rand, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import * as A from "../src/index.js";
import { gradcheck, noGrad, type Variable, variable } from "../src/index.js";

const normal = (shape: number[], seed = 0): Tensor =>
  randn(shape, { generator: new Generator(seed), dtype: "float64" });
const positive = (shape: number[], seed = 0): Tensor =>
  rand(shape, { generator: new Generator(seed), dtype: "float64", low: 0.5, high: 2 });

const other = normal([2, 3], 7);
const weight = normal([3, 4], 8);

// Each method, the free op it stands for, and an input it is defined on. The gradient check runs
// through the method, so it proves the method joins the graph; the value check proves it is the op.
const cases: ReadonlyArray<[string, (v: Variable) => Variable, (v: Variable) => Variable, Tensor]> = [
  ["add", (v) => v.add(other), (v) => A.add(v, other), normal([2, 3])],
  ["sub", (v) => v.sub(2), (v) => A.sub(v, 2), normal([2, 3])],
  ["mul", (v) => v.mul(other), (v) => A.mul(v, other), normal([2, 3])],
  ["div", (v) => v.div(positive([3], 9)), (v) => A.div(v, positive([3], 9)), normal([2, 3])],
  ["pow", (v) => v.pow(1.5), (v) => A.pow(v, 1.5), positive([2, 3])],
  ["maximum", (v) => v.maximum(other), (v) => A.maximum(v, other), normal([2, 3])],
  ["minimum", (v) => v.minimum(other), (v) => A.minimum(v, other), normal([2, 3])],
  ["matmul", (v) => v.matmul(weight), (v) => A.matmul(v, weight), normal([2, 3])],
  ["neg", (v) => v.neg(), A.neg, normal([2, 3])],
  ["exp", (v) => v.exp(), A.exp, normal([2, 3])],
  ["log", (v) => v.log(), A.log, positive([2, 3])],
  ["sqrt", (v) => v.sqrt(), A.sqrt, positive([2, 3])],
  ["square", (v) => v.square(), A.square, normal([2, 3])],
  ["abs", (v) => v.abs(), A.abs, positive([2, 3])],
  ["relu", (v) => v.relu(), A.relu, positive([2, 3])],
  ["leakyRelu", (v) => v.leakyRelu(0.1), (v) => A.leakyRelu(v, 0.1), normal([2, 3])],
  ["sigmoid", (v) => v.sigmoid(), A.sigmoid, normal([2, 3])],
  ["tanh", (v) => v.tanh(), A.tanh, normal([2, 3])],
  ["clip", (v) => v.clip(-0.5, 0.5), (v) => A.clip(v, -0.5, 0.5), normal([2, 3])],
  ["softmax", (v) => v.softmax(0), (v) => A.softmax(v, 0), normal([2, 3])],
  ["logSoftmax", (v) => v.logSoftmax(), (v) => A.logSoftmax(v), normal([2, 3])],
  ["sum", (v) => v.sum(1, true), (v) => A.sum(v, 1, true), normal([2, 3])],
  ["mean", (v) => v.mean(), (v) => A.mean(v), normal([2, 3])],
  ["max", (v) => v.max(1), (v) => A.max(v, 1), normal([2, 3])],
  ["min", (v) => v.min(0), (v) => A.min(v, 0), normal([2, 3])],
  ["logsumexp", (v) => v.logsumexp(-1), (v) => A.logsumexp(v, -1), normal([2, 3])],
  ["reshape", (v) => v.reshape([3, -1]), (v) => A.reshape(v, [3, -1]), normal([2, 3])],
  ["flatten", (v) => v.flatten(), (v) => A.flatten(v), normal([2, 3])],
  ["squeeze", (v) => v.squeeze(0), (v) => A.squeeze(v, 0), normal([1, 3])],
  ["unsqueeze", (v) => v.unsqueeze(1), (v) => A.unsqueeze(v, 1), normal([2, 3])],
  ["transpose", (v) => v.transpose(), (v) => A.transpose(v), normal([2, 3])],
  ["permute", (v) => v.permute([1, 0]), (v) => A.permute(v, [1, 0]), normal([2, 3])],
  ["broadcastTo", (v) => v.broadcastTo([4, 2, 3]), (v) => A.broadcastTo(v, [4, 2, 3]), normal([2, 3])],
  ["slice", (v) => v.slice([0, 1], [2, 3]), (v) => A.slice(v, [0, 1], [2, 3]), normal([2, 3])],
  [
    "pad",
    (v) =>
      v.pad([
        [1, 0],
        [0, 2],
      ]),
    (v) =>
      A.pad(v, [
        [1, 0],
        [0, 2],
      ]),
    normal([2, 3]),
  ],
  ["gather", (v) => v.gather([1, 0, 1], 0), (v) => A.gather(v, [1, 0, 1], 0), normal([2, 3])],
];

describe("Variable methods", () => {
  it.each(cases)("%s records the op's node and value", (_, viaMethod, viaFunction, input) => {
    const a = variable(input, { requiresGrad: true });
    const got = viaMethod(a);
    const want = viaFunction(a);
    expect(got.node?.op).toBe(want.node?.op);
    expect(got.node?.op).toBeDefined();
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.value.data)).toEqual(Array.from(want.value.data));
  });

  it.each(cases)("%s passes the gradient check through the method", (_, viaMethod, __, input) => {
    gradcheck(viaMethod, [input]);
  });

  it("make a PyTorch user's first lines work: x.matmul(w).add(b).relu().sum().backward()", () => {
    const x = variable(normal([4, 3], 1));
    const w = variable(normal([3, 2], 2), { requiresGrad: true });
    const b = variable(normal([2], 3), { requiresGrad: true });
    const y = x.matmul(w).add(b).relu().sum();
    expect(x.shape).toEqual([4, 3]);
    expect(y.shape).toEqual([]);
    expect(typeof y.item()).toBe("number");
    y.backward();
    const z = A.sum(A.relu(A.add(A.matmul(x, w.detach()), b.detach())));
    expect(y.item()).toBe(z.item());
    gradcheck((wv, bv) => x.matmul(wv).add(bv).relu().sum(), [w.value, b.value]);
    expect(w.grad?.shape).toEqual([3, 2]);
    expect(b.grad?.shape).toEqual([2]);
  });

  it("argmax and argmin give int32 Tensors for Variables and Tensors, and record nothing", () => {
    const v = variable(
      tensor([
        [1, 5, 2],
        [7, 0, 7],
      ]),
      { requiresGrad: true },
    );
    expect(v.argmax(1).toArray()).toEqual([1, 0]);
    expect(v.argmin(1, true).toArray()).toEqual([[0], [1]]);
    expect(A.argmax(v.value).item()).toBe(3);
    expect(A.argmax(v).dtype).toBe("int32");
    expect(() => A.argmax([1, 2] as never)).toThrow("argmax: expected a Variable, Tensor or number, got an array");
  });

  it("follow noGrad like the free ops", () => {
    const v = variable(normal([2], 1), { requiresGrad: true });
    expect(noGrad(() => v.mul(2).exp()).requiresGrad).toBe(false);
    expect(v.mul(2).exp().requiresGrad).toBe(true);
  });

  it("are not enumerable", () => {
    const v = variable(normal([2], 1));
    expect(Object.keys(Object.getPrototypeOf(v) as object)).toEqual([]);
    expect(Object.keys(v)).not.toContain("matmul");
  });
});

describe("a Variable's printed form", () => {
  it("is its value's, then requiresGrad=true for a leaf that collects gradients", () => {
    const w = variable(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const printed = "tensor([[1., 2.],\n        [3., 4.]], dtype=float32, requiresGrad=true)";
    expect(w.toString()).toBe(printed);
    expect(inspect(w)).toBe(printed);
    expect(String(variable([1, 2], { dtype: "int32" }))).toBe("tensor([1, 2], dtype=int32)");
  });

  it("names the op that made it", () => {
    const w = variable(tensor([0.5, -1.25], [2], "float64"), { requiresGrad: true });
    expect(w.mul(2).sum().toString()).toBe("tensor(-1.5000, dtype=float64, op=sum)");
    expect(inspect({ loss: w.square().sum() })).toBe("{ loss: tensor(1.8125, dtype=float64, op=sum) }");
  });
});
