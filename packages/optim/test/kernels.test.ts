// step() runs the active backend's fused update kernel, once per parameter: a backend that
// replaces one is the one that updates.
import { Variable } from "@nabla/autograd";
import { type Kernels, kernels, type OptimizerKernels, setKernels, Tensor } from "@nabla/tensor";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "./helpers.js";

const active = kernels;
afterEach(() => setKernels(active));

const CASES: [string, Record<string, unknown>, keyof OptimizerKernels][] = [
  ["SGD", { lr: 0.1 }, "sgdUpdate"],
  ["SGD", { lr: 0.1, momentum: 0.9, nesterov: true }, "sgdUpdate"],
  ["Adam", { lr: 0.01, amsgrad: true }, "adamUpdate"],
  ["AdamW", { lr: 0.01 }, "adamUpdate"],
  ["RMSprop", { lr: 0.01, centered: true, momentum: 0.5 }, "rmspropUpdate"],
  ["Adagrad", { lr: 0.1 }, "adagradUpdate"],
];

describe("optimizer updates dispatch through the kernels", () => {
  for (const [name, options, kernel] of CASES) {
    it(`${name} ${JSON.stringify(options)} calls ${kernel} once per parameter and step`, () => {
      const calls: number[] = [];
      const spy: Kernels = {
        ...active,
        [kernel]: (p: Float32Array, ...rest: unknown[]) => {
          calls.push(p.length);
          (active[kernel] as (...args: unknown[]) => void)(p, ...rest);
        },
      };
      setKernels(spy);
      const params = [3, 5].map(
        (n) => new Variable(new Tensor(new Float32Array(n).fill(1), [n]), { requiresGrad: true }),
      );
      const optimizer = build(name, params, options);
      for (let step = 0; step < 2; step++) {
        for (const p of params) p.grad = new Tensor(new Float32Array(p.size).fill(0.5), p.shape);
        optimizer.step();
      }
      expect(calls).toEqual([3, 5, 3, 5]);
      expect(params.every((p) => p.value.data.every((x) => x < 1))).toBe(true);
    });
  }
});
