import { workerData } from "node:worker_threads";
import type { GemmWorkerData } from "../kernels/wasm/control.js";
import { serveGemmJobs } from "../kernels/wasm/worker-loop.js";

// A Node worker thread's entry (started by ./threads.ts): serves gemm jobs for good.
serveGemmJobs(workerData as GemmWorkerData);
