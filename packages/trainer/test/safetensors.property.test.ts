import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataLoader, TensorDataset } from "@nabla/data";
import { BatchNorm1d, Dense, type Module, ReLU, Sequential } from "@nabla/layers";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam, SGD } from "@nabla/optim";
import { Generator, manualSeed, randn, Tensor } from "@nabla/tensor";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, loadModel, loadSafetensors, Trainer } from "../src/node/index.js";
import { decodeState, encodeState } from "../src/state.js";
import { halfValue } from "./helpers.js";

fc.configureGlobal({ seed: 20261202, numRuns: 150 });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-safetensors-property-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bytesOf = (t: Tensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
// Names come back in header order, except that JSON.parse puts integer-like names ("0") first.
const sorted = (keys: Iterable<string>): string[] => [...keys].sort();
const sameBits = (a: Tensor, b: Tensor): boolean => Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(b)));

const FILE_DTYPES = {
  F32: { dtype: "float32", width: 4 },
  F64: { dtype: "float64", width: 8 },
  I32: { dtype: "int32", width: 4 },
} as const;
type FileDType = keyof typeof FILE_DTYPES;

/** A tensor as Nabla stores it: a dtype code, a shape (zero-size allowed) and raw bytes (any bit pattern: NaN payloads, -0, subnormals). */
const storedTensor = fc
  .record({
    code: fc.constantFrom<FileDType>("F32", "F64", "I32"),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ code, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1) * FILE_DTYPES[code].width;
    return fc.uint8Array({ minLength: n, maxLength: n }).map((raw) => ({ code, shape, raw }));
  });

/**
 * What each dtype another writer may use decodes to, computed independently of the decoder from
 * the little-endian bytes (I64 values are drawn within int32's range, the only ones Nabla reads).
 */
const FOREIGN_DTYPES = {
  F32: { dtype: "float32", width: 4, value: (v: DataView, i: number) => v.getFloat32(4 * i, true) },
  F64: { dtype: "float64", width: 8, value: (v: DataView, i: number) => v.getFloat64(8 * i, true) },
  I32: { dtype: "int32", width: 4, value: (v: DataView, i: number) => v.getInt32(4 * i, true) },
  F16: { dtype: "float32", width: 2, value: (v: DataView, i: number) => halfValue(v.getUint16(2 * i, true)) },
  BF16: {
    dtype: "float32",
    width: 2,
    value: (v: DataView, i: number) => new Float32Array(Uint32Array.of(v.getUint16(2 * i, true) << 16).buffer)[0]!,
  },
  I64: { dtype: "int32", width: 8, value: (v: DataView, i: number) => Number(v.getBigInt64(8 * i, true)) },
  I16: { dtype: "int32", width: 2, value: (v: DataView, i: number) => v.getInt16(2 * i, true) },
  U16: { dtype: "int32", width: 2, value: (v: DataView, i: number) => v.getUint16(2 * i, true) },
  I8: { dtype: "int32", width: 1, value: (v: DataView, i: number) => v.getInt8(i) },
  U8: { dtype: "int32", width: 1, value: (v: DataView, i: number) => v.getUint8(i) },
} as const;
type ForeignDType = keyof typeof FOREIGN_DTYPES;

const foreignTensor = fc
  .record({
    code: fc.constantFrom(...(Object.keys(FOREIGN_DTYPES) as ForeignDType[])),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ code, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const raw =
      code === "I64"
        ? fc
            .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: count, maxLength: count })
            .map((v) => new Uint8Array(BigInt64Array.from(v, BigInt).buffer))
        : fc.uint8Array({
            minLength: count * FOREIGN_DTYPES[code].width,
            maxLength: count * FOREIGN_DTYPES[code].width,
          });
    return raw.map((bytes) => ({ code, shape, raw: bytes }));
  });

const names = fc.uniqueArray(
  fc.oneof(
    fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== "__metadata__"),
    fc.constant("__proto__"),
  ),
  { maxLength: 6 },
);
const metadataRecord = fc.dictionary(fc.oneof(fc.string(), fc.constant("__proto__")), fc.string(), { maxKeys: 3 });

/**
 * A valid safetensors file from an independent writer, with any of the dtypes Nabla reads: the header lists the tensors in one
 * random order, the data section stores them in another, the header has 0-15 bytes of space
 * padding (so the data may start at any alignment), and the file sits at a random byte offset
 * of its buffer.
 */
const foreignFile = names
  .chain((keys) =>
    fc.record({
      tensors: fc.tuple(...keys.map((k) => foreignTensor.map((t) => ({ name: k, ...t })))),
      dataOrder: fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      headerOrder: fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      metadata: fc.option(metadataRecord, { nil: undefined }),
      padding: fc.integer({ min: 0, max: 15 }),
      shift: fc.integer({ min: 0, max: 7 }),
    }),
  )
  .map(({ tensors, dataOrder, headerOrder, metadata, padding, shift }) => {
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const offsets = new Map<string, [number, number]>();
    let end = 0;
    for (const name of dataOrder) {
      const size = byName.get(name)!.raw.length;
      offsets.set(name, [end, end + size]);
      end += size;
    }
    const header: [string, unknown][] = metadata === undefined ? [] : [["__metadata__", metadata]];
    for (const name of headerOrder) {
      const t = byName.get(name)!;
      header.push([name, { dtype: t.code, shape: t.shape, data_offsets: offsets.get(name) }]);
    }
    const json = Buffer.from(JSON.stringify(Object.fromEntries(header)) + " ".repeat(padding), "utf8");
    const file = Buffer.alloc(shift + 8 + json.length + end).subarray(shift);
    file.writeBigUInt64LE(BigInt(json.length));
    json.copy(file, 8);
    for (const name of dataOrder) file.set(byName.get(name)!.raw, 8 + json.length + offsets.get(name)![0]);
    return { file, tensors, headerOrder, metadata: metadata ?? {} };
  });

/** A tensor Nabla holds: any dtype, any shape (zero-size too), any bits. */
const heldTensor = storedTensor.map(({ code, shape, raw }) => {
  const copy = new Uint8Array(raw).buffer;
  const data = code === "F32" ? new Float32Array(copy) : code === "F64" ? new Float64Array(copy) : new Int32Array(copy);
  return new Tensor(data, shape);
});

describe("safetensors, property-based", () => {
  it("any valid file decodes to exactly what was stored, whatever its alignment and order", () => {
    fc.assert(
      fc.property(foreignFile, ({ file, tensors, headerOrder, metadata }) => {
        const decoded = decodeSafetensors(file, "foreign");
        expect(sorted(decoded.tensors.keys())).toEqual(sorted(headerOrder));
        for (const t of tensors) {
          const got = decoded.tensors.get(t.name)!;
          const { dtype, value } = FOREIGN_DTYPES[t.code];
          expect(got.dtype).toBe(dtype);
          expect(got.shape).toEqual(t.shape);
          const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
          if (t.code === "F32" || t.code === "F64" || t.code === "I32")
            expect(Buffer.from(bytesOf(got)).equals(Buffer.from(t.raw))).toBe(true);
          else got.data.forEach((v, i) => expect(v, `${t.code} element ${i}`).toBe(value(view, i)));
        }
        expect(decoded.metadata).toEqual(metadata);
      }),
    );
  });

  it("what Nabla encodes decodes to the same tensors bit for bit, from a header padded to 8 bytes", () => {
    fc.assert(
      fc.property(
        names.chain((keys) => fc.tuple(...keys.map((k) => heldTensor.map((t) => [k, t] as const)))),
        metadataRecord,
        (entries, metadata) => {
          const file = Buffer.concat(encodeSafetensors(new Map(entries), metadata));
          expect((8 + Number(file.readBigUInt64LE(0))) % 8).toBe(0);
          const decoded = decodeSafetensors(file);
          expect(sorted(decoded.tensors.keys())).toEqual(sorted(entries.map(([k]) => k)));
          for (const [k, t] of entries) {
            const got = decoded.tensors.get(k)!;
            expect(got.dtype).toBe(t.dtype);
            expect(got.shape).toEqual(t.shape);
            expect(sameBits(got, t)).toBe(true);
          }
          expect(decoded.metadata).toEqual(metadata);
        },
      ),
    );
  });
});

/**
 * A random small classifier: float32 or float64, Dense layers with or without BatchNorm1d (whose
 * numBatchesTracked is int32, so the file mixes dtypes and alignments), trained by SGD with
 * momentum or by Adam.
 */
const modelSpec = fc.record({
  dtype: fc.constantFrom("float32" as const, "float64" as const),
  hidden: fc.array(fc.record({ width: fc.integer({ min: 1, max: 6 }), batchNorm: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  }),
  optimizer: fc.constantFrom("sgd-momentum" as const, "adam" as const),
  seed: fc.nat(),
});
type ModelSpec = typeof modelSpec extends fc.Arbitrary<infer T> ? T : never;

const FEATURES = 3;
const CLASSES = 2;

function build(spec: ModelSpec, seed: number): { model: Module; trainer: Trainer; stateOf: () => unknown } {
  manualSeed(seed);
  const layers: Module[] = [];
  let width = FEATURES;
  for (const h of spec.hidden) {
    layers.push(new Dense(width, h.width));
    if (h.batchNorm) layers.push(new BatchNorm1d(h.width));
    layers.push(new ReLU());
    width = h.width;
  }
  layers.push(new Dense(width, CLASSES));
  const model = new Sequential(...layers).to(spec.dtype);
  const optimizer =
    spec.optimizer === "adam"
      ? new Adam(model.parameters(), { lr: 1e-2 })
      : new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  return {
    model,
    trainer: new Trainer({ model, loss: softmaxCrossEntropy, optimizer }),
    stateOf: () => optimizer.stateDict(),
  };
}

function data(spec: ModelSpec): DataLoader {
  const g = new Generator(spec.seed);
  const x = randn([12, FEATURES], { generator: g, dtype: spec.dtype });
  const y = new Tensor(
    Int32Array.from({ length: 12 }, () => g.int(0, CLASSES)),
    [12],
  );
  return new DataLoader(new TensorDataset(x, y), { batchSize: 4, shuffle: true, seed: spec.seed });
}

/** Every tensor inside a (possibly nested) state, in a canonical order. */
function tensorsIn(state: unknown): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  encodeState(state, "", out);
  return out;
}

describe("checkpoints of random models, property-based", () => {
  it("save and load round-trip weights and optimizer state bit for bit, and the resumed run equals the straight one", async () => {
    await fc.assert(
      fc.asyncProperty(modelSpec, async (spec) => {
        const path = join(dir, "random.safetensors");
        const straight = build(spec, spec.seed);
        await straight.trainer.fit(data(spec), { epochs: 2, progress: "none" });

        const first = build(spec, spec.seed);
        await first.trainer.fit(data(spec), { epochs: 1, checkpoint: { path }, progress: "none" });
        // The weights and every optimizer tensor are in the file, bit for bit.
        const copy = build(spec, spec.seed + 1).model;
        loadModel(copy, path);
        for (const [k, t] of first.model.stateDict()) expect(sameBits(copy.stateDict().get(k)!, t), k).toBe(true);
        const { tensors, metadata } = loadSafetensors(path);
        const savedOptimizer = tensorsIn(decodeState(metadata.optimizer!, tensors, "optimizer"));
        const liveOptimizer = tensorsIn(first.stateOf());
        expect([...savedOptimizer.keys()]).toEqual([...liveOptimizer.keys()]);
        for (const [k, t] of liveOptimizer) expect(sameBits(savedOptimizer.get(k)!, t), k).toBe(true);

        const resumed = build(spec, spec.seed + 2);
        await resumed.trainer.fit(data(spec), { epochs: 2, resumeFrom: path, progress: "none" });
        for (const [k, t] of straight.model.stateDict())
          expect(sameBits(resumed.model.stateDict().get(k)!, t), k).toBe(true);
        const a = tensorsIn(straight.stateOf());
        const b = tensorsIn(resumed.stateOf());
        for (const [k, t] of a) expect(sameBits(b.get(k)!, t), k).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
