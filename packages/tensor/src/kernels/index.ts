import { jsKernels } from "./js.js";
import type { Kernels } from "./kernels.js";
import { loadWasmKernels, wasmKernels } from "./wasm/index.js";

export type { FloatArray, Kernels } from "./kernels.js";
export { jsKernels, loadWasmKernels, wasmKernels };

/**
 * WebAssembly SIMD when it loads (about ten times the TypeScript gemm here), the TypeScript
 * kernels when it does not or when NABLA_BACKEND=js asks for the reference implementation.
 */
function defaultKernels(): Kernels {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const choice = env?.["NABLA_BACKEND"] ?? "wasm";
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
  if (k === null || typeof k !== "object" || typeof k.gemm !== "function") {
    throw new Error(`setKernels: expected an object with a gemm function (a Kernels), got ${k === null ? "null" : typeof k}`);
  }
  kernels = k;
}
