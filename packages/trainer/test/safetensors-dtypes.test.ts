import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../src/node/index.js";
import { halfValue, handMade } from "./helpers.js";

const decode = (bytes: Uint8Array) => decodeSafetensors(bytes, "d.safetensors");

/** A one-tensor file of `code` holding `raw`, optionally pushed off alignment by `padding` header spaces. */
function single(code: string, shape: number[], raw: Uint8Array, padding = 0): Uint8Array {
  const header = { t: { dtype: code, shape, data_offsets: [0, raw.byteLength] } };
  return handMade(null, raw, JSON.stringify(header) + " ".repeat(padding));
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe("safetensors dtypes other writers use", () => {
  it("F16 widens to float32 exactly, for every one of the 65536 bit patterns (and NaN payloads survive)", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    for (const padding of [0, 1]) {
      const t = decode(single("F16", [65536], bytesOf(all), padding)).tensors.get("t")!;
      expect(t.dtype).toBe("float32");
      const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, 65536);
      for (let h = 0; h < 65536; h++) {
        const want = halfValue(h);
        if (Number.isNaN(want)) {
          expect(t.data[h]).toBeNaN();
          expect((bits[h]! >>> 13) & 0x3ff, `payload of ${h.toString(16)}`).toBe(h & 0x3ff);
        } else if (!Object.is(t.data[h], want)) {
          expect.fail(`half 0x${h.toString(16)} read as ${t.data[h]}, expected ${want}`);
        }
      }
    }
  });

  it("F16 values PyTorch writes for 1, -2, 65504, 2^-24, 2^-14 and 1/3", () => {
    const t = decode(
      single("F16", [6], bytesOf(Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555))),
    ).tensors.get("t")!;
    expect([...t.data]).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125]);
  });

  it("BF16 widens to float32 exactly: it is the top half of the float32 bits", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const t = decode(single("BF16", [256, 256], bytesOf(all), 3)).tensors.get("t")!;
    expect(t.dtype).toBe("float32");
    expect(t.shape).toEqual([256, 256]);
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, 65536);
    for (let h = 0; h < 65536; h++)
      if (bits[h] !== (h << 16) >>> 0)
        expect.fail(`bfloat16 0x${h.toString(16)} read as bits 0x${bits[h]!.toString(16)}`);
    const known = decode(single("BF16", [3], bytesOf(Uint16Array.of(0x3f80, 0xc0a0, 0x3eab)))).tensors.get("t")!;
    expect([...known.data]).toEqual([1, -5, 0.333984375]);
  });

  it("I64 narrows to int32 when every value fits, at any alignment", () => {
    const values = BigInt64Array.of(0n, -1n, 7n, 2147483647n, -2147483648n);
    for (const padding of [0, 1, 4]) {
      const t = decode(single("I64", [5], bytesOf(values), padding)).tensors.get("t")!;
      expect(t.dtype).toBe("int32");
      expect([...t.data]).toEqual([0, -1, 7, 2147483647, -2147483648]);
    }
  });

  it.each([
    [2147483648n, 3],
    [-2147483649n, 3],
    [2n ** 62n, 3],
    [-(2n ** 63n), 0],
  ])("I64 value %s that does not fit int32 is refused, naming the tensor, the value and its index", (value, index) => {
    const values = BigInt64Array.of(1n, 2n, 3n, 4n);
    values[index] = value;
    const file = handMade(
      null,
      bytesOf(values),
      JSON.stringify({ "1.num_batches_tracked": { dtype: "I64", shape: [4], data_offsets: [0, 32] } }),
    );
    expect(() => decode(file)).toThrow(
      `loadSafetensors: d.safetensors: tensor '1.num_batches_tracked' holds the I64 value ${value} at index ${index}, ` +
        "which does not fit in int32 (Nabla's integer dtype, -2147483648 to 2147483647)",
    );
  });

  it("U8, I8, I16 and U16 widen to int32", () => {
    const cases: [string, ArrayBufferView, number[]][] = [
      ["U8", Uint8Array.of(0, 1, 255), [0, 1, 255]],
      ["I8", Int8Array.of(0, -128, 127), [0, -128, 127]],
      ["I16", Int16Array.of(-32768, 32767, -1), [-32768, 32767, -1]],
      ["U16", Uint16Array.of(0, 65535, 1), [0, 65535, 1]],
    ];
    for (const [code, data, want] of cases) {
      const t = decode(single(code, [3], bytesOf(data), 1)).tensors.get("t")!;
      expect(t.dtype, code).toBe("int32");
      expect([...t.data], code).toEqual(want);
    }
  });

  it("writes int32 tensors as I64 with { int64: true }, which reads back as int32", () => {
    const counts = new Tensor(Int32Array.of(3, -2147483648, 2147483647), [3]);
    const weights = new Tensor(Float32Array.of(0.5), [1]);
    const file = Buffer.concat(encodeSafetensors({ counts, weights }, {}, { int64: true }));
    const n = Number(file.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    expect(JSON.parse(file.subarray(8, 8 + n).toString())).toEqual({
      counts: { dtype: "I64", shape: [3], data_offsets: [0, 24] },
      weights: { dtype: "F32", shape: [1], data_offsets: [24, 28] },
    });
    expect([...new BigInt64Array(file.buffer.slice(file.byteOffset + 8 + n, file.byteOffset + 8 + n + 24))]).toEqual([
      3n,
      -2147483648n,
      2147483647n,
    ]);
    const back = decodeSafetensors(file).tensors;
    expect(back.get("counts")!.data).toEqual(counts.data);
    expect(back.get("weights")!.data).toEqual(weights.data);
  });

  it("refuses options it does not know", () => {
    expect(() => encodeSafetensors({}, {}, { int64: "yes" as unknown as boolean })).toThrow(
      'saveSafetensors: int64 must be true or false, got "yes"',
    );
    expect(() => encodeSafetensors({}, {}, { int_64: true } as unknown as { int64: boolean })).toThrow(
      "saveSafetensors: unknown option 'int_64' (did you mean 'int64'?); expected one of int64",
    );
  });
});
