// Entry point of kernels.wasm: everything exported here is an export of the module.
export { heapBase, scratchBytes, sgemm, tileCols, tileRows } from "./gemm";
export { nonZeros, sgemmSparseA, sparseScratchBytes } from "./sparse";
export { softmaxRows } from "./softmax";
export { gruCell, lstmCell, lstmCellBackward } from "./recurrent";
export { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from "./conv";
export { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "./pool";
export { batchNormBackward, batchNormForward } from "./batchnorm";
