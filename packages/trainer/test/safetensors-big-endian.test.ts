import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handMade } from "./helpers.js";

/**
 * The big-endian path: on such a host, every tensor's bytes are reversed element by element on the
 * way out (the file stays little-endian) and on the way in. No test machine is big-endian, so the
 * host is simulated: safetensors.ts tests the byte order once, at load, by viewing the Uint32Array
 * [1] as bytes; a fresh copy of the module is loaded while that array reads 0x01000000, i.e. as a
 * big-endian host sees 1. The real host's typed arrays stay little-endian, so a swap the module
 * does (or misses) shows in the bytes it writes and the values it reads.
 */
type Module = typeof import("../src/safetensors.js");
type TensorModule = typeof import("@nabla/tensor");
let st: Module;
let nt: TensorModule;

beforeAll(async () => {
  const Real = globalThis.Uint32Array;
  class BigEndianProbe extends Real {
    constructor(...args: unknown[]) {
      const probe = Array.isArray(args[0]) && args[0].length === 1 && args[0][0] === 1;
      // @ts-expect-error forwarding the constructor's overloads
      super(...(probe ? [[0x01000000]] : args));
    }
  }
  vi.resetModules();
  vi.stubGlobal("Uint32Array", BigEndianProbe);
  try {
    nt = await import("@nabla/tensor");
    st = await import("../src/safetensors.js");
  } finally {
    vi.unstubAllGlobals();
  }
});

afterAll(() => {
  vi.resetModules();
});

/** The bytes of `data` with each `width`-byte element reversed. */
function reversed(data: ArrayBufferView, width: number): number[] {
  const b = [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  const out: number[] = [];
  for (let i = 0; i < b.length; i += width) out.push(...b.slice(i, i + width).reverse());
  return out;
}

describe("safetensors on a big-endian host (simulated)", () => {
  it("writes each element's bytes reversed from host order, for every width", () => {
    const f32 = new Float32Array([1, -2.5, 3e-7]);
    const f64 = new Float64Array([Math.PI, -1e300]);
    const i32 = new Int32Array([1, -2, 0x01020304]);
    const chunks = st.encodeSafetensors({
      a: new nt.Tensor(f32, [3]),
      b: new nt.Tensor(f64, [2]),
      c: new nt.Tensor(i32, [3]),
    });
    expect(chunks.length).toBe(5);
    expect([...chunks[2]!]).toEqual(reversed(f32, 4));
    expect([...chunks[3]!]).toEqual(reversed(f64, 8));
    expect([...chunks[4]!]).toEqual(reversed(i32, 4));
    // The host's own arrays are left as they were.
    expect([...f32]).toEqual([1, -2.5, Math.fround(3e-7)]);
  });

  it("writes I64 values with their 8 bytes reversed", () => {
    const chunks = st.encodeSafetensors(
      { i: new nt.Tensor(new Int32Array([-3, 0x01020304]), [2]) },
      {},
      { int64: true },
    );
    expect([...chunks[2]!]).toEqual(reversed(new BigInt64Array([-3n, 0x01020304n]), 8));
  });

  it("reads a file's elements with their bytes reversed into host order, for every width", () => {
    const file = (dtype: string, shape: number[], hostBytes: ArrayBufferView, width: number): Uint8Array => {
      const data = new Uint8Array(reversed(hostBytes, width));
      return handMade({ t: { dtype, shape, data_offsets: [0, data.length] } }, data);
    };
    const read = (bytes: Uint8Array): number[] => [...st.decodeSafetensors(bytes).tensors.get("t")!.data];
    expect(read(file("F32", [3], new Float32Array([1, -2.5, 0.125]), 4))).toEqual([1, -2.5, 0.125]);
    expect(read(file("F64", [2], new Float64Array([Math.PI, -1e300]), 8))).toEqual([Math.PI, -1e300]);
    expect(read(file("I32", [2], new Int32Array([-7, 0x01020304]), 4))).toEqual([-7, 0x01020304]);
    expect(read(file("I64", [2], new BigInt64Array([-7n, 0x01020304n]), 8))).toEqual([-7, 0x01020304]);
    expect(read(file("I16", [2], new Int16Array([-300, 0x0102]), 2))).toEqual([-300, 0x0102]);
    expect(read(file("F16", [2], new Uint16Array([0x3c00, 0xc100]), 2))).toEqual([1, -2.5]);
    expect(read(file("U8", [3], new Uint8Array([1, 2, 255]), 1))).toEqual([1, 2, 255]);
  });

  it("reads back what it writes", () => {
    const w = new nt.Tensor(new Float32Array([0.5, -1, 2, 7]), [2, 2]);
    const k = new nt.Tensor(new Int32Array([5, -6]), [2]);
    const bytes = Buffer.concat(st.encodeSafetensors({ w, k }, { epoch: "3" }));
    const back = st.decodeSafetensors(bytes);
    expect([...back.tensors.get("w")!.data]).toEqual([0.5, -1, 2, 7]);
    expect(back.tensors.get("w")!.shape).toEqual([2, 2]);
    expect([...back.tensors.get("k")!.data]).toEqual([5, -6]);
    expect(back.metadata).toEqual({ epoch: "3" });
  });
});
