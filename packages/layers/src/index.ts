export { LeakyReLU, ReLU, Sigmoid, Tanh } from "./activations.js";
export type { BatchNormLayerOptions } from "./batchnorm.js";
export { BatchNorm1d, BatchNorm2d } from "./batchnorm.js";
export type { Conv2dLayerOptions } from "./conv2d.js";
export { Conv2d } from "./conv2d.js";
export type { DenseOptions } from "./dense.js";
export { Dense } from "./dense.js";
export { Dropout } from "./dropout.js";
export type { EmbeddingOptions } from "./embedding.js";
export { Embedding, embedding } from "./embedding.js";
export { Flatten } from "./flatten.js";
export type { GradcheckModuleOptions } from "./gradcheck-module.js";
export { gradcheckModule } from "./gradcheck-module.js";
export type { Initializer, InitOptions } from "./init.js";
export * as init from "./init.js";
export type { LoadStateDictResult, StateDict } from "./module.js";
export { Module, Parameter } from "./module.js";
export type { AvgPool2dLayerOptions, Pool2dLayerOptions } from "./pool.js";
export { AvgPool2d, MaxPool2d } from "./pool.js";
export type { CellOptions, LSTMState, RNNCellOptions } from "./recurrent/cells.js";
export { GRUCell, LSTMCell, RNNCell } from "./recurrent/cells.js";
export type {
  LSTMForwardOptions,
  LSTMResult,
  RecurrentForwardOptions,
  RecurrentOptions,
  RecurrentResult,
  RNNOptions,
} from "./recurrent/layers.js";
export { GRU, LSTM, RNN } from "./recurrent/layers.js";
export { Sequential } from "./sequential.js";
export { LogSoftmax, Softmax } from "./softmax.js";
