export type { DataLoaderOptions, DataLoaderState, GeneratorSnapshot } from "./dataloader.js";
export { DataLoader } from "./dataloader.js";
export type { BatchedDataset, Dataset, Sample } from "./dataset.js";
export { collate, isBatched, TensorDataset } from "./dataset.js";
export type { IdxArray, IdxConsumer, IdxData, IdxDType, IdxHeader } from "./idx.js";
export { isGzip, parseIdx } from "./idx.js";
export type { Mnist, MnistBytes, MnistFile, MnistSplit, ParseMnistOptions } from "./mnist.js";
export { MNIST_FILES, parseMnist } from "./mnist.js";
