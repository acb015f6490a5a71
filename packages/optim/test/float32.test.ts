// The optimizers update float32 parameters with float32 gradients in loops of their own (one per
// combination of options, some unrolled); every other pairing takes the general loops. Feeding
// the same float32 parameters the same gradient values held in a Float64Array takes the general
// loops with identical arithmetic, so both runs must agree bit for bit.

import { Variable } from "@nabla/autograd";
import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { build } from "./helpers.js";

const CASES: [string, Record<string, unknown>][] = [
  ["SGD", { lr: 0.1 }],
  ["SGD", { lr: 0.1, weightDecay: 0.05 }],
  ["SGD", { lr: 0.1, momentum: 0.9 }],
  ["SGD", { lr: 0.1, momentum: 0.9, dampening: 0.3 }],
  ["SGD", { lr: 0.1, momentum: 0.9, weightDecay: 0.05 }],
  ["SGD", { lr: 0.1, momentum: 0.9, nesterov: true }],
  ["SGD", { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05 }],
  ["Adam", { lr: 0.01 }],
  ["Adam", { lr: 0.01, weightDecay: 0.05 }],
  ["Adam", { lr: 0.01, weightDecay: 0.05, amsgrad: true }],
  ["AdamW", { lr: 0.01 }],
  ["AdamW", { lr: 0.01, weightDecay: 0 }],
  ["RMSprop", { lr: 0.01 }],
  ["RMSprop", { lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.05 }],
  ["Adagrad", { lr: 0.1 }],
  ["Adagrad", { lr: 0.1, weightDecay: 0.05, lrDecay: 0.01 }],
];

/** Deterministic float32 values in [-2, 2), with exact zeros of both signs mixed in. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = i % 7 === 3 ? 0 : i % 11 === 5 ? -0 : (s / 2147483648) * 4 - 2;
  }
  return out;
}

/** Parameters after each of 5 steps, and the final state, of one run; `gradType` holds the gradients. */
function run(
  name: string,
  options: Record<string, unknown>,
  gradType: Float32ArrayConstructor | Float64ArrayConstructor,
): Uint8Array[] {
  // 7 and 13 elements exercise the unrolled loops' remainders; 64 has none; 3 is shorter than one
  // unrolled block of 4 (mutation testing found no test where the unrolled loop is skipped whole).
  const params = [3, 7, 13, 64].map((n, k) => new Variable(new Tensor(values(n, k + 1), [n]), { requiresGrad: true }));
  const optimizer = build(name, params, options);
  const snapshots: Uint8Array[] = [];
  for (let step = 0; step < 5; step++) {
    params.forEach((p, k) => (p.grad = new Tensor(gradType.from(values(p.size, 100 * step + k)), p.shape)));
    optimizer.step();
    for (const p of params) snapshots.push(new Uint8Array(p.value.data.slice().buffer));
  }
  for (const entry of Object.values(optimizer.stateDict().state)) {
    for (const [key, buffer] of Object.entries(entry)) {
      if (key !== "step") snapshots.push(new Uint8Array((buffer as Tensor).data.slice().buffer));
    }
  }
  return snapshots;
}

describe("float32 loops", () => {
  for (const [name, options] of CASES) {
    it(`${name} ${JSON.stringify(options)} matches the general loops bit for bit`, () => {
      const fast = run(name, options, Float32Array);
      const general = run(name, options, Float64Array);
      expect(fast.length).toBe(general.length);
      fast.forEach((bytes, i) => expect(bytes, `snapshot ${i}`).toEqual(general[i]));
    });
  }
});
