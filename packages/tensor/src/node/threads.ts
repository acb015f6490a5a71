import { Worker } from "node:worker_threads";
import type { GemmWorkerData } from "../kernels/wasm/control.js";
import type { ThreadBackend } from "../kernels/wasm/threads.js";

/** Starts a worker thread that runs ./worker.ts's code with `workerData`. */
export type StartWorker = (workerData: GemmWorkerData) => Worker;

/** The compiled worker module beside this one. */
const startCompiled: StartWorker = (workerData) => new Worker(new URL("./worker.js", import.meta.url), { workerData });

/**
 * Node's worker_threads as the thread backend, starting each worker with `start` (the tests,
 * which run the TypeScript sources, start worker.ts through tsx instead).
 */
export function workerThreadBackend(start: StartWorker = startCompiled): ThreadBackend {
  return {
    name: "worker thread",
    start(data, onFailure) {
      start(data)
        .on("error", (e) => onFailure(`the worker thread failed: ${e.message}`))
        .on("exit", (code) => onFailure(`the worker thread exited (code ${code})`))
        // The worker must not keep the process alive: a script that did a matmul still exits.
        .unref();
    },
  };
}
