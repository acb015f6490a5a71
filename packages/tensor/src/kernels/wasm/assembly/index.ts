// Entry point of kernels.wasm: everything exported here is an export of the module.
export { heapBase, packABytes, packBBytes, sgemm } from "./gemm";
