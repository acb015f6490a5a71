/**
 * "nabla/kernels": the loops over tensor data, behind one interface. `kernels` is the active set
 * (WebAssembly SIMD where it loads, else TypeScript); `setKernels` swaps it, `setThreads` lets
 * large matrix products use worker threads.
 */
export type {
  ActivationKernels,
  ActiveKernels,
  ConvKernels,
  FloatArray,
  Kernels,
  OptimizerKernels,
  WindowGeometry,
} from "@nabla/tensor";
export {
  activeKernels,
  jsKernels,
  kernels,
  loadWasmKernels,
  ready,
  setKernels,
  setThreads,
  wasmKernels,
} from "@nabla/tensor";
