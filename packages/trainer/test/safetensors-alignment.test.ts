import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataLoader, TensorDataset } from "@nabla/data";
import { BatchNorm1d, Dense, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam, SGD } from "@nabla/optim";
import { manualSeed, Tensor } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  loadSafetensors,
  saveSafetensors,
  Trainer,
} from "../src/node/index.js";
import { blobs } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-alignment-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Float64 Dense + BatchNorm1d: the int32 numBatchesTracked puts every later float64 tensor 4 bytes off alignment. */
function float64BatchNormModel(seed: number): Sequential {
  manualSeed(seed);
  return new Sequential(new Dense(4, 6), new BatchNorm1d(6), new ReLU(), new Dense(6, 3)).to("float64");
}

describe("safetensors files whose tensors are not aligned to their element size", () => {
  it.each([
    ["SGD with momentum", (m: Sequential) => new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 })],
    ["Adam", (m: Sequential) => new Adam(m.parameters(), { lr: 1e-2 })],
  ])("a float64 BatchNorm model trained with %s resumes from its checkpoint", async (_name, optimizerFor) => {
    const { x, y } = blobs(24);
    const data = new DataLoader(new TensorDataset(x, y), { batchSize: 8 });
    const path = join(dir, `bn64-${_name.replace(/ /g, "-")}.safetensors`);

    const straight = float64BatchNormModel(1);
    await new Trainer({ model: straight, loss: softmaxCrossEntropy, optimizer: optimizerFor(straight) }).fit(data, {
      epochs: 2,
      progress: "none",
    });

    const first = float64BatchNormModel(1);
    await new Trainer({ model: first, loss: softmaxCrossEntropy, optimizer: optimizerFor(first) }).fit(data, {
      epochs: 1,
      checkpoint: { path },
      progress: "none",
    });
    const resumed = float64BatchNormModel(2);
    await new Trainer({ model: resumed, loss: softmaxCrossEntropy, optimizer: optimizerFor(resumed) }).fit(data, {
      epochs: 2,
      resumeFrom: path,
      progress: "none",
    });

    for (const [k, t] of straight.stateDict())
      expect(bytes(resumed.stateDict().get(k)!).equals(bytes(t)), k).toBe(true);
  });

  it("loadModel reads the weights of a float64 BatchNorm model's training checkpoint", async () => {
    const { x, y } = blobs(16);
    const path = join(dir, "bn64-weights.safetensors");
    const model = float64BatchNormModel(3);
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
    });
    await trainer.fit(new DataLoader(new TensorDataset(x, y), { batchSize: 8 }), {
      epochs: 1,
      checkpoint: { path },
      progress: "none",
    });
    const copy = float64BatchNormModel(4);
    loadModel(copy, path);
    for (const [k, t] of model.stateDict()) expect(bytes(copy.stateDict().get(k)!).equals(bytes(t)), k).toBe(true);
  });

  it("{a: F32[3], b: F64[2]} saved by Nabla loads back", () => {
    const path = join(dir, "mixed.safetensors");
    const a = new Tensor(new Float32Array([1, 2, 3]), [3]);
    const b = new Tensor(new Float64Array([Math.PI, -Math.E]), [2]);
    saveSafetensors(path, { a, b });
    const { tensors } = loadSafetensors(path);
    expect([...tensors.get("a")!.data]).toEqual([1, 2, 3]);
    expect([...tensors.get("b")!.data]).toEqual([Math.PI, -Math.E]);
  });

  it("a file from another writer with an unpadded header loads (header lengths 1 to 8 bytes off alignment)", () => {
    const f64 = new Float64Array([0.1, -2.5e300]);
    const f32 = new Float32Array([7.5]);
    for (let padding = 0; padding < 8; padding++) {
      const header = JSON.stringify({
        b: { dtype: "F32", shape: [1], data_offsets: [16, 20] },
        a: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
      });
      const json = Buffer.from(header + " ".repeat(padding), "utf8");
      const file = Buffer.alloc(8 + json.length + 20);
      file.writeBigUInt64LE(BigInt(json.length));
      json.copy(file, 8);
      Buffer.from(f64.buffer).copy(file, 8 + json.length);
      Buffer.from(f32.buffer).copy(file, 8 + json.length + 16);
      const path = join(dir, `unpadded-${padding}.safetensors`);
      writeFileSync(path, file);
      const { tensors } = loadSafetensors(path);
      expect([...tensors.get("a")!.data], `padding ${padding}`).toEqual([...f64]);
      expect([...tensors.get("b")!.data], `padding ${padding}`).toEqual([...f32]);
    }
  });

  it("decodes from a Buffer that starts at any byte offset of its memory", () => {
    const encoded = Buffer.concat(
      encodeSafetensors({ x: new Tensor(new Float64Array([1.25, -3]), [2]), i: new Tensor(new Int32Array([-7]), [1]) }),
    );
    for (let shift = 0; shift < 8; shift++) {
      const holder = Buffer.alloc(encoded.length + shift);
      holder.set(encoded, shift);
      const { tensors } = decodeSafetensors(holder.subarray(shift), "shifted");
      expect([...tensors.get("x")!.data], `shift ${shift}`).toEqual([1.25, -3]);
      expect([...tensors.get("i")!.data], `shift ${shift}`).toEqual([-7]);
    }
  });
});
