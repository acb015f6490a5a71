import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../src/node/index.js";
import { handMade, handMadeFromBytes } from "./helpers.js";

/**
 * The header checks one by one, each with a file that only that check refuses (or, for the last
 * group, a valid file that a stricter check would wrongly refuse): removing or weakening any of
 * them makes a test here fail.
 */
const decode = (bytes: Uint8Array) => decodeSafetensors(bytes, "h.safetensors");
const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

describe("safetensors header checks", () => {
  it.each([
    ["null", "null"],
    ["a number", "5"],
    ["a string", '"weights"'],
    ["a boolean", "true"],
    ["an empty array", "[]"],
    ["an array", '[{"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}]'],
  ])("refuses a header that is %s rather than an object", (_what, text) => {
    expect(() => decode(handMade(null, new Uint8Array(0), text))).toThrow(
      "loadSafetensors: h.safetensors: header is not a JSON object",
    );
  });

  it("refuses a header that is not valid UTF-8, even inside a JSON string", () => {
    const text = Buffer.from('{"w\xff": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}', "latin1");
    expect(() => decode(handMadeFromBytes(text))).toThrow(
      /^loadSafetensors: h\.safetensors: header is not valid UTF-8/,
    );
    // An overlong encoding and a lone surrogate are invalid too.
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
    ]) {
      const bytes = Buffer.concat([
        Buffer.from('{"w'),
        Buffer.from(bad),
        Buffer.from('": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}'),
      ]);
      expect(() => decode(handMadeFromBytes(bytes))).toThrow(/header is not valid UTF-8/);
    }
  });

  it.each([
    ["a string", '"v1"'],
    ["null", "null"],
    ["an empty array", "[]"],
    ["an array of strings", '["a", "b"]'],
    ["a number", "3"],
  ])("refuses a __metadata__ that is %s", (_what, value) => {
    expect(() => decode(handMade(null, new Uint8Array(0), `{"__metadata__": ${value}}`))).toThrow(
      "loadSafetensors: h.safetensors: '__metadata__' is not an object",
    );
  });

  it.each([
    ["empty", []],
    ["of length 1", [4]],
    ["of length 3", [0, 4, 8]],
    ["of length 3 ending with a huge offset", [0, 4, 1e9]],
  ])("refuses data_offsets %s", (_what, offsets) => {
    const bytes = handMade({ w: { dtype: "F32", shape: [1], data_offsets: offsets } }, f32([1]));
    expect(() => decode(bytes)).toThrow(
      `loadSafetensors: h.safetensors: tensor 'w' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 <= begin <= end`,
    );
  });

  it.each([
    ["not an array", { begin: 0, end: 4 }],
    ["negative", [-4, 0]],
    ["fractional", [0.5, 4.5]],
    ["strings", ["0", "4"]],
    ["beyond 2^53", [0, 2 ** 60]],
  ])("refuses data_offsets that are %s", (_what, offsets) => {
    const bytes = handMade({ w: { dtype: "F32", shape: [1], data_offsets: offsets } }, f32([1]));
    expect(() => decode(bytes)).toThrow(
      `tensor 'w' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`,
    );
  });

  it.each([
    ["not an array", 4],
    ["fractional", [1.5]],
    ["a string", ["1"]],
  ])("refuses a shape that is %s", (_what, shape) => {
    const bytes = handMade({ w: { dtype: "F32", shape, data_offsets: [0, 4] } }, f32([1]));
    expect(() => decode(bytes)).toThrow(
      `tensor 'w' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`,
    );
  });

  it("refuses a dtype that is not a string, and an entry that is null or an array", () => {
    expect(() => decode(handMade({ w: { dtype: 5, shape: [1], data_offsets: [0, 4] } }, f32([1])))).toThrow(
      /tensor 'w' has dtype 5, expected one of /,
    );
    expect(() => decode(handMade({ w: { dtype: "toString", shape: [1], data_offsets: [0, 4] } }, f32([1])))).toThrow(
      /tensor 'w' has dtype "toString"/,
    );
    expect(() => decode(handMade({ w: null }))).toThrow("tensor 'w' has no {dtype, shape, data_offsets} entry");
    expect(() => decode(handMade({ w: ["F32", [0], [0, 0]] }))).toThrow(
      "tensor 'w' has no {dtype, shape, data_offsets} entry",
    );
  });

  it("keeps a tensor or a metadata key named __proto__ as an ordinary name, both ways", () => {
    const file = Buffer.concat(
      encodeSafetensors(
        new Map([["__proto__", new Tensor(Float32Array.of(1.5), [1])]]),
        Object.fromEntries([["__proto__", "m"]]),
      ),
    );
    const { tensors, metadata } = decode(file);
    expect([...tensors.keys()]).toEqual(["__proto__"]);
    expect(tensors.get("__proto__")!.item()).toBe(1.5);
    expect(Object.entries(metadata)).toEqual([["__proto__", "m"]]);
  });

  describe("zero-size tensors may share an offset with another tensor (the reference reader allows it)", () => {
    it.each([
      ["before the tensor at that offset in the header", ["e", "a"]],
      ["after it in the header", ["a", "e"]],
    ])("an empty tensor at the start of another, listed %s", (_where, order) => {
      const entries = {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        e: { dtype: "F64", shape: [0, 3], data_offsets: [0, 0] },
      };
      const header = Object.fromEntries(order.map((k) => [k, entries[k as keyof typeof entries]]));
      const { tensors } = decode(handMade(header, f32([1.5, -2])));
      expect([...tensors.keys()]).toEqual(order);
      expect([...tensors.get("a")!.data]).toEqual([1.5, -2]);
      expect(tensors.get("e")!.shape).toEqual([0, 3]);
      expect(tensors.get("e")!.dtype).toBe("float64");
    });

    it("several empty tensors at the end, and one at an offset between two tensors", () => {
      const header = {
        z1: { dtype: "I32", shape: [0], data_offsets: [8, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        z2: { dtype: "F32", shape: [4, 0], data_offsets: [8, 8] },
        mid: { dtype: "F32", shape: [0], data_offsets: [4, 4] },
        a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      };
      const { tensors } = decode(handMade(header, f32([3, 4])));
      expect(tensors.get("a")!.item()).toBe(3);
      expect(tensors.get("b")!.item()).toBe(4);
      expect(tensors.get("z1")!.data).toEqual(new Int32Array(0));
      expect(tensors.get("z2")).toBeInstanceOf(Tensor);
    });

    it("but a non-empty tensor may not start inside another", () => {
      const header = {
        e: { dtype: "F32", shape: [0], data_offsets: [4, 4] },
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      };
      expect(() => decode(handMade(header, f32([1, 2])))).toThrow(/tensor '.' overlaps another tensor's data/);
    });
  });
});
