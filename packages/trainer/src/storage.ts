/**
 * Where `Trainer.fit` keeps its checkpoints: files in Node (`fileStorage` from
 * `@nabla/trainer/node`, the Node Trainer's default), memory (`memoryStorage()`), or anything the
 * user writes (IndexedDB, a download, a server), each hook synchronous or async.
 */
export interface CheckpointStorage {
  /**
   * Keeps `chunks` (one file's bytes, in order) under `key`, replacing what was there. A write
   * that fails must leave the previous value in place and throw; a WriteError's `why` is quoted
   * as it is, any other Error's message too.
   */
  write(key: string, chunks: readonly Uint8Array[]): void | Promise<void>;
  /** The bytes last written under `key`; throws an Error saying why when there are none. */
  read(key: string): Uint8Array | Promise<Uint8Array>;
  /** Why nothing can be written under `key`, or undefined; asked before training starts. */
  check?(key: string): string | undefined;
}

/** A write that failed. `message` says why and what is kept instead; `why` alone lets a caller say it in its own words. */
export class WriteError extends Error {
  constructor(
    caller: string,
    path: string,
    readonly why: string,
    kept: string,
    cause?: unknown,
  ) {
    super(`${caller}: cannot write ${path}: ${why}; ${kept}`, { cause });
  }
}

/** A CheckpointStorage in memory (a browser tab, a test): `entries` holds each key's bytes. */
export interface MemoryStorage extends CheckpointStorage {
  readonly entries: Map<string, Uint8Array>;
  read(key: string): Uint8Array;
  write(key: string, chunks: readonly Uint8Array[]): void;
}

export function memoryStorage(): MemoryStorage {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    write(key, chunks) {
      entries.set(key, concatBytes(chunks));
    },
    read(key) {
      const bytes = entries.get(key);
      if (bytes === undefined) throw new Error(`nothing is stored under '${key}'`);
      return bytes;
    },
  };
}

/** The chunks as one Uint8Array (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const c of chunks) length += c.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
