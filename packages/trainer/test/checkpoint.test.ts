import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataLoader, loadMnist, TensorDataset } from "@nabla/data/node";
import { Dense, Dropout, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam, SGD, StepLR } from "@nabla/optim";
import { Generator, manualSeed, randn, type Tensor } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Callback,
  EarlyStopping,
  type History,
  loadModel,
  loadSafetensors,
  saveModel,
  Trainer,
} from "../src/node/index.js";
import { blobs, loader, mlp } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-checkpoint-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function expectSameTensors(a: Map<string, Tensor>, b: Map<string, Tensor>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    expect(b.get(k)!.shape, k).toEqual(t.shape);
    expect(bytes(b.get(k)!).equals(bytes(t)), `${k} differs`).toBe(true);
  }
}

describe("resume", () => {
  const mnist = loadMnist({ limitTrain: 600, limitTest: 200 });

  /**
   * A run with every source of state a resume must restore: random init and Dropout from the
   * global generator, a shuffling loader seeded from it, Adam's moments and step counts, a StepLR
   * schedule, EarlyStopping's best value, and the history.
   */
  function build(seed: number) {
    manualSeed(seed);
    const model = new Sequential(new Dense(784, 24), new ReLU(), new Dropout(0.25), new Dense(24, 10));
    const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
    const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.8 });
    const train = new DataLoader(new TensorDataset(mnist.train.images, mnist.train.labels), {
      batchSize: 32,
      shuffle: true,
    });
    const validation = new DataLoader(new TensorDataset(mnist.test.images, mnist.test.labels), { batchSize: 100 });
    const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer, scheduler });
    const losses: number[] = [];
    const recorder: Callback = { onBatchEnd: (_b, logs) => void losses.push(logs.batchLoss) };
    const early = new EarlyStopping({ monitor: "valLoss", patience: 10 });
    return { model, optimizer, scheduler, train, validation, trainer, losses, callbacks: [recorder, early], early };
  }

  const exact = (h: History) =>
    h.epochs.map(({ epoch, loss, accuracy, valLoss, valAccuracy, lr }) => ({
      epoch,
      loss,
      accuracy,
      valLoss,
      valAccuracy,
      lr,
    }));

  it("a run stopped after epoch k and resumed equals the uninterrupted run, bit for bit", async () => {
    const epochs = 4;
    const a = build(11);
    const full = await a.trainer.fit(a.train, {
      epochs,
      validation: a.validation,
      callbacks: a.callbacks,
      progress: "none",
    });

    // The same run again is identical (reproducible), and it crashes after writing epoch 2's checkpoint.
    const path = join(dir, "resume.safetensors");
    const b = build(11);
    const crash: Callback = {
      onEpochBegin: (epoch) => {
        if (epoch === 3) throw new Error("killed");
      },
    };
    await expect(
      b.trainer.fit(b.train, {
        epochs,
        validation: b.validation,
        callbacks: [...b.callbacks, crash],
        checkpoint: { path },
        progress: "none",
      }),
    ).rejects.toThrow("killed");
    expect(b.losses).toEqual(a.losses.slice(0, b.losses.length));

    // A fresh process-like start: everything rebuilt from another seed, then resumed.
    const c = build(999);
    const resumed = await c.trainer.fit(c.train, {
      epochs,
      validation: c.validation,
      callbacks: c.callbacks,
      resumeFrom: path,
      progress: "none",
    });
    expect(c.losses).toEqual(a.losses.slice(b.losses.length));
    expect(c.losses.length).toBe((epochs - 2) * 19);
    expect(exact(resumed)).toEqual(exact(full));
    expectSameTensors(a.model.stateDict(), c.model.stateDict());
    const sa = a.optimizer.stateDict();
    const sc = c.optimizer.stateDict();
    expect(sc.paramGroups).toEqual(sa.paramGroups);
    for (const [i, entry] of Object.entries(sa.state)) {
      const other = sc.state[Number(i)]!;
      expect(other.step).toBe(entry.step);
      for (const k of ["expAvg", "expAvgSq"])
        expect(bytes(other[k] as Tensor).equals(bytes(entry[k] as Tensor))).toBe(true);
    }
    expect(c.scheduler.stateDict()).toEqual(a.scheduler.stateDict());
    expect(c.trainer.step).toBe(a.trainer.step);
    expect(c.early.bestEpoch).toBe(a.early.bestEpoch);
    expect(c.train.getState()).toEqual(a.train.getState());
  });

  it("resuming from a finished checkpoint trains no further", async () => {
    const path = join(dir, "done.safetensors");
    const a = build(5);
    await a.trainer.fit(a.train, { epochs: 1, checkpoint: { path }, progress: "none" });
    const b = build(6);
    const history = await b.trainer.fit(b.train, { epochs: 1, resumeFrom: path, progress: "none" });
    expect(history.length).toBe(1);
    expect(b.losses).toEqual([]);
    expectSameTensors(a.model.stateDict(), b.model.stateDict());
  });

  it("restores the state of the Trainer's own generator (e.g. the one the Dropout layers use)", async () => {
    const path = join(dir, "generator.safetensors");
    const { x, y } = blobs(40);
    const first = new Generator(5);
    const model = mlp();
    const t1 = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      generator: first,
    });
    await t1.fit(loader(x, y, 10), { epochs: 1, checkpoint: { path }, progress: "none" });
    const next = first.random();
    const second = new Generator(77);
    const copy = mlp();
    const t2 = new Trainer({
      model: copy,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(copy.parameters(), { lr: 0.1 }),
      generator: second,
    });
    await t2.fit(loader(x, y, 10), { epochs: 1, resumeFrom: path, progress: "none" });
    expect(second.random()).toBe(next);
  });

  it("the checkpoint is one safetensors file: plain weight names, optimizer/ tensors, JSON metadata", async () => {
    const path = join(dir, "layout.safetensors");
    const a = build(3);
    await a.trainer.fit(a.train, { epochs: 2, checkpoint: { path, every: 2 }, progress: "none" });
    const { tensors, metadata } = loadSafetensors(path);
    const names = [...tensors.keys()];
    expect(names.slice(0, 4)).toEqual(["0.weight", "0.bias", "3.weight", "3.bias"]);
    expect(names.filter((n) => n.startsWith("optimizer/")).sort()).toEqual(
      [0, 1, 2, 3].flatMap((i) => [`optimizer/state.${i}.expAvg`, `optimizer/state.${i}.expAvgSq`]).sort(),
    );
    expect(metadata.format).toBe("nabla-checkpoint");
    expect(metadata.epoch).toBe("2");
    expect(metadata.step).toBe("38");
    expect(JSON.parse(metadata.scheduler!)).toMatchObject({ lastEpoch: 2 });
    expect(JSON.parse(metadata.history!)).toHaveLength(2);
    expect(JSON.parse(metadata.trainLoader!)).toMatchObject({ epoch: 2 });
    expect(JSON.parse(metadata.generator!)).toHaveProperty("prng");
    // Weights-only tools read the same file.
    const fresh = build(4).model;
    loadModel(fresh, path);
    expectSameTensors(a.model.stateDict(), fresh.stateDict());
  });

  it("a bad or mismatched checkpoint throws naming what is wrong, and nothing is half-loaded", async () => {
    const path = join(dir, "good.safetensors");
    const a = build(1);
    await a.trainer.fit(a.train, { epochs: 1, checkpoint: { path }, progress: "none" });

    // Another architecture.
    manualSeed(2);
    const other = new Sequential(new Dense(784, 16), new ReLU(), new Dense(16, 10));
    const otherOptimizer = new Adam(other.parameters());
    const before = other.stateDict();
    const trainer = new Trainer({ model: other, loss: softmaxCrossEntropy, optimizer: otherOptimizer });
    const data = new DataLoader(new TensorDataset(mnist.train.images, mnist.train.labels), { batchSize: 32 });
    await expect(trainer.fit(data, { epochs: 2, resumeFrom: path, progress: "none" })).rejects.toThrow(
      `Trainer.fit: cannot resume from ${path}: loadStateDict: missing keys '2.weight', '2.bias'; unexpected keys '3.weight', '3.bias'; ` +
        `'0.weight' has shape [784,24], expected [784,16]; '0.bias' has shape [24], expected [16]`,
    );
    expectSameTensors(before, other.stateDict());

    // The same architecture but an optimizer with other param groups: the model is rolled back.
    manualSeed(2);
    const same = new Sequential(new Dense(784, 24), new ReLU(), new Dropout(0.25), new Dense(24, 10));
    const sameBefore = same.stateDict();
    const grouped = new Adam([{ params: same.parameters().slice(0, 2) }, { params: same.parameters().slice(2) }], {
      lr: 1e-3,
    });
    const t2 = new Trainer({
      model: same,
      loss: softmaxCrossEntropy,
      optimizer: grouped,
      scheduler: new StepLR(grouped, { stepSize: 1 }),
    });
    await expect(t2.fit(data, { epochs: 2, resumeFrom: path, progress: "none" })).rejects.toThrow(
      /cannot resume from .*: Adam\.loadStateDict: the state has 1 param groups, this optimizer has 2/,
    );
    expectSameTensors(sameBefore, same.stateDict());

    // A scheduler mismatch.
    const t3 = new Trainer({ model: same, loss: softmaxCrossEntropy, optimizer: new Adam(same.parameters()) });
    await expect(t3.fit(data, { epochs: 2, resumeFrom: path, progress: "none" })).rejects.toThrow(
      "it holds a scheduler's state, but this Trainer has no scheduler",
    );

    // A truncated file, and a weights-only file.
    const truncated = join(dir, "truncated.safetensors");
    const full = readFileSync(path);
    writeFileSync(truncated, full.subarray(0, full.length - 100));
    const t4 = build(1);
    await expect(t4.trainer.fit(t4.train, { epochs: 2, resumeFrom: truncated, progress: "none" })).rejects.toThrow(
      new RegExp(
        `^Trainer\\.fit: cannot resume from ${truncated}: loadSafetensors: ${truncated}: tensor '.*' has data_offsets .* outside the data section`,
      ),
    );
    const weights = join(dir, "weights.safetensors");
    saveModel(a.model, weights);
    await expect(t4.trainer.fit(t4.train, { epochs: 2, resumeFrom: weights, progress: "none" })).rejects.toThrow(
      /is not a training checkpoint \(its format is "nabla-model", expected 'nabla-checkpoint'\); a weights-only file loads with loadModel/,
    );
  });
});

describe("saveModel / loadModel", () => {
  it("round-trips the weights: a reloaded model predicts exactly the same", async () => {
    const { x, y } = blobs(100);
    const model = mlp(3);
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    await trainer.fit(loader(x, y, 10), { epochs: 2, progress: "none" });
    const path = join(dir, "model.safetensors");
    saveModel(model, path, { metadata: { note: "blobs" } });
    const { tensors, metadata } = loadSafetensors(path);
    expect([...tensors.keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(metadata).toEqual({ format: "nabla-model", note: "blobs" });

    const copy = mlp(99);
    loadModel(copy, path);
    const other = new Trainer({
      model: copy,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(copy.parameters(), { lr: 0.1 }),
    });
    expect(bytes(other.predict(x)).equals(bytes(trainer.predict(x)))).toBe(true);
  });

  it("a reloaded model in a new process predicts exactly the same", () => {
    const model = mlp(8);
    const path = join(dir, "process.safetensors");
    saveModel(model, path);
    const x = randn([5, 4], { generator: new Generator(3) });
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const expected = [...trainer.predict(x).data];
    const here = fileURLToPath(new URL(".", import.meta.url));
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", join(here, "predict-child.ts"), path, JSON.stringify([...x.data])],
      {
        encoding: "utf8",
        env: { ...process.env, TSX_TSCONFIG_PATH: join(here, "tsconfig.source.json") },
      },
    );
    expect(JSON.parse(out)).toEqual(expected);
  });

  it("a mismatched file throws naming the keys and leaves the model unchanged", () => {
    const path = join(dir, "small.safetensors");
    saveModel(new Sequential(new Dense(4, 8, { generator: new Generator(1) })), path);
    const model = mlp(5);
    const before = model.stateDict();
    expect(() => loadModel(model, path)).toThrow(
      `loadModel: ${path}: loadStateDict: missing keys '2.weight', '2.bias'; '0.weight' has shape [4,8], expected [4,16]; '0.bias' has shape [8], expected [16]`,
    );
    expectSameTensors(before, model.stateDict());
  });
});
