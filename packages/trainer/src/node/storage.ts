import type { CheckpointStorage } from "../storage.js";
import { writeAtomically } from "./atomic.js";
import { prepareFileWrite, readFile, unreadableFile } from "./files.js";

/**
 * Checkpoints as files, the key being the path: written atomically (the previous file stays
 * whole if a write fails), with missing folders created before training starts.
 */
export const fileStorage: CheckpointStorage = {
  write(path, chunks) {
    writeAtomically(path, chunks, "Trainer.fit");
  },
  read(path) {
    const unreadable = unreadableFile(path);
    if (unreadable !== undefined) throw new Error(unreadable);
    return readFile(path);
  },
  check: prepareFileWrite,
};
