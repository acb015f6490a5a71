import { jsKernels } from "./js.js";
import type { Kernels } from "./kernels.js";

export type { FloatArray, Kernels } from "./kernels.js";
export { jsKernels };

/**
 * The active kernels. An ES live binding: `import { kernels }` always sees the object installed
 * by the latest `setKernels`, so ops look it up at call time.
 */
export let kernels: Kernels = jsKernels;

/** Installs another backend (e.g. WebAssembly) for every op that dispatches through `kernels`. */
export function setKernels(k: Kernels): void {
  if (k === null || typeof k !== "object" || typeof k.gemm !== "function") {
    throw new Error(`setKernels: expected an object with a gemm function (a Kernels), got ${k === null ? "null" : typeof k}`);
  }
  kernels = k;
}
