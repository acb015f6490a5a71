// The kernels: the interface (kernels.ts), the TypeScript reference (js.ts and the files it
// gathers), the WebAssembly SIMD implementation (wasm/), and which of them runs (active.ts).
// A new kernel: its signature on the Kernels interface, its reference beside the others (its own
// file), its entry in jsKernels and, if it has a wasm version, in wasmKernels (wasm/adapter.ts).
export type { ActiveKernels } from "./active.js";
export { activeKernels, kernels, ready, setKernels } from "./active.js";
export type { WindowGeometry } from "./conv.js";
export { jsKernels } from "./js.js";
export type { ActivationKernels, ConvKernels, FloatArray, Kernels, OptimizerKernels } from "./kernels.js";
export { loadWasmKernels, setThreads, wasmKernels } from "./wasm/index.js";
