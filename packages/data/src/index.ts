export type { DataLoaderOptions, DataLoaderState, GeneratorSnapshot } from "./dataloader.js";
export { DataLoader } from "./dataloader.js";
export type { Batch, BatchedDataset, Dataset, Sample } from "./dataset.js";
export { collate, isBatched, TensorDataset } from "./dataset.js";
export type { IdxArray, IdxData, IdxDType } from "./idx.js";
export { isGzip, parseIdx, readIdx } from "./idx.js";
export type { Mnist, MnistOptions, MnistSplit } from "./mnist.js";
export { loadMnist, MNIST_FILES, mnistDataDir } from "./mnist.js";
