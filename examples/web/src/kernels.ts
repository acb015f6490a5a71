import { type ActiveKernels, ready, setThreads } from "nabla";

/**
 * Compiles the wasm kernels asynchronously (the path every browser allows, whatever the module's
 * size) and, when `threads` is asked for on a cross-origin isolated page, lets large matmuls use a
 * second thread (bit-identical results). Returns what runs, in words.
 */
export async function startKernels(threads: boolean): Promise<string> {
  let threadProblem: string | undefined;
  if (threads && crossOriginIsolated) {
    try {
      setThreads(2);
    } catch (e) {
      threadProblem = (e as Error).message;
    }
  }
  return describeKernels(await ready(), threadProblem);
}

export function describeKernels(active: ActiveKernels, threadProblem?: string): string {
  const name =
    active.name === "wasm-simd"
      ? "WebAssembly SIMD kernels"
      : active.name === "js"
        ? "TypeScript kernels (no wasm)"
        : "custom kernels";
  const why = active.reason ?? threadProblem;
  return `${name}, ${active.threads === 2 ? "2 threads" : "1 thread"}${why === undefined ? "" : ` (${why})`}`;
}
