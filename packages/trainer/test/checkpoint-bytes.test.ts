import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataLoader, TensorDataset } from "@nabla/data";
import { BatchNorm1d, Dense, Dropout, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam, StepLR } from "@nabla/optim";
import { manualSeed } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EarlyStopping, type History, loadSafetensors, Trainer } from "../src/node/index.js";
import { blobs } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-checkpoint-bytes-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A short seeded run (init, dropout and shuffling from `seed`) that writes a checkpoint after each epoch. */
async function run(seed: number, path: string, options: { epochs: number; resumeFrom?: string }): Promise<History> {
  manualSeed(seed);
  const model = new Sequential(new Dense(4, 12), new BatchNorm1d(12), new ReLU(), new Dropout(0.2), new Dense(12, 3));
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const trainer = new Trainer({
    model,
    loss: softmaxCrossEntropy,
    optimizer,
    scheduler: new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }),
  });
  const { x, y } = blobs(60);
  const train = new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true });
  const validation = new DataLoader(new TensorDataset(x, y), { batchSize: 30 });
  return trainer.fit(train, {
    ...options,
    validation,
    checkpoint: { path },
    callbacks: [new EarlyStopping({ monitor: "valLoss" })],
    progress: "none",
  });
}

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("byte-identical checkpoints", () => {
  it("two runs with the same seed write the same checkpoint file (sha256)", async () => {
    const a = join(dir, "a.safetensors");
    const b = join(dir, "b.safetensors");
    const first = await run(21, a, { epochs: 2 });
    const second = await run(21, b, { epochs: 2 });
    // The runs did take (different) wall-clock time: the History in memory keeps it.
    expect(first.get("seconds").every((s) => s > 0)).toBe(true);
    expect(second.get("seconds").every((s) => s > 0)).toBe(true);
    expect(sha256(b)).toBe(sha256(a));
    const c = join(dir, "c.safetensors");
    await run(22, c, { epochs: 2 });
    expect(sha256(c)).not.toBe(sha256(a));
  });

  it("the checkpoint's history holds no timings; resumed epochs report them as NaN (not measured by this process)", async () => {
    const path = join(dir, "timings.safetensors");
    await run(5, path, { epochs: 1 });
    const saved = JSON.parse(loadSafetensors(path).metadata.history!) as Record<string, unknown>[];
    expect(saved).toHaveLength(1);
    expect(Object.keys(saved[0]!).sort()).toEqual(["accuracy", "epoch", "loss", "lr", "valAccuracy", "valLoss"]);
    const resumed = await run(5, path, { epochs: 2, resumeFrom: path });
    expect(resumed.get("seconds")[0]).toBeNaN();
    expect(resumed.get("samplesPerSecond")[0]).toBeNaN();
    expect(resumed.get("seconds")[1]).toBeGreaterThan(0);
    expect(resumed.get("samplesPerSecond")[1]).toBeGreaterThan(0);
  });
});
