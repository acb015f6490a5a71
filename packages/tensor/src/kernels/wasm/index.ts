// The WebAssembly SIMD kernels, one concern a file:
//   api.ts          the WebAssembly types the ES2022 lib lacks, and the module's exports
//   bytes.ts        the module's bytes, embedded as base64 by the build (module.generated.ts)
//   binary.ts       the module patched to import a private memory instead of a shared one
//   load.ts         compiling and instantiating, synchronously or asynchronously (ready())
//   engine.ts       one instance and its linear memory: operands in, sgemm (split over threads), out
//   adapter.ts      the Kernels interface over the engine (wasmKernels); operands.ts, the copying
//                   in and out that a kernel beside gemm needs
//   threads.ts      the thread setting and how this runtime starts a worker
//   control.ts      what the main thread and the worker share; split.ts, how a call is cut in two
//   gemm-worker.ts  the main thread's side of the worker; worker-loop.ts, the worker's side
//   web-worker.ts   a Web Worker's entry (Node's is src/node/worker.ts)
export { loadWasmKernels, wasmKernels } from "./adapter.js";
export type { GemmKernel } from "./engine.js";
export { SPARSE_MAX_DENSITY, SPARSE_MIN_COLS, WasmEngine } from "./engine.js";
export { loadEnginesAsync, wasmEngine } from "./load.js";
export type { ThreadBackend } from "./threads.js";
export { setThreadBackend, setThreads, threadSetting } from "./threads.js";
