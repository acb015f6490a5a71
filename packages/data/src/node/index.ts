/** @nabla/data for Node: everything of the core entry, plus reading IDX files (raw or .gz) and MNIST from a folder. */
export * from "../index.js";
export { readIdx } from "./idx.js";
export type { MnistOptions } from "./mnist.js";
export { loadMnist, mnistDataDir } from "./mnist.js";
