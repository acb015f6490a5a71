import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { softmaxCrossEntropy } from "@nabla/losses";
import { SGD } from "@nabla/optim";
import { Tensor } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDirectory, loadModel, saveModel, saveSafetensors, Trainer, writeFileAtomic } from "../src/node/index.js";
import { blobs, loader, mlp } from "./helpers.js";
import { runOnSmallDisk } from "./small-disk.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-files-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("saveModel refuses what it cannot write, naming the path and what was kept", () => {
  it("an existing folder, a path ending in /, an empty or missing path, a non-model", () => {
    const folder = join(dir, "runs");
    mkdirSync(folder);
    writeFileSync(join(folder, "notes.txt"), "kept");
    expect(() => saveModel(mlp(), folder)).toThrow(
      `saveModel: cannot write ${folder}: it is a folder, not a file; nothing was written`,
    );
    expect(() => saveModel(mlp(), `${folder}/new/`)).toThrow(
      `saveModel: cannot write ${folder}/new/: it is a folder, not a file; nothing was written`,
    );
    expect(readdirSync(folder)).toEqual(["notes.txt"]);
    expect(() => saveModel(mlp(), "")).toThrow('saveModel: path must be a non-empty string, got ""');
    expect(() => saveModel(mlp(), undefined as unknown as string)).toThrow(
      "saveModel: path must be a non-empty string, got undefined",
    );
    expect(() => saveModel({} as never, join(dir, "m.safetensors"))).toThrow(
      "saveModel: model must be a Module (Sequential, Dense, ...), got an object",
    );
    expect(() => saveModel(new Tensor(new Float32Array(2), [2]) as never, join(dir, "m.safetensors"))).toThrow(
      "saveModel: model must be a Module (Sequential, Dense, ...), got Tensor [2] float32",
    );
    expect(readdirSync(dir)).toEqual(["runs"]);
  });

  it("a file where one of the path's folders should be", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const path = join(file, "sub", "model.safetensors");
    expect(() => saveModel(mlp(), path)).toThrow(
      `saveModel: cannot write ${path}: ${file} is a file, not a folder; nothing was written`,
    );
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("under /proc, fails at once instead of spinning in Node's recursive mkdir", () => {
    expect(() => saveModel(mlp(), "/proc/nabla-test/runs/model.safetensors")).toThrow(
      "saveModel: cannot write /proc/nabla-test/runs/model.safetensors: cannot create the folder /proc/nabla-test: " +
        "the file system takes no new folders there (ENOENT); nothing was written",
    );
    expect(() => saveModel(mlp(), "/proc/model.safetensors")).toThrow(
      "saveModel: cannot write /proc/model.safetensors: the file system takes no new files there (ENOENT); nothing was written",
    );
    expect(() => saveSafetensors("/proc/nabla-test/t.safetensors", {})).toThrow(
      "saveSafetensors: cannot write /proc/nabla-test/t.safetensors: cannot create the folder /proc/nabla-test",
    );
    expect(() => writeFileAtomic("/proc/nabla-test/t.bin", [])).toThrow(
      "writeFileAtomic: cannot write /proc/nabla-test/t.bin: cannot create the folder /proc/nabla-test",
    );
    expect(() => ensureDirectory("/proc/nabla-test/a/b")).toThrow(
      "ensureDirectory: cannot create the folder /proc/nabla-test: the file system takes no new folders there (ENOENT)",
    );
  });

  it("fit refuses a checkpoint path it cannot write before training, not after the first epoch", async () => {
    const data = blobs(16, 1);
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const fit = (path: string) =>
      trainer.fit(loader(data.x, data.y, 8), { epochs: 3, checkpoint: { path }, progress: "none" });
    await expect(fit("/proc/nabla-test/run.ckpt")).rejects.toThrow(
      "Trainer.fit: cannot write checkpoints to /proc/nabla-test/run.ckpt: cannot create the folder /proc/nabla-test: the file system takes no new folders there (ENOENT)",
    );
    await expect(fit(dir)).rejects.toThrow(
      `Trainer.fit: cannot write checkpoints to ${dir}: it is a folder, not a file`,
    );
    expect(trainer.step).toBe(0);
  });

  it("ensureDirectory makes missing folders and accepts existing ones", () => {
    const deep = join(dir, "x", "y", "z");
    ensureDirectory(deep);
    ensureDirectory(deep);
    expect(readdirSync(join(dir, "x", "y"))).toEqual(["z"]);
  });
});

describe("loadModel and resumeFrom name what is wrong with the path", () => {
  it("a missing file, a folder, an empty path, a non-model", async () => {
    const missing = join(dir, "nope.safetensors");
    expect(() => loadModel(mlp(), missing)).toThrow(`loadModel: cannot read ${missing}: no such file`);
    expect(() => loadModel(mlp(), dir)).toThrow(`loadModel: cannot read ${dir}: it is a folder, not a file`);
    expect(() => loadModel(mlp(), "")).toThrow('loadModel: path must be a non-empty string, got ""');
    expect(() => loadModel([] as never, missing)).toThrow(
      "loadModel: model must be a Module (Sequential, Dense, ...), got an array",
    );

    const data = blobs(16, 1);
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    });
    const fit = (resumeFrom: string) =>
      trainer.fit(loader(data.x, data.y, 8), { epochs: 1, resumeFrom, progress: "none" });
    await expect(fit(missing)).rejects.toThrow(`Trainer.fit: cannot resume from ${missing}: no such file`);
    await expect(fit(dir)).rejects.toThrow(`Trainer.fit: cannot resume from ${dir}: it is a folder, not a file`);
  });
});

describe("on a full disk (a real 100 KiB tmpfs)", () => {
  it("saveModel and fit's checkpoints fail with ENOSPC named, keep the previous file and leave no temporary file", async () => {
    const mountPoint = join(dir, "small-disk");
    mkdirSync(mountPoint);
    const here = fileURLToPath(new URL(".", import.meta.url));
    const child = await runOnSmallDisk(
      mountPoint,
      "100k",
      process.execPath,
      ["--import", "tsx", join(here, "full-disk-child.ts"), mountPoint],
      {
        ...process.env,
        TSX_TSCONFIG_PATH: join(here, "tsconfig.source.json"),
      },
    );
    expect(child.stderr).toBe("");
    const model = join(mountPoint, "model.safetensors");
    const checkpoint = join(mountPoint, "run.ckpt");
    expect(JSON.parse(child.stdout)).toEqual({
      save: `saveModel: cannot write ${model}: no space left on device (ENOSPC); the previous ${model} is untouched`,
      filesAfterSave: ["model.safetensors"],
      previousIntact: true,
      fit: `Trainer.fit: training stopped after epoch 2: its checkpoint could not be written to ${checkpoint}: no space left on device (ENOSPC); ${checkpoint} still holds epoch 1`,
      filesAfterFit: ["run.ckpt"],
      checkpointHoldsEpoch1: true,
    });
  });
});
