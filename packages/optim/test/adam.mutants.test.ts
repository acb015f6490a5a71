// Adam and AdamW with an infinite parameter, the one input on which "no weight decay" and "a weight
// decay of 0" differ: PyTorch adds weightDecay·p to the gradient only when weightDecay ≠ 0
// (`if weight_decay != 0: grad = grad.add(param, alpha=weight_decay)`), so an infinite weight
// gets a finite update and stays infinite, and its moment buffers stay finite; adding 0·∞ would
// make them NaN. Covers each loop of adam.ts: float32 and float64, AMSGrad, AdamW's shrink.

import type { Variable } from "@nabla/autograd";
import type { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Adam, AdamW, type Optimizer } from "../src/index.js";
import { type FloatDType, param, setGrad, values } from "./helpers.js";

const cases: [string, FloatDType, (p: Variable) => Optimizer][] = [
  ["Adam float32", "float32", (p) => new Adam([p], { lr: 0.1 })],
  ["Adam float64", "float64", (p) => new Adam([p], { lr: 0.1 })],
  ["Adam float32 with AMSGrad", "float32", (p) => new Adam([p], { lr: 0.1, amsgrad: true })],
  ["Adam float64 with AMSGrad", "float64", (p) => new Adam([p], { lr: 0.1, amsgrad: true })],
  ["AdamW float32", "float32", (p) => new AdamW([p], { lr: 0.1, weightDecay: 0.01 })],
  ["AdamW float64", "float64", (p) => new AdamW([p], { lr: 0.1, weightDecay: 0.01 })],
];

describe("Adam without L2 weight decay never adds 0·p to the gradient", () => {
  it.each(cases)("%s: an infinite weight stays infinite and its moments finite", (_name, dtype, make) => {
    const p = param([Infinity, -Infinity, 1], [3], dtype);
    const opt = make(p);
    for (let step = 0; step < 2; step++) {
      setGrad(p, [0.5, -0.5, 2]);
      opt.step();
    }
    const [a, b, c] = values(p);
    expect(a).toBe(Infinity);
    expect(b).toBe(-Infinity);
    expect(Number.isFinite(c)).toBe(true);
    const state = opt.stateDict().state[0]!;
    for (const key of ["expAvg", "expAvgSq"]) {
      expect(Array.from((state[key] as Tensor).data).every(Number.isFinite)).toBe(true);
    }
  });
});
