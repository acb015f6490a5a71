import { checkOptions, type DType, formatShape, shapeSize, Tensor, type TypedArray } from "@nabla/tensor";

/**
 * The safetensors format (https://huggingface.co/docs/safetensors), readable by PyTorch, JAX and
 * the Hugging Face tools: an 8-byte little-endian u64 header length N, N bytes of JSON header
 * (padded with spaces to 8-byte alignment), then the raw little-endian tensor data. The header maps
 * each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets into the data section)
 * and may hold "__metadata__": { string: string }. Nabla writes F32, F64, I32 (and I64 on request);
 * it reads those and F16, BF16, I16, U16, I8, U8 from other writers.
 */

const DTYPE_CODES = { float32: "F32", float64: "F64", int32: "I32" } as const satisfies Record<DType, string>;
const METADATA = "__metadata__";

/**
 * How each dtype of the format is read: its bytes per element, and how to turn aligned,
 * host-order bytes into the typed array Nabla holds it in. F32, F64 and I32 are read as they
 * are; F16 and BF16 widen to float32 exactly; I64 narrows to int32 (Nabla's integer dtype) and
 * refuses a value that does not fit; the small integer types widen to int32.
 */
interface Reader {
  width: number;
  read(bytes: Uint8Array, n: number): TypedArray;
}

const READERS: Record<string, Reader> = {
  F32: { width: 4, read: (b, n) => new Float32Array(b.buffer, b.byteOffset, n) },
  F64: { width: 8, read: (b, n) => new Float64Array(b.buffer, b.byteOffset, n) },
  I32: { width: 4, read: (b, n) => new Int32Array(b.buffer, b.byteOffset, n) },
  F16: { width: 2, read: (b, n) => widenHalf(new Uint16Array(b.buffer, b.byteOffset, n)) },
  BF16: { width: 2, read: (b, n) => widenBFloat16(new Uint16Array(b.buffer, b.byteOffset, n)) },
  I64: { width: 8, read: (b, n) => narrowInt64(new BigInt64Array(b.buffer, b.byteOffset, n)) },
  I16: { width: 2, read: (b, n) => Int32Array.from(new Int16Array(b.buffer, b.byteOffset, n)) },
  U16: { width: 2, read: (b, n) => Int32Array.from(new Uint16Array(b.buffer, b.byteOffset, n)) },
  I8: { width: 1, read: (b, n) => Int32Array.from(new Int8Array(b.buffer, b.byteOffset, n)) },
  U8: { width: 1, read: (b, n) => Int32Array.from(b.subarray(0, n)) },
};
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type TensorRecord = Map<string, Tensor> | Record<string, Tensor>;

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export interface EncodeOptions {
  /** Store int32 tensors as I64, PyTorch's integer dtype (default false: I32, as they are held). */
  int64?: boolean;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * The file's bytes as chunks: the header, then each tensor's storage (views, not copies, on
 * little-endian hosts). Each tensor is stored as the dtype it holds (F32, F64, I32), or I64 for
 * int32 with `int64`.
 */
export function encodeSafetensors(
  tensors: TensorRecord,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Uint8Array[] {
  checkOptions("saveSafetensors", options, ["int64"]);
  const { int64 = false } = options;
  if (typeof int64 !== "boolean")
    throw new Error(`saveSafetensors: int64 must be true or false, got ${JSON.stringify(int64)}`);
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  // Entries, not an object literal: a tensor or key named "__proto__" must stay an ordinary name.
  const header: [string, HeaderEntry | Record<string, string>][] = [];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new Error(
        `saveSafetensors: metadata '${k}' is ${typeof v}, expected a string (JSON.stringify structured values)`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header.push([METADATA, metadata]);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA) throw new Error(`saveSafetensors: '${METADATA}' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new Error(`saveSafetensors: '${name}' is not a Tensor`);
    const wide = int64 && t.dtype === "int32";
    const bytes = wide ? littleEndianBytes(BigInt64Array.from(t.data, BigInt)) : littleEndianBytes(t.data);
    header.push([
      name,
      {
        dtype: wide ? "I64" : DTYPE_CODES[t.dtype],
        shape: [...t.shape],
        data_offsets: [offset, offset + bytes.byteLength],
      },
    ]);
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  // Pad with spaces so the data section starts 8-byte aligned (8 + N ≡ 0 mod 8), as the reference writer does.
  const headerBytes = new Uint8Array(json.byteLength + ((8 - (json.byteLength % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  return [prefix, headerBytes, ...chunks];
}

/**
 * Parses a safetensors file already in memory. Everything is validated before any tensor is built,
 * and errors name `source` (the file) and the offending tensor. A tensor whose bytes sit aligned to
 * its element size is a view on `bytes` (no copy); any other is copied, so files of any alignment
 * load. Copy `bytes` first if you will modify it while the tensors are in use.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<buffer>"): Safetensors {
  if (bytes.byteLength < 8) {
    corrupt(source, `file is ${bytes.byteLength} bytes, too short to hold the 8-byte header length (truncated?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    corrupt(
      source,
      `header length ${headerLength} goes beyond the end of the file (${bytes.byteLength} bytes): truncated or not a safetensors file`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.byteLength - dataStart;

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    corrupt(source, "header is not valid UTF-8 (not a safetensors file, or a corrupt one)");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    corrupt(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    corrupt(source, "header is not a JSON object");
  }

  const metadata: [string, string][] = [];
  const planned: { name: string; reader: Reader; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        corrupt(source, `'${METADATA}' is not an object`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") corrupt(source, `metadata '${k}' is ${typeof v}, expected a string`);
        metadata.push([k, v]);
      }
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      corrupt(source, `tensor '${name}' has no {dtype, shape, data_offsets} entry`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    const reader = typeof dtype === "string" && Object.hasOwn(READERS, dtype) ? READERS[dtype] : undefined;
    if (reader === undefined) {
      corrupt(
        source,
        `tensor '${name}' has dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(READERS).join(", ")}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      corrupt(
        source,
        `tensor '${name}' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      corrupt(
        source,
        `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 <= begin <= end`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const s = shape as number[];
    const expected = shapeSize(s) * reader.width;
    if (end - begin !== expected) {
      corrupt(
        source,
        `tensor '${name}' has shape ${formatShape(s)} ${dtype} (${expected} bytes) but data_offsets [${begin},${end}] span ${end - begin} bytes`,
      );
    }
    if (end > dataLength) {
      corrupt(
        source,
        `tensor '${name}' has data_offsets [${begin},${end}] outside the data section (${dataLength} bytes): truncated file?`,
      );
    }
    planned.push({ name, reader, shape: s, begin, end });
  }

  // The format forbids holes and overlaps: the tensors must tile the data section exactly.
  const sorted = [...planned].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const p of sorted) {
    if (p.begin !== cursor) {
      corrupt(
        source,
        p.begin < cursor
          ? `tensor '${p.name}' overlaps another tensor's data`
          : `the data section has a gap before tensor '${p.name}'`,
      );
    }
    cursor = p.end;
  }
  if (cursor !== dataLength) corrupt(source, `the data section has ${dataLength - cursor} bytes after the last tensor`);

  const tensors = new Map<string, Tensor>();
  for (const p of planned) {
    const raw = bytes.subarray(dataStart + p.begin, dataStart + p.end);
    let data: TypedArray;
    try {
      data = p.reader.read(hostOrderAligned(raw, p.reader.width), raw.byteLength / p.reader.width);
    } catch (e) {
      corrupt(source, `tensor '${p.name}' ${(e as Error).message}`);
    }
    tensors.set(p.name, new Tensor(data, p.shape));
  }
  return { tensors, metadata: Object.fromEntries(metadata) };
}

function corrupt(source: string, what: string): never {
  throw new Error(`loadSafetensors: ${source}: ${what}`);
}

function littleEndianBytes(data: TypedArray | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN ? bytes : swapped(bytes, data.BYTES_PER_ELEMENT);
}

/**
 * Little-endian `raw` as bytes a typed array of `width`-byte elements can view. Typed arrays can
 * only view memory aligned to their element size, and the format does not promise alignment (a
 * header not padded to 8 bytes, or an I32 tensor before an F64 one, shifts what follows):
 * unaligned bytes are copied to a fresh buffer, aligned ones are used in place.
 */
function hostOrderAligned(raw: Uint8Array, width: number): Uint8Array {
  if (!LITTLE_ENDIAN) return swapped(raw, width);
  return raw.byteOffset % width === 0 ? raw : new Uint8Array(raw);
}

/** IEEE half-precision bits to float32, exactly (every half is a float32; NaN payloads are kept). */
function widenHalf(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0x1f) bits[i] = sign | 0x7f800000 | (fraction << 13);
    else if (exponent !== 0) bits[i] = sign | ((exponent + 112) << 23) | (fraction << 13);
    // Zero and subnormals: fraction · 2^-24 is exact in float32.
    else out[i] = (sign === 0 ? 1 : -1) * fraction * 2 ** -24;
  }
  return out;
}

/** bfloat16 is the top half of a float32's bits. */
function widenBFloat16(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
  return out;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

function narrowInt64(values: BigInt64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new Error(
        `holds the I64 value ${v} at index ${i}, which does not fit in int32 (Nabla's integer dtype, ${INT32_MIN} to ${INT32_MAX})`,
      );
    }
    out[i] = Number(v);
  }
  return out;
}

/** A byte-reversed copy of each element, for big-endian hosts. */
function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k]!;
  }
  return out;
}
