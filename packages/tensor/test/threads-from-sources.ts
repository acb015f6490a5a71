import { Worker } from "node:worker_threads";
import { setThreadBackend } from "../src/kernels/wasm/threads.js";
import { workerThreadBackend } from "../src/node/threads.js";

// The Node entry point starts the compiled dist/node/worker.js; the tests run the TypeScript
// sources, and Node 20 does not apply the hooks of `--import tsx` to a worker's entry module. So
// here the worker registers tsx itself, then imports src/node/worker.ts.
const entry = new URL("../src/node/worker.ts", import.meta.url).href;
const bootstrap = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;

/** Installs Node's worker_threads backend with workers that run src/node/worker.ts. */
export function useWorkerThreadsFromSources(): void {
  setThreadBackend(workerThreadBackend((workerData) => new Worker(bootstrap, { eval: true, workerData })));
}
