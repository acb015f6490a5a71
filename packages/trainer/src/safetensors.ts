import { readFileSync } from "node:fs";
import { type DType, Tensor, type TypedArray, allocate, formatShape, shapeSize } from "@nabla/tensor";
import { writeAtomically } from "./atomic.js";

/**
 * The safetensors format (https://huggingface.co/docs/safetensors), readable by PyTorch, JAX and
 * the Hugging Face tools: an 8-byte little-endian u64 header length N, N bytes of JSON header
 * (padded with spaces to 8-byte alignment), then the raw little-endian tensor data. The header maps
 * each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets into the data section)
 * and may hold "__metadata__": { string: string }.
 */

const DTYPE_CODES = { float32: "F32", float64: "F64", int32: "I32" } as const satisfies Record<DType, string>;
const DTYPES: Record<string, DType> = { F32: "float32", F64: "float64", I32: "int32" };
const ITEM_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };
const METADATA = "__metadata__";
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type TensorRecord = Map<string, Tensor> | Record<string, Tensor>;

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The file's bytes as chunks: the header, then each tensor's storage (views, not copies, on little-endian hosts). */
export function encodeSafetensors(tensors: TensorRecord, metadata: Record<string, string> = {}): Uint8Array[] {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new Error(`saveSafetensors: metadata '${k}' is ${typeof v}, expected a string (JSON.stringify structured values)`);
    }
  }
  if (Object.keys(metadata).length > 0) header[METADATA] = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA) throw new Error(`saveSafetensors: '${METADATA}' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new Error(`saveSafetensors: '${name}' is not a Tensor`);
    const bytes = littleEndianBytes(t.data);
    header[name] = { dtype: DTYPE_CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  // Pad so the data section starts 8-byte aligned (8 + N ≡ 0 mod 8), as the reference writer does.
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  return [prefix, headerBytes, ...chunks];
}

/**
 * Parses a safetensors file already in memory. Everything is validated before any tensor is built,
 * and errors name `source` (the file) and the offending tensor.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<buffer>"): Safetensors {
  if (bytes.byteLength < 8) {
    corrupt(source, `file is ${bytes.byteLength} bytes, too short to hold the 8-byte header length (truncated?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    corrupt(source, `header length ${headerLength} goes beyond the end of the file (${bytes.byteLength} bytes): truncated or not a safetensors file`);
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.byteLength - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    corrupt(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    corrupt(source, "header is not a JSON object");
  }

  const metadata: Record<string, string> = {};
  const planned: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) corrupt(source, `'${METADATA}' is not an object`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") corrupt(source, `metadata '${k}' is ${typeof v}, expected a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) corrupt(source, `tensor '${name}' has no {dtype, shape, data_offsets} entry`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    const dt = typeof dtype === "string" ? DTYPES[dtype] : undefined;
    if (dt === undefined) {
      corrupt(source, `tensor '${name}' has dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(DTYPES).join(", ")}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      corrupt(source, `tensor '${name}' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
    ) {
      corrupt(source, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const s = shape as number[];
    const expected = shapeSize(s) * ITEM_BYTES[dt];
    if (end - begin !== expected) {
      corrupt(
        source,
        `tensor '${name}' has shape ${formatShape(s)} ${dtype} (${expected} bytes) but data_offsets [${begin},${end}] span ${end - begin} bytes`,
      );
    }
    if (end > dataLength) {
      corrupt(source, `tensor '${name}' has data_offsets [${begin},${end}] outside the data section (${dataLength} bytes): truncated file?`);
    }
    planned.push({ name, dtype: dt, shape: s, begin, end });
  }

  // The format forbids holes and overlaps: the tensors must tile the data section exactly.
  const sorted = [...planned].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const p of sorted) {
    if (p.begin !== cursor) {
      corrupt(source, p.begin < cursor ? `tensor '${p.name}' overlaps another tensor's data` : `the data section has a gap before tensor '${p.name}'`);
    }
    cursor = p.end;
  }
  if (cursor !== dataLength) corrupt(source, `the data section has ${dataLength - cursor} bytes after the last tensor`);

  const tensors = new Map<string, Tensor>();
  for (const p of planned) {
    // slice() copies into a fresh, aligned ArrayBuffer that the typed array can view.
    const raw = bytes.slice(dataStart + p.begin, dataStart + p.end);
    tensors.set(p.name, new Tensor(fromLittleEndian(p.dtype, raw), p.shape));
  }
  return { tensors, metadata };
}

function corrupt(source: string, what: string): never {
  throw new Error(`loadSafetensors: ${source}: ${what}`);
}

/** Writes tensors (and string metadata) to `path` in the safetensors format, atomically. */
export function saveSafetensors(path: string, tensors: TensorRecord, metadata: Record<string, string> = {}): void {
  writeAtomically(path, encodeSafetensors(tensors, metadata), "saveSafetensors");
}

/** Reads a safetensors file written by Nabla or any other tool (F32, F64 and I32 tensors). */
export function loadSafetensors(path: string): Safetensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`loadSafetensors: cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN ? bytes : swapped(bytes, data.BYTES_PER_ELEMENT);
}

function fromLittleEndian(dtype: DType, raw: Uint8Array): TypedArray {
  const bytes = LITTLE_ENDIAN ? raw : swapped(raw, ITEM_BYTES[dtype]);
  const n = bytes.byteLength / ITEM_BYTES[dtype];
  if (n === 0) return allocate(dtype, 0);
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case "float64":
      return new Float64Array(bytes.buffer, bytes.byteOffset, n);
    case "int32":
      return new Int32Array(bytes.buffer, bytes.byteOffset, n);
  }
}

/** A byte-reversed copy of each element, for big-endian hosts. */
function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k]!;
  }
  return out;
}
