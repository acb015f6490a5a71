import { Variable } from "@nabla/autograd";
import { DataLoader, loadMnist, TensorDataset } from "@nabla/data/node";
import { Dense, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam } from "@nabla/optim";
import { Generator } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Trainer } from "../src/node/index.js";

// vitest.config.ts starts the test workers with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc;

/** JS heap plus typed-array storage, which V8 keeps outside the heap. */
function inUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function collect(): Promise<void> {
  // WeakRefs are cleared only once the current job has finished, so yield before collecting.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc!();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc!();
}

function model(): Sequential {
  const generator = new Generator(3);
  return new Sequential(new Dense(784, 128, { generator }), new ReLU(), new Dense(128, 10, { generator }));
}

describe("memory", () => {
  it("runs with the garbage collector exposed", () => {
    expect(typeof gc).toBe("function");
  });

  it("backward releases the graph: activations and saved tensors become garbage", async () => {
    const net = model();
    const { train } = loadMnist({ limitTrain: 64, limitTest: 1 });
    const logits = net.forward(new Variable(train.images));
    const hidden = new WeakRef(logits.node!.inputs[0]!);
    const loss = softmaxCrossEntropy(logits, train.labels);
    loss.backward();
    expect(loss.node!.inputs).toHaveLength(0);
    expect(logits.node!.inputs).toHaveLength(0);
    await collect();
    expect(hidden.deref()).toBeUndefined();
  });

  it("a training step leaves nothing behind: the heap stays flat over ten epochs", async () => {
    const { train } = loadMnist({ limitTrain: 2000, limitTest: 1 });
    const net = model();
    const trainer = new Trainer({
      model: net,
      loss: softmaxCrossEntropy,
      optimizer: new Adam(net.parameters(), { lr: 1e-3 }),
    });
    const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
      batchSize: 64,
      shuffle: true,
      seed: 0,
    });
    await trainer.fit(loader, { epochs: 1, progress: "none" }); // warm: optimizer state, kernel buffers
    await collect();
    const before = inUse();
    const after: number[] = [];
    for (let epoch = 0; epoch < 10; epoch++) {
      await trainer.fit(loader, { epochs: 1, progress: "none" });
      await collect();
      after.push(inUse());
    }
    // A leak of one 784x128 float32 gradient per step would add 400 KB a step, 12 MB an epoch here.
    const growth = Math.max(...after) - before;
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
