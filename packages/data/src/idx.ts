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
export const MAX_HEADER_BYTES = 4 + 4 * 255;

const hex = (b: number): string => `0x${b.toString(16).padStart(2, "0")}`;

const KNOWN_TYPES = [...TYPES].map(([code, t]) => `${hex(code)} (${t.dtype})`).join(", ");

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an IDX file held in memory. `name` only labels error messages. The result owns its
 * storage (it never aliases `buffer`). Gzip'd bytes are refused with a word on how to unpack them
 * (`readIdx` and `loadMnist` of `@nabla/data/node` read .gz files).
 */
export function parseIdx(buffer: Uint8Array | ArrayBuffer, name = "<buffer>"): IdxData {
  return decodeIdx(buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : buffer, name, "parseIdx");
}

/** An IDX file's element type and dimensions. */
export interface IdxHeader {
  dtype: IdxDType;
  shape: number[];
}

/** Takes consecutive pieces of an IDX file's values; `start` is the index of a piece's first value. */
export type IdxConsumer = (values: IdxArray, start: number) => void;

/** Reads the first `maxRecords` records of one IDX file: `open` gets its header and answers where the values go. */
export type IdxRecordReader = (maxRecords: number, open: (header: IdxHeader) => IdxConsumer) => IdxHeader;

/** An IdxRecordReader over bytes in memory; errors start with `op` and name the bytes `name`. */
export function idxRecordsFromBytes(bytes: Uint8Array, name: string, op: string): IdxRecordReader {
  return (maxRecords, open) => {
    const idx = decodeIdx(bytes, name, op, false, maxRecords);
    const header = { dtype: idx.dtype, shape: idx.shape };
    open(header)(idx.data, 0);
    return header;
  };
}

export interface Header {
  type: IdxType;
  shape: number[];
  headerBytes: number;
  /** Elements per record (per index of the first dimension). */
  recordSize: number;
}

/** Checks an IDX header (in `head`) against the total byte length of the decompressed file. */
export function parseHeader(head: Uint8Array, total: number, fail: (what: string) => Error): Header {
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

/**
 * Decodes the first `maxRecords` records of IDX bytes (uncompressed); `copy: false` lets uint8
 * and int8 values view `bytes`. Errors read "<op>: <name>: ...".
 */
export function decodeIdx(bytes: Uint8Array, name: string, op: string, copy = true, maxRecords = Infinity): IdxData {
  const fail = (what: string): Error => new Error(`${op}: ${name}: ${what}`);
  if (isGzip(bytes)) {
    throw fail(
      "the bytes are gzip'd: unpack them first (DecompressionStream('gzip') in a browser), or read the file " +
        "with readIdx or loadMnist from @nabla/data/node, which unpack .gz files",
    );
  }
  const { type, shape, headerBytes, recordSize } = parseHeader(bytes, bytes.length, fail);
  const n = Math.min(maxRecords, shape[0] ?? 1) * recordSize;
  return { dtype: type.dtype, shape, data: readValues(bytes, headerBytes, n, type.dtype, copy) };
}

/** Copies the payload out, converting IDX's big-endian values to the host's typed arrays. */
export function readValues(bytes: Uint8Array, offset: number, n: number, dtype: IdxDType, copy: boolean): IdxArray {
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
