import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Element types an IDX file can hold (the third byte of its magic number). */
export type IdxDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, its dimensions and its values in row-major order. */
export interface IdxData {
  dtype: IdxDType;
  shape: number[];
  data: IdxArray;
}

interface IdxType {
  dtype: IdxDType;
  bytes: number;
}

const TYPES: ReadonlyMap<number, IdxType> = new Map([
  [0x08, { dtype: "uint8", bytes: 1 }],
  [0x09, { dtype: "int8", bytes: 1 }],
  [0x0b, { dtype: "int16", bytes: 2 }],
  [0x0c, { dtype: "int32", bytes: 4 }],
  [0x0d, { dtype: "float32", bytes: 4 }],
  [0x0e, { dtype: "float64", bytes: 8 }],
]);

/** 4 magic bytes and at most 255 dimensions of 4 bytes each. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

const hex = (b: number): string => `0x${b.toString(16).padStart(2, "0")}`;

const KNOWN_TYPES = [...TYPES].map(([code, t]) => `${hex(code)} (${t.dtype})`).join(", ");

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an IDX file held in memory (raw, or gzip'd: detected by its magic bytes 1f 8b).
 * `name` only labels error messages. The result owns its storage (it never aliases `buffer`).
 */
export function parseIdx(buffer: Uint8Array | ArrayBuffer, name = "<buffer>"): IdxData {
  return decode(buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : buffer, name, "parseIdx");
}

/** Reads and decodes an IDX file (raw or gzip'd). Errors name the file. */
export function readIdx(path: string): IdxData {
  return decode(readBytes(path), path, "readIdx");
}

/** An IDX file's element type and dimensions. */
export interface IdxHeader {
  dtype: IdxDType;
  shape: number[];
}

/** Takes consecutive pieces of an IDX file's values; `start` is the index of a piece's first value. */
export type IdxConsumer = (values: IdxArray, start: number) => void;

/** The size of the pieces a raw file is read in (a multiple of every element size). */
const PIECE_BYTES = 1 << 16;

/**
 * readIdx for a loader that converts the values as they come and may want only the first
 * records: the whole file is validated against its header, which `open` then receives (it may
 * throw) and answers with where the values go; that consumer gets the first
 * `min(maxRecords, shape[0])` records' values in consecutive pieces, which for uint8/int8 are
 * views valid only during the call. A raw file is read only as far as those records, through one
 * small reused buffer: holding the whole file would take as much fresh memory, whose first touch
 * can cost far more than the reading (150 of the 1000 ms loadMnist took on a VM).
 */
export function readIdxRecords(path: string, maxRecords: number, open: (header: IdxHeader) => IdxConsumer): IdxHeader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    readSync(fd, head, 0, head.length, 0);
    if (isGzip(head)) {
      const idx = decode(readFileSync(fd), path, "readIdx", false, maxRecords);
      open({ dtype: idx.dtype, shape: idx.shape })(idx.data, 0);
      return { dtype: idx.dtype, shape: idx.shape };
    }
    const header = parseHeader(head, size, (what) => new Error(`readIdx: ${path}: ${what}`));
    const { dtype, bytes } = header.type;
    const consume = open({ dtype, shape: header.shape });
    const n = Math.min(maxRecords, header.shape[0] ?? 1) * header.recordSize;
    const pieceValues = PIECE_BYTES / bytes;
    const piece = new Uint8Array(Math.min(n, pieceValues) * bytes);
    for (let start = 0; start < n; start += pieceValues) {
      const count = Math.min(pieceValues, n - start);
      readSync(fd, piece, 0, count * bytes, header.headerBytes + start * bytes);
      consume(readValues(piece, 0, count, dtype, false), start);
    }
    return { dtype, shape: header.shape };
  } finally {
    closeSync(fd);
  }
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
}

interface Header {
  type: IdxType;
  shape: number[];
  headerBytes: number;
  /** Elements per record (per index of the first dimension). */
  recordSize: number;
}

/** Checks an IDX header (in `head`) against the total byte length of the decompressed file. */
function parseHeader(head: Uint8Array, total: number, fail: (what: string) => Error): Header {
  if (total < 4) {
    throw fail(`truncated file: got ${total} bytes, an IDX header needs at least 4 (magic number)`);
  }
  const got = [head[0]!, head[1]!, head[2]!, head[3]!];
  if (got[0] !== 0 || got[1] !== 0) {
    throw fail(
      `wrong magic number ${got.map(hex).join(" ")}: expected 0x00 0x00 <type> <ndim> ` +
        `(e.g. 0x00 0x00 0x08 0x03 for uint8 images); not an IDX file`,
    );
  }
  const type = TYPES.get(got[2]!);
  if (type === undefined) {
    throw fail(
      `unknown type code ${hex(got[2]!)} in magic number ${got.map(hex).join(" ")}: expected one of ${KNOWN_TYPES}`,
    );
  }
  const ndim = got[3]!;
  const headerBytes = 4 + 4 * ndim;
  if (total < headerBytes) {
    throw fail(`truncated file: got ${total} bytes, the header of a ${ndim}-d IDX file needs ${headerBytes}`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  let recordSize = 1;
  for (let d = 1; d < ndim; d++) recordSize *= shape[d]!;
  const expected = headerBytes + (ndim === 0 ? 1 : shape[0]! * recordSize) * type.bytes;
  const described = `shape [${shape.join(",")}] of ${type.dtype} after a ${headerBytes}-byte header`;
  if (total < expected) {
    throw fail(`truncated file: got ${total} bytes, header says ${expected} (${described})`);
  }
  if (total > expected) {
    throw fail(
      `trailing garbage: got ${total} bytes, header says ${expected} (${described}; ${total - expected} extra bytes)`,
    );
  }
  return { type, shape, headerBytes, recordSize };
}

function decode(input: Uint8Array, name: string, op: string, copy = true, maxRecords = Infinity): IdxData {
  const fail = (what: string): Error => new Error(`${op}: ${name}: ${what}`);
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw fail(`corrupt gzip data: ${(e as Error).message}`);
    }
  }
  const { type, shape, headerBytes, recordSize } = parseHeader(bytes, bytes.length, fail);
  const n = Math.min(maxRecords, shape[0] ?? 1) * recordSize;
  return { dtype: type.dtype, shape, data: readValues(bytes, headerBytes, n, type.dtype, copy) };
}

/** Copies the payload out, converting IDX's big-endian values to the host's typed arrays. */
function readValues(bytes: Uint8Array, offset: number, n: number, dtype: IdxDType, copy: boolean): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Single bytes need no byte swapping; `new Uint8Array(typedArray)` copies (Buffer#slice would alias).
  const single = (): Uint8Array =>
    copy
      ? new Uint8Array(bytes.subarray(offset, offset + n))
      : new Uint8Array(bytes.buffer, bytes.byteOffset + offset, n);
  switch (dtype) {
    case "uint8":
      return single();
    case "int8": {
      const b = single();
      return new Int8Array(b.buffer, b.byteOffset, n);
    }
    case "int16": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}
