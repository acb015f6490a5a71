import { environmentVariable } from "../../environment.js";
import { formatValue } from "../../format.js";
import type { GemmWorkerData } from "./control.js";

/**
 * How a runtime starts the thread that serves gemm jobs (./worker-loop.ts). Browsers get Web
 * Workers from this file; Node's worker_threads are registered by the package's Node entry point
 * (src/node), so that the core imports no `node:` module.
 */
export interface ThreadBackend {
  /** What the worker is, for messages: "Web Worker", "worker thread". */
  readonly name: string;
  /**
   * Starts a worker that runs serveGemmJobs(data), and calls `onFailure` with the reason if it
   * dies or cannot load. Throws if it cannot even be started. The worker must not keep the
   * program alive.
   */
  start(data: GemmWorkerData, onFailure: (reason: string) => void): void;
}

interface WebWorker {
  postMessage(message: unknown): void;
  onerror: ((event: { readonly message?: string }) => void) | null;
}
type WebWorkerConstructor = new (url: URL, options: { type: "module" }) => WebWorker;

/** Web Workers, where the runtime has them (browsers, Deno) and may share memory with them. */
const webWorkers: ThreadBackend = {
  name: "Web Worker",
  start(data, onFailure) {
    const Worker = (globalThis as { Worker?: WebWorkerConstructor }).Worker!;
    // The literal `new Worker(new URL(...), { type: "module" })` is what bundlers (Vite, webpack)
    // recognise and bundle as a worker.
    const worker = new Worker(new URL("./web-worker.js", import.meta.url), { type: "module" });
    worker.onerror = (event) => onFailure(`the Web Worker failed: ${event.message ?? "it did not load"}`);
    worker.postMessage(data);
  },
};

let registered: ThreadBackend | null = null;

/** Installs the way to start worker threads (the Node entry point installs worker_threads). */
export function setThreadBackend(backend: ThreadBackend): void {
  registered = backend;
}

/** The thread backend of this runtime, or why two threads cannot run here. */
export function threadBackend(): ThreadBackend | Error {
  if (registered !== null) return registered;
  const scope = globalThis as { Worker?: unknown; SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof scope.Worker !== "function") {
    return new Error(
      'this runtime has no Web Workers (in Node, import @nabla/tensor or nabla under the "node" export condition, which Node uses by default, or @nabla/tensor/node)',
    );
  }
  if (typeof scope.SharedArrayBuffer !== "function" || scope.crossOriginIsolated === false) {
    return new Error(
      "the worker shares memory with this thread, and a browser allows that only on a cross-origin isolated page (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); this one is not",
    );
  }
  return webWorkers;
}

/**
 * Threads a large sgemm may use: NABLA_THREADS if set, else 1. Two threads compute the MLP
 * example's large gemms up to 1.9× faster when the second core is really there, but on the
 * shared 2-vCPU machine this was measured on, whole training steps came out between 0.6× and
 * 1.3× as fast depending on the host's load (about 1.0× typically): not a default. Measured again
 * (2026-12-02, load average 16 on the 2 vCPUs, A/B in one process, medians of 9): the cnn-bn
 * example's conv gemms 0.75–0.97× as fast with two threads, deepnet's conv 1.06×, 512³ 0.94×, and
 * 300 MLP steps 0.90×.
 */
function threadsFromEnvironment(): 1 | 2 {
  const value = environmentVariable("NABLA_THREADS");
  if (value === undefined) return 1;
  if (value === "1" || value === "2") return value === "1" ? 1 : 2;
  throw new Error(`NABLA_THREADS: expected 1 or 2, got "${value}"`);
}

let setting: 1 | 2 = threadsFromEnvironment();

/** The thread count large sgemm calls may use (they fall back to 1, with a warning, if the worker cannot run). */
export function threadSetting(): 1 | 2 {
  return setting;
}

/**
 * How many threads large float32 matmuls may use: 1, or 2 (the main thread plus one worker).
 * Results are bit-identical either way. Overrides NABLA_THREADS. Two threads need a worker that
 * shares memory: Node's worker_threads, or a Web Worker on a cross-origin isolated page; where
 * there is none, setThreads(2) throws why.
 */
export function setThreads(n: number): void {
  if (n !== 1 && n !== 2) throw new Error(`setThreads: expected 1 or 2, got ${formatValue(n)}`);
  if (n === 2) {
    const backend = threadBackend();
    if (backend instanceof Error) throw new Error(`setThreads(2): two threads cannot run here: ${backend.message}`);
  }
  setting = n;
}
