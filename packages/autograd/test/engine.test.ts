import { ones, scalar, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import {
  add,
  grad,
  gradcheck,
  isGradEnabled,
  mul,
  noGrad,
  record,
  sum,
  topologicalOrder,
  type Variable,
  valueAndGrad,
  variable,
} from "../src/index.js";

const f64 = (values: number[], shape?: number[]): Tensor => tensor(values, shape ?? [values.length], "float64");

describe("backward", () => {
  it("needs a seed for a non-scalar output, and says so", () => {
    const x = variable([1, 2, 3], { requiresGrad: true });
    const y = mul(x, 2);
    expect(() => y.backward()).toThrow(/backward: output has shape \[3\]; pass a seed gradient/);
    expect(() => y.backward(ones([2]))).toThrow(/seed gradient has shape \[2\], expected the output's shape \[3\]/);
    y.backward(tensor([1, 10, 100]));
    expect(x.grad!.toArray()).toEqual([2, 20, 200]);
  });

  it("throws on a Variable that requires no gradient", () => {
    expect(() => mul(variable([1, 2]), 2).backward(ones([2]))).toThrow(/does not require gradients/);
  });

  it("gives a Variable used twice the sum of both gradients", () => {
    const x = variable([2, -1], { requiresGrad: true });
    sum(add(mul(x, 3), mul(x, 4))).backward();
    expect(x.grad!.toArray()).toEqual([7, 7]);

    const z = variable([3], { requiresGrad: true });
    sum(mul(z, z)).backward();
    expect(z.grad!.toArray()).toEqual([6]);

    const w = variable([5], { requiresGrad: true });
    sum(add(w, w)).backward();
    expect(w.grad!.toArray()).toEqual([2]);
  });

  it("does not merge two identical constants: x*2 + x*2 has gradient 4", () => {
    const x = variable([1.5], { requiresGrad: true });
    const two = scalar(2);
    sum(add(mul(x, two), mul(x, two))).backward();
    expect(x.grad!.toArray()).toEqual([4]);
    const y = variable([1.5], { requiresGrad: true });
    sum(add(mul(y, 2), mul(y, 2))).backward();
    expect(y.grad!.toArray()).toEqual([4]);
  });

  it("throws a clear error when backward runs twice through a released graph", () => {
    const x = variable([1, 2], { requiresGrad: true });
    const loss = sum(mul(x, x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/already released by an earlier backward\(\).*retainGraph/);
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });

  it("accumulates predictably with retainGraph: the leaf gradient doubles, nothing else", () => {
    const x = variable([1, 2], { requiresGrad: true });
    const h = mul(x, x);
    const loss = sum(mul(h, 3));
    loss.backward(undefined, { retainGraph: true });
    expect(x.grad!.toArray()).toEqual([6, 12]);
    loss.backward(undefined, { retainGraph: true });
    expect(x.grad!.toArray()).toEqual([12, 24]);
    expect(h.grad).toBeNull();
    x.zeroGrad();
    loss.backward();
    expect(x.grad!.toArray()).toEqual([6, 12]);
  });

  it("handles a 100,000-deep chain without overflowing the stack", () => {
    const x = variable([1], { requiresGrad: true, dtype: "float64" });
    let y: Variable = x;
    for (let i = 0; i < 100_000; i++) y = add(y, 1);
    expect(topologicalOrder(y)).toHaveLength(100_001);
    y.backward();
    expect(y.item()).toBe(100_001);
    expect(x.grad!.toArray()).toEqual([1]);
  });

  it("gives leaves their own gradient storage (not shared with each other or the seed)", () => {
    const a = variable([1, 2], { requiresGrad: true });
    const b = variable([3, 4], { requiresGrad: true });
    const seed = tensor([1, 1]);
    add(a, b).backward(seed);
    expect(a.grad!.data.buffer).not.toBe(b.grad!.data.buffer);
    expect(a.grad!.data.buffer).not.toBe(seed.data.buffer);
    a.grad!.data[0] = 100;
    expect(b.grad!.toArray()).toEqual([1, 1]);
    expect(seed.toArray()).toEqual([1, 1]);
  });

  it("sums a broadcast operand's gradient back to its shape", () => {
    const a = variable([[1], [2], [3]], { requiresGrad: true });
    const b = variable([10, 20, 30, 40], { requiresGrad: true });
    sum(add(a, b)).backward();
    expect(a.grad!.toArray()).toEqual([[4], [4], [4]]);
    expect(b.grad!.toArray()).toEqual([3, 3, 3, 3]);
  });
});

describe("noGrad", () => {
  it("builds no graph", () => {
    const x = variable([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return mul(x, 3);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.node).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.toArray()).toEqual([3, 6]);
  });

  it("restores the previous mode when fn throws", () => {
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
  });

  it("records nothing for constants", () => {
    expect(mul(tensor([1, 2]), 3).node).toBeNull();
  });
});

describe("grad / valueAndGrad", () => {
  it("returns the value and the gradient of every input", () => {
    const f = (x: Variable, y: Variable): Variable => sum(mul(mul(x, x), y));
    const { value, grads } = valueAndGrad(f)(f64([1, 2]), f64([3, 4]));
    expect(value.item()).toBe(1 * 3 + 4 * 4);
    expect(grads[0]!.toArray()).toEqual([6, 16]);
    expect(grads[1]!.toArray()).toEqual([1, 4]);
    expect(grad(f)(f64([1, 2]), f64([3, 4]))[0]!.toArray()).toEqual([6, 16]);
  });

  it("rejects a non-scalar function", () => {
    expect(() => grad((x) => mul(x, 2))(f64([1, 2]))).toThrow(/^grad: fn must return a scalar, got shape \[2\]/);
  });

  it("gives zeros for an input the function ignores", () => {
    const grads = grad((x, _y) => sum(x))(f64([1, 2]), f64([5]));
    expect(grads[1]!.toArray()).toEqual([0]);
  });
});

describe("gradcheck", () => {
  it("reports a deliberately wrong gradient with input, index, analytic and numeric values", () => {
    // y = Σa + 2Σb, but the backward claims dy/db[1] = 3.
    const broken = (a: Variable, b: Variable): Variable => {
      const [a0, a1] = a.value.data as Float64Array;
      const [b0, b1] = b.value.data as Float64Array;
      const out = scalar(a0! + a1! + 2 * (b0! + b1!), "float64");
      return record("broken", [a, b], out, (g) => {
        const s = g.data[0]!;
        return [f64([s, s]), f64([2 * s, 3 * s])];
      });
    };
    expect(() => gradcheck(broken, [f64([1, 2]), f64([3, 4])])).toThrow(
      /gradcheck: gradient mismatch at input 1 \[2\] index \[1\]: analytic 3, numeric (2|1\.99)/,
    );
    const report = gradcheck(broken, [f64([1, 2]), f64([3, 4])], { raise: false });
    expect(report.ok).toBe(false);
    expect(report.worst).toMatchObject({ input: 1, index: [1], analytic: 3 });
    expect(report.worst!.numeric).toBeCloseTo(2, 6);
  });

  it("passes a correct op and refuses float32 inputs", () => {
    const ok = gradcheck((x) => sum(mul(x, x)), [f64([1, -2, 3])]);
    expect(ok.ok).toBe(true);
    expect(ok.checked).toBe(3);
    expect(() => gradcheck((x) => sum(x), [tensor([1, 2])])).toThrow(/float32; central differences need float64/);
  });
});
