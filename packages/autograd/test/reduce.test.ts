import { tensor } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { gradcheck, logsumexp, max, mean, min, sum, variable } from "../src/index.js";

describe("reduction gradients", () => {
  const x = normal([2, 3, 4]);
  const cases: Array<[string, number | number[] | undefined, boolean]> = [
    ["all", undefined, false],
    ["all keepdims", undefined, true],
    ["axis -1", -1, false],
    ["axis 1 keepdims", 1, true],
    ["axes [0,2]", [0, 2], false],
    ["axes [0,2] keepdims", [0, 2], true],
    ["axes [-1,0,1]", [-1, 0, 1], false],
  ];
  for (const [name, axes, keepdims] of cases) {
    it(`sum, mean, max, min, logsumexp over ${name}`, () => {
      gradcheck((v) => sum(v, axes, keepdims), [x]);
      gradcheck((v) => mean(v, axes, keepdims), [x]);
      gradcheck((v) => max(v, axes, keepdims), [x]);
      gradcheck((v) => min(v, axes, keepdims), [x]);
      gradcheck((v) => logsumexp(v, axes, keepdims), [x]);
    });
  }

  it("max and min send the gradient to the first extreme element of each slice", () => {
    const a = variable(
      [
        [1, 3, 3],
        [5, 5, 0],
      ],
      { requiresGrad: true },
    );
    max(a, 1).backward(tensor([10, 20]));
    expect(a.grad!.toArray()).toEqual([
      [0, 10, 0],
      [20, 0, 0],
    ]);

    const b = variable(
      [
        [2, 1],
        [1, 2],
      ],
      { requiresGrad: true },
    );
    min(b).backward();
    expect(b.grad!.toArray()).toEqual([
      [0, 1],
      [0, 0],
    ]);

    const c = variable(
      [
        [4, 4],
        [4, 4],
      ],
      { requiresGrad: true },
    );
    max(c, 0, true).backward(tensor([[1, 2]]));
    expect(c.grad!.toArray()).toEqual([
      [1, 2],
      [0, 0],
    ]);
  });

  it("mean divides by the number of reduced elements", () => {
    const a = variable(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    mean(a, 1).backward(tensor([3, 6]));
    expect(a.grad!.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
  });

  it("logsumexp's gradient is finite for large inputs", () => {
    const a = variable([1e4, 1e4 - 1, -1e4], { requiresGrad: true });
    logsumexp(a).backward();
    for (const v of a.grad!.data) expect(Number.isFinite(v)).toBe(true);
    expect(a.grad!.data[0]! + a.grad!.data[1]! + a.grad!.data[2]!).toBeCloseTo(1, 5);
  });

  it("reduces a scalar", () => {
    gradcheck((v) => sum(v), [normal([])]);
    gradcheck((v) => max(v), [normal([])]);
  });
});

describe("reduction errors", () => {
  it("come from the tensor op, named", () => {
    expect(() => sum(tensor([1, 2]), 1)).toThrow(/^sum: axis 1/);
    expect(() => max(tensor([1, 2]), [0, 0])).toThrow(/^max:/);
  });
});
