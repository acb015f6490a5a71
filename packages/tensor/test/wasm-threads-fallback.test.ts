import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";

// Where the second thread cannot run, large matmuls still work, on one thread, and a one-time
// warning says why: here no worker can be started (this file's node:worker_threads refuses),
// and, further down, the runtime has no shared WebAssembly memory either.

vi.mock("node:worker_threads", () => ({
  Worker: class {
    constructor() {
      throw new Error("worker threads are unavailable here");
    }
  },
}));

// The ES2022 lib has no WebAssembly types: the little this file uses.
interface MemoryDescriptor {
  initial: number;
  maximum: number;
  shared?: boolean;
}
type MemoryConstructor = new (descriptor: MemoryDescriptor) => object;
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { Memory: MemoryConstructor } }).WebAssembly;
const RealMemory = WebAssemblyApi.Memory;

const gen = new Generator(3);

function randomArray(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() * 2 - 1;
  return x;
}

/**
 * A fresh copy of the wasm loader (and so a fresh engine), with Node's thread backend registered
 * and two threads asked for.
 */
async function freshLoader(): Promise<typeof import("../src/kernels/wasm/index.js")> {
  vi.resetModules();
  (await import("./threads-from-sources.js")).useWorkerThreadsFromSources();
  const loader = await import("../src/kernels/wasm/index.js");
  loader.setThreads(2);
  return loader;
}

/**
 * Several large products through `loader`: the TypeScript kernels' values, on one thread, over
 * linear memory of the given kind.
 */
function checkLargeProducts(
  loader: typeof import("../src/kernels/wasm/index.js"),
  memory: "SharedArrayBuffer" | "ArrayBuffer",
): void {
  const engine = loader.wasmEngine();
  if (engine instanceof Error) throw engine;
  expect(loader.loadWasmKernels()).toBe(loader.wasmKernels);
  expect(engine.view(4).buffer.constructor.name).toBe(memory);
  for (const [m, n, k, transposeA] of [
    [64, 128, 784, false],
    [784, 128, 64, true],
    [200, 150, 300, false],
  ] as const) {
    const a = randomArray(m * k);
    const b = randomArray(k * n);
    const c = randomArray(m * n);
    const js = c.slice();
    for (let repeat = 0; repeat < 3; repeat++) {
      loader.wasmKernels.gemm(m, n, k, a, 0, transposeA, b, 0, false, c, 0, false);
    }
    jsKernels.gemm(m, n, k, a, 0, transposeA, b, 0, false, js, 0, false);
    let worst = 0;
    for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(c[i]! - js[i]!));
    expect(worst).toBeLessThanOrEqual(2e-6 * (k + 1));
    expect(engine.threads).toBe(1);
  }
}

describe("two threads asked for, one available", () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    WebAssemblyApi.Memory = RealMemory;
    warn.mockRestore();
  });

  it("a worker that cannot start leaves large matmuls on the main thread, and says so once", async () => {
    checkLargeProducts(await freshLoader(), "SharedArrayBuffer");
    expect(warn.mock.calls).toEqual([
      [
        "wasm kernels: two threads were asked for, but the worker thread did not start: worker threads are unavailable here; large matmuls run on one thread",
      ],
    ]);
  });

  it("a runtime without shared WebAssembly memory runs the module over a private one", async () => {
    WebAssemblyApi.Memory = class extends RealMemory {
      constructor(descriptor: MemoryDescriptor) {
        if (descriptor.shared === true) throw new TypeError("shared memory is unavailable here");
        super(descriptor);
      }
    };
    checkLargeProducts(await freshLoader(), "ArrayBuffer");
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(
      /^wasm kernels: two threads were asked for, but this runtime has no shared WebAssembly memory \(TypeError: shared memory is unavailable here\); large matmuls run on one thread$/,
    );
  });
});
