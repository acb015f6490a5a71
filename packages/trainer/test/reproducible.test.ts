import { DataLoader, loadMnist, TensorDataset } from "@nabla/data/node";
import { Dense, Dropout, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam } from "@nabla/optim";
import { manualSeed } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Trainer } from "../src/node/index.js";

const { train } = loadMnist({ limitTrain: 600, limitTest: 1 });

/** One seeded run from scratch: init, dropout masks and shuffling all come from `seed`. */
async function run(seed: number): Promise<{ losses: number[]; weights: Float32Array[] }> {
  manualSeed(seed);
  const model = new Sequential(new Dense(784, 32), new ReLU(), new Dropout(0.2), new Dense(32, 10));
  const trainer = new Trainer({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
  });
  const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 50, shuffle: true });
  const losses: number[] = [];
  await trainer.fit(loader, {
    epochs: 2,
    progress: "none",
    callbacks: [{ onBatchEnd: (_, logs) => void losses.push(logs.batchLoss) }],
  });
  return { losses, weights: model.parameters().map((p) => Float32Array.from(p.value.data)) };
}

describe("reproducibility", () => {
  it("the same seed gives the same loss at every step and the same final weights, bit for bit", async () => {
    const a = await run(11);
    const b = await run(11);
    expect(a.losses).toHaveLength(24);
    expect(b.losses).toEqual(a.losses);
    a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i]!.buffer).equals(Buffer.from(w.buffer))).toBe(true));
  });

  it("a different seed gives a different run", async () => {
    const a = await run(11);
    const c = await run(12);
    expect(c.losses).not.toEqual(a.losses);
  });
});
