import {
  decodeSafetensors,
  type EncodeOptions,
  encodeSafetensors,
  type Safetensors,
  type TensorRecord,
} from "../safetensors.js";
import { writeAtomically } from "./atomic.js";
import { readFile } from "./files.js";

/** Writes tensors (and string metadata) to `path` in the safetensors format, atomically. */
export function saveSafetensors(
  path: string,
  tensors: TensorRecord,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): void {
  writeAtomically(path, encodeSafetensors(tensors, metadata, options), "saveSafetensors");
}

/** Reads a safetensors file written by Nabla or any other tool (every dtype decodeSafetensors reads). */
export function loadSafetensors(path: string): Safetensors {
  return decodeSafetensors(readFile(path), path);
}
