import { jsKernels } from "./js.js";
import type { Kernels } from "./kernels.js";
import { loadWasmKernels, setThreads, wasmKernels } from "./wasm/index.js";

export type { ActivationKernels, FloatArray, Kernels, OptimizerKernels } from "./kernels.js";
export { jsKernels, loadWasmKernels, setThreads, wasmKernels };

/**
 * WebAssembly SIMD when it loads (about ten times the TypeScript gemm here), the TypeScript
 * kernels when it does not or when NABLA_BACKEND=js asks for the reference implementation.
 */
function defaultKernels(): Kernels {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const choice = env?.NABLA_BACKEND ?? "wasm";
  if (choice === "js") return jsKernels;
  if (choice !== "wasm") throw new Error(`NABLA_BACKEND: expected "wasm" or "js", got "${choice}"`);
  return loadWasmKernels() ?? jsKernels;
}

/**
 * The active kernels. An ES live binding: `import { kernels }` always sees the object installed
 * by the latest `setKernels`, so ops look it up at call time.
 */
export let kernels: Kernels = defaultKernels();

/** Installs another backend for every op that dispatches through `kernels`. */
export function setKernels(k: Kernels): void {
  if (k === null || typeof k !== "object") {
    throw new Error(`setKernels: expected a Kernels object, got ${k === null ? "null" : typeof k}`);
  }
  const required: readonly (keyof Kernels)[] = [
    "gemm",
    "softmaxRows",
    "lstmCell",
    "lstmCellBackward",
    "gruCell",
    "gruCellBackward",
    "rnnCell",
    "rnnCellBackward",
    "sgdUpdate",
    "adamUpdate",
    "rmspropUpdate",
    "adagradUpdate",
    "reluForward",
    "reluBackward",
    "leakyRelu",
    "sigmoidBackward",
    "tanhBackward",
  ];
  const absent = required.filter((name) => typeof k[name] !== "function");
  if (absent.length > 0) {
    const names = absent.length > 1 ? `${absent.slice(0, -1).join(", ")} and ${absent[absent.length - 1]}` : absent[0];
    throw new Error(
      `setKernels: expected a Kernels object, but ${names} ${absent.length > 1 ? "are not functions" : "is not a function"}`,
    );
  }
  kernels = k;
}
