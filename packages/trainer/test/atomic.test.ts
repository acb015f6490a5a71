import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor } from "@nabla/tensor";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadSafetensors, saveSafetensors } from "../src/node/index.js";

// Fault injection: the writer's fs.writeSync can be made to fail part-way, as a full disk or a
// dying process would leave it.
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, writeSync: vi.fn(actual.writeSync) };
});

type WriteChunk = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
const realWriteSync = (await vi.importActual<typeof import("node:fs")>("node:fs")).writeSync as unknown as WriteChunk;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "nabla-atomic-"));
});
afterEach(() => {
  vi.mocked(fs.writeSync).mockReset();
  vi.mocked(fs.writeSync).mockImplementation(realWriteSync as unknown as typeof fs.writeSync);
  fs.rmSync(dir, { recursive: true, force: true });
});

const weights = (value: number): Map<string, Tensor> =>
  new Map([
    ["0.weight", new Tensor(new Float32Array(1000).fill(value), [10, 100])],
    ["0.bias", new Tensor(new Float32Array(100).fill(value), [100])],
  ]);

describe("atomic writes", () => {
  it("a write that fails mid-way leaves the previous file intact and no temporary file", () => {
    const path = join(dir, "checkpoint.safetensors");
    saveSafetensors(path, weights(1), { epoch: "1" });
    const before = fs.readFileSync(path);

    let calls = 0;
    const failing: WriteChunk = (fd, buffer, offset, length) => {
      calls++;
      if (calls === 3) {
        // Half of the first tensor reaches the disk, then the device is full.
        realWriteSync(fd, buffer, offset, Math.floor(length / 2));
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      return realWriteSync(fd, buffer, offset, length);
    };
    vi.mocked(fs.writeSync).mockImplementation(failing as unknown as typeof fs.writeSync);

    expect(() => saveSafetensors(path, weights(2), { epoch: "2" })).toThrow(/ENOSPC/);
    expect(calls).toBe(3);
    expect(fs.readFileSync(path).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["checkpoint.safetensors"]);
    const { tensors, metadata } = loadSafetensors(path);
    expect(metadata.epoch).toBe("1");
    expect(tensors.get("0.weight")!.data[999]).toBe(1);
  });

  it("short writes are completed, not mistaken for the end", () => {
    const path = join(dir, "short-writes.safetensors");
    const dribble: WriteChunk = (fd, buffer, offset, length) => realWriteSync(fd, buffer, offset, Math.min(length, 7));
    vi.mocked(fs.writeSync).mockImplementation(dribble as unknown as typeof fs.writeSync);
    saveSafetensors(path, weights(3));
    expect(loadSafetensors(path).tensors.get("0.bias")!.data[99]).toBe(3);
  });

  it("a temporary file left by a process killed mid-write neither breaks loading nor the next save", () => {
    const path = join(dir, "checkpoint.safetensors");
    saveSafetensors(path, weights(1));
    fs.writeFileSync(`${path}.tmp-99999`, Buffer.from([1, 2, 3])); // what a SIGKILL'd writer leaves behind
    expect(loadSafetensors(path).tensors.get("0.bias")!.data[0]).toBe(1);
    saveSafetensors(path, weights(4));
    expect(loadSafetensors(path).tensors.get("0.bias")!.data[0]).toBe(4);
    expect(fs.readdirSync(dir).filter((f) => f.includes(`.tmp-${process.pid}`))).toEqual([]);
  });

  it("creates missing directories", () => {
    const path = join(dir, "a", "b", "model.safetensors");
    saveSafetensors(path, weights(5));
    expect(loadSafetensors(path).tensors.size).toBe(2);
  });
});
