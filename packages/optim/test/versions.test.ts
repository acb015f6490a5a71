import { batchNorm, linear, mean, relu, square, sub, Variable } from "@nabla/autograd";
import { Generator, mul, randn, zeros } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { build } from "./helpers.js";

// Optimizer steps change parameters in place and bump their versions: a normal training loop never
// trips the in-place check, and a step between a forward and its backward does (as in PyTorch).

const configs: [string, object][] = [
  ["SGD", { lr: 0.05 }],
  ["SGD", { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }],
  ["Adagrad", { lr: 0.05 }],
  ["RMSprop", { lr: 0.01, momentum: 0.5, centered: true }],
  ["Adam", { lr: 0.01, amsgrad: true }],
  ["AdamW", { lr: 0.01, weightDecay: 0.1 }],
];

/** A small MLP with BatchNorm (whose running statistics change in place every forward) and its data. */
function mlp(): { params: Variable[]; forward: () => Variable } {
  const generator = new Generator(7);
  const leaf = (shape: number[], scale: number): Variable =>
    new Variable(mul(randn(shape, { generator, dtype: "float64" }), scale), { requiresGrad: true });
  const w1 = leaf([4, 8], 0.5);
  const b1 = leaf([8], 0.1);
  const gamma = leaf([8], 1);
  const beta = leaf([8], 0.1);
  const w2 = leaf([8, 3], 0.5);
  const runningMean = zeros([8], "float64");
  const runningVar = zeros([8], "float64");
  const x = randn([16, 4], { generator, dtype: "float64" });
  const target = randn([16, 3], { generator, dtype: "float64" });
  const forward = (): Variable => {
    const h = relu(batchNorm(linear(x, w1, b1), runningMean, runningVar, gamma, beta, { training: true }));
    return mean(square(sub(linear(h, w2), target)));
  };
  return { params: [w1, b1, gamma, beta, w2], forward };
}

describe.each(configs)("%s %j and the in-place check", (name, options) => {
  it("a normal loop (forward, backward, step, zeroGrad) runs and learns, one version per step", () => {
    const { params, forward } = mlp();
    const optimizer = build(name, params, options);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = forward();
      losses.push(loss.item());
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
    }
    expect(losses[19]!).toBeLessThan(losses[0]!);
    for (const p of params) expect(p.value.version).toBe(20);
  });

  it("a step between a forward and its backward makes the backward throw", () => {
    const { params, forward } = mlp();
    const optimizer = build(name, params, options);
    forward().backward();
    const loss = forward();
    optimizer.step();
    expect(() => loss.backward()).toThrow(
      /^backward: a \[8,3\] float64 tensor that 'linear' saved for its gradient was modified in place after 'linear' used it \(saved at version 0, now version 1\)/,
    );
  });
});
