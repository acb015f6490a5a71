import { Generator, randn, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { linear, mul, sum, Variable, variable } from "../src/index.js";

describe("gradient buffers kept across steps", () => {
  it("from the second step on, backward adds into the storage zeroGrad zeroed", () => {
    const x = variable([1, 2, 3], { requiresGrad: true });
    sum(mul(x, x)).backward();
    x.zeroGrad();
    const kept = x.grad!.data;
    for (let step = 1; step <= 3; step++) {
      sum(mul(x, step)).backward();
      expect(x.grad!.data).toBe(kept);
      expect(x.grad!.toArray()).toEqual([step, step, step]);
      x.zeroGrad();
      expect(x.grad!.data).toBe(kept);
      expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    }
  });

  it("never zeroes or adds into a tensor the leaf's gradient came from (the caller's seed)", () => {
    const x = variable([1, 2], { requiresGrad: true });
    const y = mul(x, 1);
    const seed = tensor([5, 7]);
    y.backward(seed, { retainGraph: true });
    x.zeroGrad();
    y.backward(seed);
    expect(seed.toArray()).toEqual([5, 7]);
    expect(x.grad!.toArray()).toEqual([5, 7]);
  });

  it("a gradient the user set is replaced, not zeroed, by the first zeroGrad", () => {
    const x = new Variable(tensor([1, 2]), { requiresGrad: true });
    const mine = tensor([3, 4]);
    x.grad = mine;
    x.zeroGrad();
    expect(mine.toArray()).toEqual([3, 4]);
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });

  it("setToNone drops the gradient; the next backward allocates it again", () => {
    const x = variable([1, 2], { requiresGrad: true });
    sum(x).backward();
    x.zeroGrad({ setToNone: true });
    expect(x.grad).toBeNull();
    sum(mul(x, 2)).backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
});

describe("linear adds its weight gradient straight into the kept buffer", () => {
  const x = randn([6, 5], { generator: new Generator(1) });
  const w0 = randn([5, 3], { generator: new Generator(2) });
  const b0 = randn([3], { generator: new Generator(3) });
  const seed = randn([6, 3], { generator: new Generator(4) });

  /** Three backward passes through linear, zeroing (or dropping) the gradients between them. */
  function steps(setToNone: boolean): { grads: number[][]; storages: Set<unknown> } {
    const w = new Variable(w0.clone(), { requiresGrad: true });
    const b = new Variable(b0.clone(), { requiresGrad: true });
    const grads: number[][] = [];
    const storages = new Set<unknown>();
    for (let step = 0; step < 3; step++) {
      w.zeroGrad({ setToNone });
      b.zeroGrad({ setToNone });
      linear(x, w, b).backward(mul(seed, step + 1).value);
      grads.push([...w.grad!.data, ...b.grad!.data]);
      storages.add(w.grad!.data);
    }
    return { grads, storages };
  }

  it("gives the bits of a fresh product, in the storage the first zeroGrad made", () => {
    const kept = steps(false);
    const fresh = steps(true);
    expect(kept.grads).toEqual(fresh.grads);
    // The first step's gradient is the op's own tensor; from the second on, one kept buffer.
    expect(kept.storages.size).toBe(2);
    expect(fresh.storages.size).toBe(3);
  });

  it("accumulates over two backward passes without zeroGrad, as adding the two products", () => {
    const w = new Variable(w0.clone(), { requiresGrad: true });
    linear(x, w).backward(seed);
    w.zeroGrad();
    linear(x, w).backward(seed);
    linear(x, w).backward(seed);
    const once = w.grad!.data.map((v) => v / 2);
    w.zeroGrad({ setToNone: true });
    linear(x, w).backward(seed);
    for (let i = 0; i < once.length; i++) expect(once[i]).toBeCloseTo(w.grad!.data[i]!, 5);
  });
});
