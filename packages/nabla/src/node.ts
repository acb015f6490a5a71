/**
 * Nabla for Node: everything `nabla` exports, plus what needs Node's file system and terminal:
 *
 *     import { Sequential, Dense, Trainer, loadMnist, saveModel } from "nabla/node";
 *
 * loadMnist and readIdx read folders and .gz files; saveModel, loadModel, saveSafetensors,
 * loadSafetensors and saveOnnx write and read files atomically; this Trainer prints progress to the
 * terminal and keeps checkpoints in files.
 */

export type { MnistOptions } from "@nabla/data/node";
export { loadMnist, mnistDataDir, readIdx } from "@nabla/data/node";
export { saveOnnx } from "@nabla/onnx/node";
export {
  ensureDirectory,
  fileStorage,
  loadModel,
  loadSafetensors,
  saveModel,
  saveSafetensors,
  Trainer,
  writeFileAtomic,
} from "@nabla/trainer/node";
export * from "./index.js";
