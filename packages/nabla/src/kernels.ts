/**
 * "nabla/kernels": the loops over tensor data, behind one interface. `kernels` is the active set
 * (WebAssembly SIMD where it loads, else TypeScript); `setKernels` swaps it, `setThreads` lets
 * large matrix products use worker threads.
 */
export type { FloatArray, Kernels } from "@nabla/tensor";
export { jsKernels, kernels, loadWasmKernels, setKernels, setThreads, wasmKernels } from "@nabla/tensor";
