import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor } from "@nabla/tensor";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "../src/node/index.js";
import { handMade } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-safetensors-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sample(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ["0.weight", new Tensor(new Float32Array([1.5, -2, 3.25, Math.fround(0.1), -0, Infinity]), [2, 3])],
    ["0.bias", new Tensor(new Float64Array([Math.PI, -1e-300]), [2])],
    ["steps", new Tensor(new Int32Array([7, -3, 2147483647]), [3])],
    ["scalar", new Tensor(new Float32Array([42]), [])],
    ["empty", new Tensor(new Float32Array(0), [0, 4])],
  ]);
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("safetensors", () => {
  it("round-trips F32, F64 and I32 tensors bit for bit, with metadata", () => {
    const path = join(dir, "model.safetensors");
    const tensors = sample();
    saveSafetensors(path, tensors, { epoch: "3", note: "héllo" });
    const loaded = loadSafetensors(path);
    expect([...loaded.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [k, t] of tensors) {
      const u = loaded.tensors.get(k)!;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      expect(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength)).toEqual(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      );
    }
    expect(loaded.metadata).toEqual({ epoch: "3", note: "héllo" });
  });

  it("writes the standard layout: u64 LE header length, space-padded JSON header, raw LE data", () => {
    const path = join(dir, "layout.safetensors");
    saveSafetensors(
      path,
      { w: new Tensor(new Float32Array([1, 2]), [2]), i: new Tensor(new Int32Array([5]), [1]) },
      { k: "v" },
    );
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString("utf8");
    expect(text.trimEnd().length).toBeLessThanOrEqual(text.length);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(JSON.parse(text)).toEqual({
      __metadata__: { k: "v" },
      w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      i: { dtype: "I32", shape: [1], data_offsets: [8, 12] },
    });
    expect(bytes.readFloatLE(8 + n)).toBe(1);
    expect(bytes.readFloatLE(8 + n + 4)).toBe(2);
    expect(bytes.readInt32LE(8 + n + 8)).toBe(5);
    expect(bytes.length).toBe(8 + n + 12);
  });

  it("reads a file written by another tool (unpadded header, tensors out of order)", () => {
    const data = new Uint8Array(12);
    const view = new DataView(data.buffer);
    view.setInt32(0, -9, true);
    view.setFloat64(4, 2.5, true);
    const bytes = handMade(
      { b: { dtype: "F64", shape: [], data_offsets: [4, 12] }, a: { dtype: "I32", shape: [1], data_offsets: [0, 4] } },
      data,
    );
    const { tensors, metadata } = decodeSafetensors(bytes, "other.safetensors");
    expect(tensors.get("a")!.data[0]).toBe(-9);
    expect(tensors.get("b")!.item()).toBe(2.5);
    expect(metadata).toEqual({});
  });

  it("refuses what it cannot write faithfully", () => {
    expect(() => encodeSafetensors({ __metadata__: new Tensor(new Float32Array(1), [1]) })).toThrow(/reserved/);
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(
      /metadata 'n' is number, expected a string/,
    );
    expect(() => encodeSafetensors({ x: [1, 2] as unknown as Tensor })).toThrow(/'x' is not a Tensor/);
  });

  describe("corrupt files give an error naming the file and the problem", () => {
    const good = (): Uint8Array => Buffer.concat(encodeSafetensors(sample(), { a: "b" }));

    it("a file shorter than the 8-byte length", () => {
      const path = write("short.safetensors", new Uint8Array([1, 2, 3]));
      expect(() => loadSafetensors(path)).toThrow(
        `loadSafetensors: ${path}: file is 3 bytes, too short to hold the 8-byte header length (truncated?)`,
      );
    });

    it("a header length beyond the end of the file", () => {
      const bytes = good().slice(0, 40);
      const path = write("cut-header.safetensors", bytes);
      expect(() => loadSafetensors(path)).toThrow(
        new RegExp(
          `^loadSafetensors: ${escape(path)}: header length \\d+ goes beyond the end of the file \\(40 bytes\\)`,
        ),
      );
    });

    it("a file truncated in its data section", () => {
      const bytes = good();
      const path = write("cut-data.safetensors", bytes.slice(0, bytes.length - 3));
      expect(() => loadSafetensors(path)).toThrow(
        /cut-data\.safetensors: tensor 'scalar' has data_offsets \[\d+,\d+\] outside the data section \(\d+ bytes\): truncated file\?/,
      );
    });

    it("a header that is not JSON", () => {
      const path = write("json.safetensors", handMade(null, new Uint8Array(0), '{"a": {"dtype": "F32",'));
      expect(() => loadSafetensors(path)).toThrow(
        new RegExp(`^loadSafetensors: ${escape(path)}: header is not valid JSON`),
      );
      const notObject = write("array.safetensors", handMade([1, 2]));
      expect(() => loadSafetensors(notObject)).toThrow(/array\.safetensors: header is not a JSON object/);
    });

    it("offsets outside the data", () => {
      const path = write(
        "offsets.safetensors",
        handMade({ w: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, new Uint8Array(8)),
      );
      expect(() => loadSafetensors(path)).toThrow(
        /offsets\.safetensors: tensor 'w' has data_offsets \[8,16\] outside the data section \(8 bytes\)/,
      );
      const reversed = write(
        "reversed.safetensors",
        handMade({ w: { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)),
      );
      expect(() => loadSafetensors(reversed)).toThrow(
        /tensor 'w' has data_offsets \[8,4\], expected \[begin, end\] with 0 <= begin <= end/,
      );
    });

    it("an unknown dtype", () => {
      const path = write(
        "dtype.safetensors",
        handMade({ w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)),
      );
      expect(() => loadSafetensors(path)).toThrow(
        `loadSafetensors: ${path}: tensor 'w' has dtype "F8_E4M3", expected one of F32, F64, I32, F16, BF16, I64, I16, U16, I8, U8`,
      );
    });

    it("a shape that disagrees with the offsets", () => {
      const path = write(
        "shape.safetensors",
        handMade({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(20)),
      );
      expect(() => loadSafetensors(path)).toThrow(
        `loadSafetensors: ${path}: tensor 'w' has shape [2,3] F32 (24 bytes) but data_offsets [0,20] span 20 bytes`,
      );
      const badShape = write(
        "shape2.safetensors",
        handMade({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } }),
      );
      expect(() => loadSafetensors(badShape)).toThrow(
        /tensor 'w' has shape \[-1\], expected an array of non-negative integers/,
      );
    });

    it("overlapping tensors, gaps and trailing bytes", () => {
      const overlap = write(
        "overlap.safetensors",
        handMade(
          {
            a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
            b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
          },
          new Uint8Array(8),
        ),
      );
      expect(() => loadSafetensors(overlap)).toThrow(/tensor 'b' overlaps another tensor's data/);
      const gap = write(
        "gap.safetensors",
        handMade({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      );
      expect(() => loadSafetensors(gap)).toThrow(/the data section has a gap before tensor 'a'/);
      const trailing = write(
        "trailing.safetensors",
        handMade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(12)),
      );
      expect(() => loadSafetensors(trailing)).toThrow(/the data section has 8 bytes after the last tensor/);
    });

    it("bad metadata and entries", () => {
      const meta = write("meta.safetensors", handMade({ __metadata__: { epoch: 3 } }));
      expect(() => loadSafetensors(meta)).toThrow(/meta\.safetensors: metadata 'epoch' is number, expected a string/);
      const entry = write("entry.safetensors", handMade({ w: 5 }));
      expect(() => loadSafetensors(entry)).toThrow(/tensor 'w' has no \{dtype, shape, data_offsets\} entry/);
    });

    it("a missing file", () => {
      const path = join(dir, "nope.safetensors");
      expect(() => loadSafetensors(path)).toThrow(new RegExp(`^loadSafetensors: cannot read ${escape(path)}: ENOENT`));
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
