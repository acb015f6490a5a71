import { asVariable } from "@nabla/autograd";
import { loadMnist } from "@nabla/data/node";
import { Dense, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { SGD } from "@nabla/optim";
import { Generator, tensor } from "@nabla/tensor";
import { afterEach, describe, expect, it } from "vitest";

type TypedArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;
const kinds = ["Float32Array", "Float64Array", "Int32Array"] as const;
const originals = Object.fromEntries(kinds.map((k) => [k, globalThis[k]])) as Record<
  (typeof kinds)[number],
  TypedArrayConstructor
>;

/**
 * Counts the typed-array storage made with `new` while `fn` runs, and its elements. Views over an
 * existing buffer are not storage; copies made by `slice()` use the array's own constructor and
 * are not seen (no op of this step makes one).
 */
function countAllocations(fn: () => void): { count: number; elements: number } {
  const tally = { count: 0, elements: 0 };
  for (const kind of kinds) {
    const original = originals[kind];
    (globalThis as Record<string, unknown>)[kind] = new Proxy(original, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target, args, newTarget === globalThis[kind] ? target : newTarget) as {
          length: number;
        };
        // A view over an existing buffer (relu's bit views) is not new storage.
        if (!(args[0] instanceof ArrayBuffer)) {
          tally.count++;
          tally.elements += made.length;
        }
        return made;
      },
    });
  }
  try {
    fn();
  } finally {
    restore();
  }
  return tally;
}

function restore(): void {
  for (const kind of kinds) (globalThis as Record<string, unknown>)[kind] = originals[kind];
}
afterEach(restore);

describe("a training step in steady state", () => {
  const { train } = loadMnist({ limitTrain: 64 * 4, limitTest: 1 });
  const generator = new Generator(5);
  const net = new Sequential(new Dense(784, 128, { generator }), new ReLU(), new Dense(128, 10, { generator }));
  const optimizer = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
  const batches = [0, 1, 2, 3].map((b) => ({
    x: train.images.data.subarray(b * 64 * 784, (b + 1) * 64 * 784),
    y: train.labels.data.subarray(b * 64, (b + 1) * 64) as Int32Array,
  }));
  const step = (b: number, setToNone = false): void => {
    const { x, y } = batches[b % 4]!;
    optimizer.zeroGrad({ setToNone });
    softmaxCrossEntropy(net.forward(asVariable(tensor(x, [64, 784]))), y).backward();
    optimizer.step();
  };

  it("keeps the weights' gradients and the optimizer's state in the same storage", () => {
    for (let b = 0; b < 2; b++) step(b);
    const gradients = net.parameters().map((p) => p.grad!.data);
    for (let b = 2; b < 6; b++) step(b);
    net.parameters().forEach((p, i) => expect(p.grad!.data).toBe(gradients[i]));
  });

  it("allocates no parameter-sized storage: what remains is activations and their gradients", () => {
    for (let b = 0; b < 2; b++) step(b);
    const { count, elements } = countAllocations(() => step(2));

    // Measured on 2026-12-02 (64×784 → 128 → 10, SGD with momentum): 18 arrays, 34,602 elements.
    // The forward's activations ([64,128] twice, [64,10]), their gradients, the biases' gradient
    // sums and the loss's per-row statistics; no weight gradient (784×128 = 100,352 elements)
    // and no optimizer state. Activations from a reused workspace would take these to zero.
    expect(elements).toBeLessThanOrEqual(34_602);
    expect(count).toBeLessThanOrEqual(18);
    // Dropping the gradients instead (PyTorch's set_to_none) allocates every one of them again.
    const dropped = countAllocations(() => step(3, true));
    expect(dropped.elements - elements).toBe(784 * 128 + 128 * 10);
  });
});
