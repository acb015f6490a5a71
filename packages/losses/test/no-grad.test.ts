import { noGrad, variable } from "@nabla/autograd";
import { type FloatArray, type Kernels, kernels, randint, randn, setKernels } from "@nabla/tensor";
import { afterEach, describe, expect, it } from "vitest";
import { softmaxCrossEntropy } from "../src/index.js";

const active = kernels;
afterEach(() => setKernels(active));

/** The kernels in use, recording the `out` array of every softmaxRows call. */
function recordSoftmaxOutputs(): FloatArray[] {
  const outs: FloatArray[] = [];
  const spy: Kernels = {
    ...active,
    softmaxRows(rows, cols, x, out, stats, scales) {
      outs.push(out);
      active.softmaxRows(rows, cols, x, out, stats, scales);
    },
  };
  setKernels(spy);
  return outs;
}

describe("softmaxCrossEntropy without a graph", () => {
  const logits = randn([16, 10]);
  const labels = randint(0, 10, [16]);

  it("under noGrad computes no gradient: its softmax goes to one reused scratch buffer", () => {
    const outs = recordSoftmaxOutputs();
    const x = variable(logits, { requiresGrad: true });
    const first = noGrad(() => softmaxCrossEntropy(x, labels));
    const second = noGrad(() => softmaxCrossEntropy(x, labels));
    expect(first.requiresGrad).toBe(false);
    expect(outs).toHaveLength(2);
    expect(outs[1]!.buffer).toBe(outs[0]!.buffer);
    expect(second.item()).toBe(first.item());
  });

  it("gives the same loss, bit for bit, as with a graph; with one each call gets a fresh gradient", () => {
    const outs = recordSoftmaxOutputs();
    const x = variable(logits, { requiresGrad: true });
    const withGraph = softmaxCrossEntropy(x, labels, { labelSmoothing: 0.1 });
    const again = softmaxCrossEntropy(x, labels, { labelSmoothing: 0.1 });
    const without = noGrad(() => softmaxCrossEntropy(x, labels, { labelSmoothing: 0.1 }));
    const constant = softmaxCrossEntropy(logits, labels, { labelSmoothing: 0.1 });
    expect(outs[1]!.buffer).not.toBe(outs[0]!.buffer);
    expect(without.item()).toBe(withGraph.item());
    expect(constant.item()).toBe(withGraph.item());
    again.backward();
    expect(x.grad!.data).toBe(outs[1]);
  });
});
