// @nabla/tensor in Node (the "node" export condition, and the "./node" subpath): the whole
// package, plus what only Node has: worker_threads for the second thread of large matmuls.
import { setThreadBackend } from "../kernels/wasm/threads.js";
import { workerThreadBackend } from "./threads.js";

setThreadBackend(workerThreadBackend());

export * from "../index.js";
