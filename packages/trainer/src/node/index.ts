/**
 * @nabla/trainer for Node: everything of the core entry, plus files (models, safetensors,
 * checkpoints, atomic writes) and a Trainer whose progress goes to the terminal and whose
 * checkpoints go to files.
 */
export * from "../index.js";
export { writeFileAtomic } from "./atomic.js";
export { ensureDirectory } from "./files.js";
export { loadModel, saveModel } from "./model.js";
export { loadSafetensors, saveSafetensors } from "./safetensors.js";
export { fileStorage } from "./storage.js";
export { Trainer } from "./trainer.js";
