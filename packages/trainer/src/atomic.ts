import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one:
 * the bytes go to `path.tmp-<pid>`, are fsync'ed, and the temporary file is renamed over `path`
 * (rename is atomic on POSIX file systems). If anything fails, the temporary file is removed and
 * the previous `path` is untouched. A process killed mid-write leaves at most a stray `.tmp-<pid>`.
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.byteLength) written += writeSync(fd, chunk, written, chunk.byteLength - written);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
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
