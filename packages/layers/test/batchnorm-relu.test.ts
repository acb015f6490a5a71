import { Variable } from "@nabla/autograd";
import { Generator, randn, type Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { BatchNorm1d, BatchNorm2d, LeakyReLU, type Module, ReLU, Sequential } from "../src/index.js";

// Sequential runs a BatchNorm followed by a ReLU as one batchNorm node with a fused relu: the
// output, the gradients and the running statistics must keep the bits of the two modules run
// one after the other.

function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.data).buffer));
}

/** Output, input gradient, parameter gradients and running statistics after one training step. */
function step(run: (x: Variable) => Variable, x0: Tensor, modules: Module[], seed: Tensor): number[][] {
  const x = new Variable(x0, { requiresGrad: true });
  const out = run(x);
  out.backward(seed);
  const params = modules.flatMap((m) => m.parameters().map((p) => bits(p.grad!)));
  const buffers = modules.flatMap((m) => m.namedBuffers().map(([, b]) => bits(b)));
  return [bits(out.value), bits(x.grad!), ...params, ...buffers];
}

describe("Sequential fuses BatchNorm + ReLU", () => {
  for (const [name, make, shape] of [
    ["BatchNorm2d", () => new BatchNorm2d(3), [4, 3, 5, 6]],
    ["BatchNorm1d", () => new BatchNorm1d(7), [9, 7]],
  ] as const) {
    it(`${name}: the same bits as BatchNorm then ReLU, in training and in evaluation`, () => {
      for (const training of [true, false]) {
        const x0 = randn([...shape], { generator: new Generator(3) });
        const seed = randn([...shape], { generator: new Generator(4) });
        const [a, b] = [make(), make()];
        for (const bn of [a, b]) {
          bn.weight!.value.data.set(randn([shape[1]], { generator: new Generator(5) }).data);
          if (!training) bn.eval();
        }
        const fused = new Sequential(a, new ReLU());
        const relu = new ReLU();
        const plain = step((x) => relu.forward(b.forward(x)), x0, [b], seed);
        expect(step((x) => fused.forward(x), x0, [a], seed)).toEqual(plain);
        expect(fused.forward(new Variable(x0, { requiresGrad: true })).node?.op).toBe("batchNorm");
      }
    });
  }

  it("leaves other activations, and a BatchNorm with a forward of its own, unfused", () => {
    const x = new Variable(randn([4, 3, 2, 2], { generator: new Generator(6) }), { requiresGrad: true });
    expect(new Sequential(new BatchNorm2d(3), new LeakyReLU()).forward(x).node?.op).toBe("leakyRelu");
    class Shifted extends BatchNorm2d {
      override forward(input: Variable): Variable {
        return super.forward(input);
      }
    }
    expect(new Sequential(new Shifted(3), new ReLU()).forward(x).node?.op).toBe("relu");
  });
});
