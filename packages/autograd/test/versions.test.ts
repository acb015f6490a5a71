import { accumulate, assign, tensor, zeros } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  add,
  batchNorm,
  exp,
  grad,
  linear,
  mul,
  record,
  reshape,
  sigmoid,
  sum,
  type Variable,
  variable,
  where,
} from "../src/index.js";

// Issue 14 item 2: a tensor an op saved for its backward and then changed in place must make
// backward throw, never return a gradient computed from the new values.

const leaf = (values: number[]): Variable => variable(values, { requiresGrad: true });

const advice =
  "clone the tensor before modifying it (tensor.clone(), or variable.value.clone()), or modify it only after backward()";

describe("backward after an in-place change", () => {
  it("throws when a leaf that mul saved was changed, naming the op, shape, dtype and both versions", () => {
    const x = leaf([1, 2, 3]);
    const y = sum(mul(x, x));
    assign(x.value, tensor([100, 2, 3]));
    expect(messageOf(() => y.backward())).toBe(
      "backward: a [3] float32 tensor that 'mul' saved for its gradient was modified in place after 'mul' used it " +
        `(saved at version 0, now version 1), so its gradient would be wrong; ${advice}`,
    );
    expect(x.grad).toBeNull();
  });

  it("throws for a raw write to data once markModified() records it (the issue's own example)", () => {
    const x = leaf([1, 2, 3]);
    const y = sum(mul(x, x));
    x.value.data[0] = 100;
    x.value.markModified();
    expect(() => y.backward()).toThrow(/^backward: a \[3\] float32 tensor that 'mul' saved .*version 0, now version 1/);
  });

  it("throws when an intermediate was changed, naming the op that saved it", () => {
    const x = leaf([0.5, -1]);
    const h = exp(x);
    const y = sum(h);
    accumulate(h.value, 1);
    expect(() => y.backward()).toThrow(
      /^backward: a \[2\] float32 tensor that 'exp' saved for its gradient was modified in place/,
    );
  });

  it("throws when accumulate() changed a weight already in the graph", () => {
    const x = variable(tensor([[1, 2]]));
    const w = leaf([0.1, 0.2, 0.3, 0.4]);
    const w2 = reshape(w, [2, 2]);
    const loss = sum(linear(x, w2));
    accumulate(w.value, 1);
    expect(() => loss.backward()).toThrow(
      /^backward: a \[2,2\] float32 tensor that 'linear' saved .*version 0, now version 1/,
    );
  });

  it("shares one counter between a tensor and its views", () => {
    const x = leaf([1, 2, 3, 4]);
    const view = reshape(x, [2, 2]).value;
    expect(view.data).toBe(x.value.data);
    const y = sum(mul(x, 2));
    const before = x.value.version;
    accumulate(view, 1);
    expect(x.value.version).toBe(before + 1);
    expect(() => y.backward()).toThrow(/'mul' saved/);
  });

  it("throws on the second backward of a retained graph after an in-place change", () => {
    const x = leaf([1, 2, 3]);
    const y = sum(mul(x, x));
    y.backward(undefined, { retainGraph: true });
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    accumulate(x.value, 1);
    expect(() => y.backward()).toThrow(/'mul' saved .*saved at version 0, now version 1/);
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it("counts every change: two in-place writes give version 2", () => {
    const x = leaf([1]);
    const y = sum(mul(x, x));
    accumulate(x.value, 1);
    assign(x.value, 5);
    expect(() => y.backward()).toThrow(/saved at version 0, now version 2/);
  });

  it("follows the advice: a clone changed in place leaves the gradient right", () => {
    const x = leaf([1, 2, 3]);
    const y = sum(mul(x, x));
    const copy = x.value.clone();
    assign(copy, tensor([100, 2, 3]));
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it("does not throw for a change made before the op used the tensor", () => {
    const x = leaf([1, 2, 3]);
    accumulate(x.value, 1);
    sum(mul(x, x)).backward();
    expect(x.grad!.toArray()).toEqual([4, 6, 8]);
  });

  it("does not throw when the changed tensor is one the op's gradient does not read (as PyTorch)", () => {
    const x = leaf([1, 2]);
    const y = sum(add(x, 1));
    accumulate(x.value, 1);
    y.backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);

    // sigmoid's gradient reads its output, not its input; changing the output is caught.
    const z = leaf([0, 0]);
    const s = sigmoid(z);
    const total = sum(s);
    accumulate(z.value, 1);
    total.backward(undefined, { retainGraph: true });
    expect(z.grad!.toArray()).toEqual([0.25, 0.25]);
    accumulate(s.value, 1);
    expect(() => total.backward()).toThrow(/that 'sigmoid' saved/);
  });

  it("guards the condition of where, a constant the gradient reads", () => {
    const cond = tensor([1, 0]);
    const x = leaf([1, 2]);
    const y = sum(where(cond, x, 0));
    assign(cond, tensor([0, 1]));
    expect(() => y.backward()).toThrow(/^backward: a \[2\] float32 tensor that 'where' saved/);
  });

  it("guards an op that does not list what it saves: all its inputs and its output", () => {
    const x = leaf([1, 2]);
    const out = record("custom", [x], tensor([2, 4]), (g) => [g]);
    const y = sum(out);
    accumulate(out.value, 1);
    expect(() => y.backward()).toThrow(/that 'custom' saved/);
  });

  it("batchNorm in training bumps the running statistics it updates, and only then", () => {
    const x = variable(
      tensor([
        [1, 2],
        [3, 5],
      ]),
      { requiresGrad: true },
    );
    const runningMean = zeros([2]);
    const runningVar = zeros([2]);
    batchNorm(x, runningMean, runningVar, null, null, { training: true });
    expect([runningMean.version, runningVar.version]).toEqual([1, 1]);
    batchNorm(x, runningMean, runningVar);
    expect([runningMean.version, runningVar.version]).toEqual([1, 1]);
  });
});

describe("the autograd error messages of issue 14 item 5", () => {
  it("backward({ retainGraph: true }) says that options come second", () => {
    const y = sum(leaf([1, 2]));
    expect(messageOf(() => y.backward({ retainGraph: true } as never))).toBe(
      "backward: seed must be a Tensor of the output's shape [], got an object; options come second: backward(undefined, { retainGraph: true })",
    );
  });

  it("grad(fn)(variable) names grad and says to pass the Tensor", () => {
    const g = grad((x) => sum(mul(x, x)));
    expect(messageOf(() => g(leaf([1, 2]) as never))).toBe(
      "grad: input 0 must be a Tensor, got a float32 Variable of shape [2] (pass its .value: grad makes the Variables itself)",
    );
    expect(messageOf(() => grad(3 as never))).toBe("grad: expected a function of Variables, got the number 3");
    expect(messageOf(() => grad(() => 1 as never)(tensor([1])))).toBe(
      "grad: fn must return a Variable, got the number 1",
    );
  });
});
