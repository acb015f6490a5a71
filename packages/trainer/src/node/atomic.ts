import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { WriteError } from "../storage.js";
import { checkPath, creationReason, lookAt, prepareFileWrite, systemReason } from "./files.js";

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one:
 * the bytes go to `path.tmp-<pid>`, are fsync'ed, and the temporary file is renamed over `path`
 * (rename is atomic on POSIX file systems). If anything fails, the temporary file is removed, the
 * previous `path` is untouched, and the error says so. A process killed mid-write leaves at most
 * a stray `.tmp-<pid>`. Missing folders are created.
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  writeAtomically(path, chunks, "writeFileAtomic");
}

/**
 * writeFileAtomic for the public functions that write files: failures are WriteErrors whose
 * message starts with `caller`; a system error is their `cause`.
 */
export function writeAtomically(path: string, chunks: readonly Uint8Array[], caller: string): void {
  checkPath(path, caller);
  const previous = lookAt(path);
  if (typeof previous === "string") throw new WriteError(caller, path, previous, "nothing was written");
  const kept =
    previous === undefined || previous.isDirectory() ? "nothing was written" : `the previous ${path} is untouched`;
  const fail = (why: string, cause?: unknown): Error => new WriteError(caller, path, why, kept, cause);

  const problem = prepareFileWrite(path);
  if (problem !== undefined) throw fail(problem);
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, "w");
  } catch (e) {
    throw fail(creationReason(e, "files"), e);
  }
  let open = true;
  try {
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.byteLength) written += writeSync(fd, chunk, written, chunk.byteLength - written);
    }
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fail(systemReason(e), e);
  }
  syncDirectory(dirname(path));
}

/** Makes the rename itself durable. Not every platform can open a directory (Windows cannot); there it is skipped. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the data itself is already synced.
  } finally {
    closeSync(fd);
  }
}
