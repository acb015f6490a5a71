import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, saveSafetensors } from "../src/node/index.js";
import { handMade } from "./helpers.js";

// Survivors of safetensors.ts's first mutation run: messages, and the no-copy promise.
describe("safetensors: what the mutation run found untested", () => {
  it("names <buffer> as the source when none is given", () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(
      "loadSafetensors: <buffer>: file is 3 bytes, too short to hold the 8-byte header length (truncated?)",
    );
  });

  it("gives the span of data_offsets that do not start at 0 as end − begin", () => {
    const bytes = handMade(
      { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 12] } },
      new Uint8Array(12),
    );
    expect(() => decodeSafetensors(bytes, "s.safetensors")).toThrow(
      "loadSafetensors: s.safetensors: tensor 'b' has shape [1] F32 (4 bytes) but data_offsets [4,12] span 8 bytes",
    );
  });

  it("names saveSafetensors when the path cannot be written (a directory)", () => {
    const t = new Tensor(new Float32Array([1]), [1]);
    expect(() => saveSafetensors(mkdtempSync(join(tmpdir(), "nabla-st-")), { t })).toThrow(/^saveSafetensors: /);
  });

  it("views aligned tensors in the file's bytes without copying, also past the first", () => {
    const a = new Tensor(new Float64Array([1, 2]), [2]);
    const b = new Tensor(new Float64Array([3, 4]), [2]);
    const bytes = new Uint8Array(Buffer.concat(encodeSafetensors({ a, b })));
    const { tensors } = decodeSafetensors(bytes);
    const back = tensors.get("b")!.data;
    expect(back.buffer).toBe(bytes.buffer);
    expect(back.byteOffset).toBeGreaterThan(0);
    expect(back.byteOffset % 8).toBe(0);
    expect(tensors.get("a")!.data.buffer).toBe(bytes.buffer);
  });

  // Survivors of the rerun: the length checks at their exact boundaries.
  it("reads an 8-byte file as a header length with an empty header, not as a file too short", () => {
    expect(() => decodeSafetensors(new Uint8Array(8), "e.safetensors")).toThrow(
      "loadSafetensors: e.safetensors: header is not valid JSON",
    );
  });

  it("refuses a header length one byte beyond the end of the file", () => {
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setBigUint64(0, 3n, true);
    expect(() => decodeSafetensors(bytes, "t.safetensors")).toThrow(
      "loadSafetensors: t.safetensors: header length 3 goes beyond the end of the file (10 bytes): truncated or not a safetensors file",
    );
  });

  it("refuses a dtype that is not a string, even one that prints as a known code", () => {
    const bytes = handMade({ a: { dtype: ["F32"], shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => decodeSafetensors(bytes, "d.safetensors")).toThrow(
      `loadSafetensors: d.safetensors: tensor 'a' has dtype ["F32"], expected one of`,
    );
  });

  it("pads the header with spaces so the data section starts 8-byte aligned, whatever the header's length", () => {
    for (const name of ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"]) {
      const [prefix, header] = encodeSafetensors({ [name]: new Tensor(new Float32Array([1]), [1]) });
      const length = Number(new DataView(prefix!.buffer, prefix!.byteOffset, 8).getBigUint64(0, true));
      expect(length).toBe(header!.byteLength);
      expect((8 + length) % 8).toBe(0);
      expect(new TextDecoder().decode(header).trimEnd()).toBe(
        JSON.stringify({ [name]: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }),
      );
    }
  });
});
