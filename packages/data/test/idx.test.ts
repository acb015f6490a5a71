import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { IdxHeader } from "../src/idx.js";
import { readIdxRecords } from "../src/node/idx.js";
import { type IdxDType, isGzip, parseIdx, readIdx } from "../src/node/index.js";

const CODES: Record<IdxDType, [number, number]> = {
  uint8: [0x08, 1],
  int8: [0x09, 1],
  int16: [0x0b, 2],
  int32: [0x0c, 4],
  float32: [0x0d, 4],
  float64: [0x0e, 8],
};

/** An independent big-endian IDX encoder, written the slow obvious way. */
function encodeIdx(dtype: IdxDType, shape: number[], values: number[]): Uint8Array {
  const [code, size] = CODES[dtype];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((v, i) => {
    const at = header + i * size;
    if (dtype === "uint8") view.setUint8(at, v);
    else if (dtype === "int8") view.setInt8(at, v);
    else if (dtype === "int16") view.setInt16(at, v, false);
    else if (dtype === "int32") view.setInt32(at, v, false);
    else if (dtype === "float32") view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  });
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "nabla-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function write(bytes: Uint8Array, suffix = ""): string {
  const path = join(dir, `file${fileCount++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

const CASES: { dtype: IdxDType; shape: number[]; values: number[] }[] = [
  { dtype: "uint8", shape: [2, 3, 2], values: [0, 1, 2, 127, 128, 255, 9, 8, 7, 6, 5, 4] },
  { dtype: "int8", shape: [4], values: [-128, -1, 0, 127] },
  { dtype: "int16", shape: [2, 2], values: [-32768, -2, 258, 32767] },
  { dtype: "int32", shape: [3], values: [-2147483648, 16909060, 2147483647] },
  { dtype: "float32", shape: [1, 3], values: [-1.5, 0.25, 3e38] },
  { dtype: "float64", shape: [2], values: [Math.PI, -1e-300] },
];

describe("readIdx", () => {
  for (const { dtype, shape, values } of CASES) {
    it(`reads ${dtype} ${JSON.stringify(shape)}, raw and gzip'd`, () => {
      const bytes = encodeIdx(dtype, shape, values);
      for (const path of [write(bytes), write(gzipSync(bytes), ".gz")]) {
        const idx = readIdx(path);
        expect(idx.dtype).toBe(dtype);
        expect(idx.shape).toEqual(shape);
        expect(Array.from(idx.data)).toEqual(dtype === "float32" ? values.map(Math.fround) : values);
      }
    });
  }

  it("returns the typed array matching the dtype", () => {
    expect(readIdx(write(encodeIdx("uint8", [1], [1]))).data).toBeInstanceOf(Uint8Array);
    expect(readIdx(write(encodeIdx("int8", [1], [1]))).data).toBeInstanceOf(Int8Array);
    expect(readIdx(write(encodeIdx("int16", [1], [1]))).data).toBeInstanceOf(Int16Array);
    expect(readIdx(write(encodeIdx("int32", [1], [1]))).data).toBeInstanceOf(Int32Array);
    expect(readIdx(write(encodeIdx("float32", [1], [1]))).data).toBeInstanceOf(Float32Array);
    expect(readIdx(write(encodeIdx("float64", [1], [1]))).data).toBeInstanceOf(Float64Array);
  });

  it("reads a file with a zero dimension", () => {
    const idx = readIdx(write(encodeIdx("uint8", [0, 28, 28], [])));
    expect(idx.shape).toEqual([0, 28, 28]);
    expect(idx.data.length).toBe(0);
  });

  it("names the file it cannot read", () => {
    const path = join(dir, "does-not-exist");
    expect(() => readIdx(path)).toThrow(`readIdx: cannot read ${path}: ENOENT`);
  });

  it("rejects a wrong magic number, showing the bytes", () => {
    const path = write(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    expect(() => readIdx(path)).toThrow(
      `readIdx: ${path}: wrong magic number 0x50 0x4b 0x03 0x04: expected 0x00 0x00 <type> <ndim>`,
    );
  });

  it("rejects an unknown type code", () => {
    const path = write(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 1, 7]));
    expect(() => readIdx(path)).toThrow(
      `readIdx: ${path}: unknown type code 0x0a in magic number 0x00 0x00 0x0a 0x01: expected one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)`,
    );
  });

  it("rejects a file too short for its magic number or its dimensions", () => {
    const tiny = write(new Uint8Array([0, 0]));
    expect(() => readIdx(tiny)).toThrow(
      `readIdx: ${tiny}: truncated file: got 2 bytes, an IDX header needs at least 4`,
    );
    const header = write(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]));
    expect(() => readIdx(header)).toThrow(
      `readIdx: ${header}: truncated file: got 10 bytes, the header of a 3-d IDX file needs 16`,
    );
  });

  it("rejects a truncated file, raw or gzip'd", () => {
    const full = encodeIdx("int16", [2, 3], [1, 2, 3, 4, 5, 6]);
    const cut = full.subarray(0, full.length - 3);
    const raw = write(cut);
    expect(() => readIdx(raw)).toThrow(
      `readIdx: ${raw}: truncated file: got 21 bytes, header says 24 (shape [2,3] of int16 after a 12-byte header)`,
    );
    const gz = write(gzipSync(cut), ".gz");
    expect(() => readIdx(gz)).toThrow(`readIdx: ${gz}: truncated file: got 21 bytes, header says 24`);
  });

  it("rejects trailing garbage", () => {
    const full = encodeIdx("uint8", [2, 2], [1, 2, 3, 4]);
    const path = write(new Uint8Array([...full, 0xde, 0xad]));
    expect(() => readIdx(path)).toThrow(
      `readIdx: ${path}: trailing garbage: got 18 bytes, header says 16 (shape [2,2] of uint8 after a 12-byte header; 2 extra bytes)`,
    );
  });

  it("rejects corrupt gzip data", () => {
    const gz = gzipSync(encodeIdx("uint8", [64], new Array<number>(64).fill(3)));
    const path = write(gz.subarray(0, gz.length - 10), ".gz");
    expect(() => readIdx(path)).toThrow(`readIdx: ${path}: corrupt gzip data:`);
  });
});

describe("readIdxRecords", () => {
  /** Every piece readIdxRecords hands over for up to `limit` records, and the header `open` saw first. */
  function pieces(path: string, limit: number): { header: IdxHeader | null; starts: number[]; values: number[] } {
    const seen: { header: IdxHeader | null; starts: number[]; values: number[] } = {
      header: null,
      starts: [],
      values: [],
    };
    const returned = readIdxRecords(path, limit, (header) => {
      seen.header = header;
      return (values, start) => {
        expect(start).toBe(seen.values.length);
        seen.starts.push(start);
        for (const v of values) seen.values.push(v);
      };
    });
    expect(returned).toEqual(seen.header);
    return seen;
  }

  it("hands over the first records in consecutive pieces, raw (read piece by piece) or gzip'd", () => {
    // 50000 records of 3 values: 300 kB of int16 or 1.2 MB of float64, several pieces each.
    for (const dtype of ["int16", "float64", "uint8"] as const) {
      const values = Array.from({ length: 150000 }, (_, i) => ((i * 7919) % 251) - (dtype === "uint8" ? 0 : 125));
      const bytes = encodeIdx(dtype, [50000, 3], values);
      for (const path of [write(bytes), write(gzipSync(bytes), ".gz")]) {
        for (const limit of [Infinity, 40001, 1]) {
          const got = pieces(path, limit);
          expect(got.header).toEqual({ dtype, shape: [50000, 3] });
          expect(got.values).toEqual(values.slice(0, 3 * Math.min(limit, 50000)));
          if (!path.endsWith(".gz") && limit !== 1) expect(got.starts.length).toBeGreaterThan(1);
        }
      }
    }
  });

  it("lets open reject the header before reading any value", () => {
    const path = write(encodeIdx("int8", [2], [1, 2]));
    expect(() =>
      readIdxRecords(path, Infinity, () => {
        throw new Error("not uint8");
      }),
    ).toThrow("not uint8");
    expect(pieces(write(encodeIdx("uint8", [0, 5], [])), Infinity).values).toEqual([]);
  });
});

describe("parseIdx", () => {
  it("parses a Buffer or an ArrayBuffer, naming the source in errors", () => {
    const bytes = encodeIdx("int32", [2], [-7, 9]);
    expect(Array.from(parseIdx(Buffer.from(bytes)).data)).toEqual([-7, 9]);
    expect(Array.from(parseIdx(bytes.buffer as ArrayBuffer).data)).toEqual([-7, 9]);
    // The core has no gzip: the error says how to unpack (readIdx does, in Node).
    expect(() => parseIdx(gzipSync(bytes), "labels.gz")).toThrow(
      "parseIdx: labels.gz: the bytes are gzip'd: unpack them first (DecompressionStream('gzip') in a browser), " +
        "or read the file with readIdx or loadMnist from @nabla/data/node, which unpack .gz files",
    );
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), "labels.bin")).toThrow(
      "parseIdx: labels.bin: wrong magic number 0x01 0x02 0x03 0x04",
    );
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]))).toThrow("parseIdx: <buffer>: wrong magic number");
  });

  it("does not alias the input buffer", () => {
    const bytes = encodeIdx("uint8", [3], [1, 2, 3]);
    const idx = parseIdx(bytes);
    bytes.fill(0);
    expect(Array.from(idx.data)).toEqual([1, 2, 3]);
    const fromBuffer = parseIdx(Buffer.from(encodeIdx("int8", [2], [-1, 1])));
    expect(fromBuffer.data).toBeInstanceOf(Int8Array);
    expect(Array.from(fromBuffer.data)).toEqual([-1, 1]);
  });

  it("detects gzip by its magic bytes", () => {
    expect(isGzip(gzipSync(new Uint8Array([1])))).toBe(true);
    expect(isGzip(new Uint8Array([0, 0, 8, 1]))).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });
});
