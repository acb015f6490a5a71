import type { GemmWorkerData } from "./control.js";
import { serveGemmJobs } from "./worker-loop.js";

// A Web Worker's entry (started by the web thread backend in threads.ts): its first message
// carries the compiled module and the shared memory; then it serves gemm jobs for good.

interface WorkerScope {
  onmessage: ((event: { readonly data: GemmWorkerData }) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  scope.onmessage = null;
  serveGemmJobs(event.data);
};
