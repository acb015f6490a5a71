import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import {
  decodeIdx,
  type IdxConsumer,
  type IdxData,
  type IdxHeader,
  isGzip,
  MAX_HEADER_BYTES,
  parseHeader,
  readValues,
} from "../idx.js";

/** Reads and decodes an IDX file (raw or gzip'd). Errors name the file. */
export function readIdx(path: string): IdxData {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeIdx(isGzip(bytes) ? gunzip(bytes, path) : bytes, path, "readIdx");
}

function gunzip(bytes: Uint8Array, path: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`readIdx: ${path}: corrupt gzip data: ${(e as Error).message}`);
  }
}

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
      const idx = decodeIdx(gunzip(readFileSync(fd), path), path, "readIdx", false, maxRecords);
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
