import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { softmaxCrossEntropy } from "@nabla/losses";
import { SGD } from "@nabla/optim";
import { manualSeed } from "@nabla/tensor";
import { describe, expect, it, vi } from "vitest";
import {
  type EpochLog,
  loadModelFromBytes,
  memoryStorage,
  type OptimizerLike,
  saveModelToBytes,
  Trainer,
} from "../src/index.js";
import { Trainer as NodeTrainer } from "../src/node/index.js";
import { blobs, capture, loader, mlp } from "./helpers.js";

const { x, y } = blobs(96);

describe("the core Trainer (no Node)", () => {
  it("prints nothing by default, and a line per epoch to an output it is given", async () => {
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const stdout = vi.spyOn(process.stdout, "write");
    try {
      await trainer.fit(loader(x, y, 32), { epochs: 1 });
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
    }
    const out = capture(false);
    await trainer.fit(loader(x, y, 32), { epochs: 2, output: out });
    expect(out.text.split("\n").filter((l) => l.startsWith("Epoch "))).toHaveLength(2);
  });

  it("keeps checkpoints in memory and resumes from them bit for bit", async () => {
    const run = async (epochs: number, storage = memoryStorage(), resume = false) => {
      manualSeed(3);
      const model = mlp(5);
      const trainer = new Trainer({
        model,
        loss: softmaxCrossEntropy,
        optimizer: new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
      });
      const history = await trainer.fit(loader(x, y, 16, 9), {
        epochs,
        storage,
        checkpoint: { path: "run" },
        ...(resume ? { resumeFrom: "run" } : {}),
      });
      return { history, storage, weights: saveModelToBytes(model) };
    };
    const straight = await run(3);
    const first = await run(2);
    const resumed = await run(3, first.storage, true);
    expect(resumed.history.epochs.map((e) => e.loss)).toEqual(straight.history.epochs.map((e) => e.loss));
    expect(resumed.weights).toEqual(straight.weights);
    expect(straight.storage.entries.get("run")).toBeInstanceOf(Uint8Array);
  });

  it("refuses checkpoints without a storage, saying where one comes from", async () => {
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    await expect(trainer.fit(loader(x, y, 32), { epochs: 1, checkpoint: { path: "run" } })).rejects.toThrow(
      "Trainer.fit: checkpoint and resumeFrom need a storage: pass storage: memoryStorage() (or your own " +
        "{ write, read }), or in Node use the Trainer of @nabla/trainer/node (or nabla/node), which keeps them in files",
    );
    await expect(
      trainer.fit(loader(x, y, 32), { epochs: 1, resumeFrom: "nothing", storage: memoryStorage() }),
    ).rejects.toThrow("Trainer.fit: cannot resume from nothing: nothing is stored under 'nothing'");
  });

  it("says why a storage could not write, and awaits an async one", async () => {
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const written: string[] = [];
    await trainer.fit(loader(x, y, 32), {
      epochs: 2,
      checkpoint: { path: "a" },
      storage: {
        write: async (key) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          written.push(key);
        },
        read: () => new Uint8Array(0),
      },
    });
    expect(written).toEqual(["a", "a"]);
    const failing = {
      write: () => {
        throw new Error("quota exceeded");
      },
      read: () => new Uint8Array(0),
    };
    await expect(
      trainer.fit(loader(x, y, 32), { epochs: 1, checkpoint: { path: "b" }, storage: failing }),
    ).rejects.toThrow(
      "Trainer.fit: training stopped after epoch 1: its checkpoint could not be written to b: quota exceeded; no checkpoint of this run was saved",
    );
  });

  it("is the base of the Node Trainer", () => {
    expect(Object.getPrototypeOf(NodeTrainer)).toBe(Trainer);
  });
});

describe("model bytes", () => {
  it("round-trips a model through saveModelToBytes and loadModelFromBytes, and names the source in errors", () => {
    const a = mlp(1);
    const b = mlp(2);
    loadModelFromBytes(b, saveModelToBytes(a));
    expect(saveModelToBytes(b)).toEqual(saveModelToBytes(a));
    expect(() => loadModelFromBytes(b, new Uint8Array(4), { source: "drop.bin" })).toThrow(
      "loadSafetensors: drop.bin: file is 4 bytes, too short to hold the 8-byte header length (truncated?)",
    );
    expect(() => loadModelFromBytes(b, "x" as never)).toThrow(
      'loadModelFromBytes: bytes must be a Uint8Array, got "x"',
    );
  });
});

describe("callbacks as an object of hooks (Keras, tfjs)", () => {
  it("calls { onEpochEnd } and checks its names", async () => {
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const seen: number[] = [];
    await trainer.fit(loader(x, y, 32), {
      epochs: 2,
      callbacks: { onEpochEnd: (epoch: number) => void seen.push(epoch) },
    });
    expect(seen).toEqual([1, 2]);
    await expect(
      trainer.fit(loader(x, y, 32), { epochs: 1, callbacks: { onEpochEnds: () => {} } as never }),
    ).rejects.toThrow("Trainer.fit: callbacks: unknown option 'onEpochEnds'");
    await expect(trainer.fit(loader(x, y, 32), { epochs: 1, callbacks: { onEpochEnd: 3 } as never })).rejects.toThrow(
      "Trainer.fit: callbacks.onEpochEnd must be a function, got the number 3",
    );
  });
});

describe("resume with param groups at different learning rates", () => {
  /** An optimizer whose state dict, unlike @nabla/optim's, does not carry the groups' lrs. */
  function twoGroups(model: ReturnType<typeof mlp>): OptimizerLike & { paramGroups: { lr: number }[] } {
    const [first, ...rest] = model.parameters();
    const sgd = new SGD(
      [
        { params: [first!], lr: 0.1 },
        { params: rest, lr: 0.01 },
      ],
      { lr: 1 },
    );
    return {
      paramGroups: sgd.paramGroups,
      get lr() {
        return sgd.lr;
      },
      set lr(value: number) {
        sgd.lr = value;
      },
      step: () => sgd.step(),
      zeroGrad: () => sgd.zeroGrad(),
      stateDict: () => ({}),
      loadStateDict: () => {},
    };
  }
  const halve = {
    onEpochEnd: (_epoch: number, _logs: EpochLog, trainer: Trainer) => {
      for (const g of (trainer.optimizer as ReturnType<typeof twoGroups>).paramGroups) g.lr /= 2;
    },
  };

  it("restores each group's lr, not the first group's everywhere", async () => {
    const storage = memoryStorage();
    const model = mlp(4);
    const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer: twoGroups(model) });
    await trainer.fit(loader(x, y, 32), { epochs: 2, storage, checkpoint: { path: "run" }, callbacks: halve });
    const again = mlp(4);
    const optimizer = twoGroups(again);
    const resumed = new Trainer({ model: again, loss: softmaxCrossEntropy, optimizer });
    await resumed.fit(loader(x, y, 32), { epochs: 2, storage, resumeFrom: "run" });
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.025, 0.0025]);
  });

  it("with @nabla/optim's SGD too, and refuses a checkpoint of another number of groups", async () => {
    const storage = memoryStorage();
    const model = mlp(4);
    const [first, ...rest] = model.parameters();
    const sgd = new SGD(
      [
        { params: [first!], lr: 0.1 },
        { params: rest, lr: 0.01 },
      ],
      { lr: 1 },
    );
    await new Trainer({ model, loss: softmaxCrossEntropy, optimizer: sgd }).fit(loader(x, y, 32), {
      epochs: 1,
      storage,
      checkpoint: { path: "run" },
      callbacks: halve,
    });
    const again = mlp(4);
    const [a, ...b] = again.parameters();
    const restored = new SGD(
      [
        { params: [a!], lr: 1 },
        { params: b, lr: 1 },
      ],
      { lr: 1 },
    );
    await new Trainer({ model: again, loss: softmaxCrossEntropy, optimizer: restored }).fit(loader(x, y, 32), {
      epochs: 1,
      storage,
      resumeFrom: "run",
    });
    expect(restored.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.005]);
    const single: OptimizerLike = { ...twoGroups(mlp(4)), paramGroups: [{ lr: 1 }] };
    await expect(
      new Trainer({ model: mlp(4), loss: softmaxCrossEntropy, optimizer: single }).fit(loader(x, y, 32), {
        epochs: 1,
        storage,
        resumeFrom: "run",
      }),
    ).rejects.toThrow(
      "Trainer.fit: cannot resume from run: it holds 2 learning rates (one per param group), but the optimizer has 1 param groups",
    );
  });
});

describe("the core runs anywhere", () => {
  const packages = fileURLToPath(new URL("../../", import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => join(e.parentPath, e.name));

  it.each(["trainer", "data"])(
    "@nabla/%s imports no node: module and touches no Node global outside src/node",
    (pkg) => {
      const src = join(packages, pkg, "src");
      const core = sources(src).filter((f) => !f.startsWith(join(src, "node")));
      expect(core.length).toBeGreaterThan(3);
      for (const file of core) {
        const code = readFileSync(file, "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "");
        expect(code, file).not.toMatch(
          /from "node:|import\("node:|\bprocess\.|\bBuffer\.|\bsetImmediate\(|\brequire\(/,
        );
      }
    },
  );
});
