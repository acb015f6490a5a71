export { isGzip, parseIdx, readIdx } from "./idx.js";
export type { IdxArray, IdxData, IdxDType } from "./idx.js";
export { MNIST_FILES, loadMnist, mnistDataDir } from "./mnist.js";
export type { Mnist, MnistOptions, MnistSplit } from "./mnist.js";
export { TensorDataset, collate, isBatched } from "./dataset.js";
export type { BatchedDataset, Dataset, Sample } from "./dataset.js";
export { DataLoader } from "./dataloader.js";
export type { DataLoaderOptions, DataLoaderState, GeneratorSnapshot } from "./dataloader.js";
