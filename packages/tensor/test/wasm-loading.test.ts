import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { WasmModule, WebAssemblyApi } from "../src/kernels/wasm/api.js";
import { moduleBytes } from "../src/kernels/wasm/bytes.js";

// How the kernels load: the module's bytes come from the JavaScript itself; the default kernels
// are decided at their first use or at `await ready()`; where wasm cannot run, the user is told
// once, with the reason and the cost, and activeKernels() says what runs and why.

type Package = typeof import("../src/index.js");

const realWebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** A fresh copy of the package (and of its kernel state), after any stubs are in place. */
async function freshPackage(): Promise<Package> {
  vi.resetModules();
  return import("../src/index.js");
}

/** A product the TypeScript kernels and the wasm ones both compute exactly. */
function checkProduct(T: Package): void {
  const a = T.tensor([
    [1, 2],
    [3, 4],
  ]);
  expect(T.matmul(a, a).toArray()).toEqual([
    [7, 10],
    [15, 22],
  ]);
}

/** The WebAssembly API with some members replaced. */
function webAssemblyWith(changes: Partial<WebAssemblyApi>): WebAssemblyApi {
  return {
    Module: realWebAssembly.Module,
    Instance: realWebAssembly.Instance,
    Memory: realWebAssembly.Memory,
    compile: (bytes) => realWebAssembly.compile(bytes),
    instantiate: (module, imports) => realWebAssembly.instantiate(module, imports),
    ...changes,
  };
}

/** An engine that caps synchronous compiles at 4 KB on the main thread, as older browsers did. */
const capsSyncCompiles = webAssemblyWith({
  Module: class {
    constructor(bytes: Uint8Array) {
      throw new RangeError(`WebAssembly.Module(): buffer size ${bytes.length} is larger than the 4 KB limit`);
    }
  } as unknown as new (
    bytes: Uint8Array,
  ) => WasmModule,
});

let warn: MockInstance<typeof console.warn>;

beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
  vi.stubEnv("NABLA_BACKEND", undefined);
  vi.stubEnv("NABLA_THREADS", undefined);
});

afterEach(() => {
  warn.mockRestore();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.doUnmock("../src/kernels/wasm/module.generated.js");
});

describe("the module's bytes", () => {
  it("come from the JavaScript: a wasm module, version 1, with the kernels the engine calls", () => {
    const bytes = moduleBytes();
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const module = new realWebAssembly.Module(bytes);
    const { exports } = realWebAssembly.Module as unknown as { exports(m: WasmModule): { name: string }[] };
    const names = exports(module);
    expect(names.map((e) => e.name)).toEqual(expect.arrayContaining(["sgemm", "sgemmSparseA", "softmaxRows"]));
  });

  it("decode base64 exactly, padding included, and name a character that is not base64", () => {
    expect([...moduleBytes("AAEC/w==")]).toEqual([0, 1, 2, 255]);
    expect([...moduleBytes("+/+/")]).toEqual([0xfb, 0xff, 0xbf]);
    expect([...moduleBytes("YQ==")]).toEqual([0x61]);
    expect(() => moduleBytes("AA$A")).toThrow('wasm kernels: invalid base64 character "$" at 2');
  });

  it("are all the package needs: the default kernels are wasm SIMD, on one thread", async () => {
    const T = await freshPackage();
    expect(T.activeKernels()).toEqual({ name: "wasm-simd", threads: 1 });
    expect(T.kernels).toBe(T.wasmKernels);
    checkProduct(T);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("the default kernels", () => {
  it("are decided at their first use, not at import", async () => {
    const T = await freshPackage();
    expect(T.kernels).not.toBe(T.wasmKernels);
    expect(T.kernels).not.toBe(T.jsKernels);
    checkProduct(T);
    expect(T.kernels).toBe(T.wasmKernels);
  });

  it("name what they will be before their first use", async () => {
    const T = await freshPackage();
    expect(T.kernels.name).toBe("wasm");
    expect(T.kernels).toBe(T.wasmKernels);
  });

  it("are the TypeScript ones under NABLA_BACKEND=js, without a warning", async () => {
    vi.stubEnv("NABLA_BACKEND", "js");
    const T = await freshPackage();
    expect(T.kernels).toBe(T.jsKernels);
    expect(T.activeKernels()).toEqual({ name: "js", threads: 1, reason: "NABLA_BACKEND=js" });
    expect(await T.ready()).toEqual({ name: "js", threads: 1, reason: "NABLA_BACKEND=js" });
    checkProduct(T);
    expect(warn).not.toHaveBeenCalled();
  });

  it("reject any other NABLA_BACKEND, naming it", async () => {
    vi.stubEnv("NABLA_BACKEND", "gpu");
    await expect(freshPackage()).rejects.toThrow('NABLA_BACKEND: expected "wasm" or "js", got "gpu"');
  });

  it("are reported as custom or js after setKernels", async () => {
    const T = await freshPackage();
    T.setKernels({ ...T.jsKernels, name: "spy" });
    expect(T.activeKernels()).toEqual({ name: "custom", threads: 1 });
    T.setKernels(T.jsKernels);
    expect(T.activeKernels()).toEqual({ name: "js", threads: 1, reason: "setKernels(jsKernels)" });
  });
});

describe("ready()", () => {
  it("compiles asynchronously, and the kernels are wasm SIMD", async () => {
    const T = await freshPackage();
    expect(await T.ready()).toEqual({ name: "wasm-simd", threads: 1 });
    expect(T.kernels).toBe(T.wasmKernels);
    checkProduct(T);
  });

  it("is what an engine that refuses synchronous compiles needs: with it, wasm and no warning", async () => {
    vi.stubGlobal("WebAssembly", capsSyncCompiles);
    const T = await freshPackage();
    expect(await T.ready()).toEqual({ name: "wasm-simd", threads: 1 });
    checkProduct(T);
    expect(T.kernels).toBe(T.wasmKernels);
    expect(warn).not.toHaveBeenCalled();
  });

  it("prepares the two-thread engine too: setThreads(2) afterwards needs no synchronous compile", async () => {
    vi.stubGlobal("WebAssembly", capsSyncCompiles);
    const T = await freshPackage();
    (await import("./threads-from-sources.js")).useWorkerThreadsFromSources();
    await T.ready();
    T.setThreads(2);
    const a = T.ones([256, 256]);
    for (const deadline = Date.now() + 20_000; T.activeKernels().threads === 1 && Date.now() < deadline; ) {
      T.matmul(a, a);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(T.activeKernels()).toEqual({ name: "wasm-simd", threads: 2 });
    expect(T.matmul(a, a).data[0]).toBe(256);
    expect(warn).not.toHaveBeenCalled();
    T.setThreads(1);
  });

  it("without it, such an engine runs the TypeScript kernels and the warning says to call it", async () => {
    vi.stubGlobal("WebAssembly", capsSyncCompiles);
    const T = await freshPackage();
    checkProduct(T);
    expect(T.kernels).toBe(T.jsKernels);
    expect(warn).toHaveBeenCalledOnce();
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toMatch(
      /^nabla: the WebAssembly kernels cannot run: this engine refuses to compile a \d+-byte module synchronously \(RangeError: .*4 KB limit\); `await ready\(\)` before the first operation compiles it asynchronously\. Using the TypeScript kernels instead, about 10× slower on matmuls/,
    );
    expect(T.activeKernels()).toEqual({ name: "js", threads: 1, reason: expect.stringContaining("await ready()") });
  });
});

describe("when the wasm kernels cannot run", () => {
  it("an invalid module: one warning with the reason and the cost, then the TypeScript kernels", async () => {
    // A module cut short after its header, as an engine without SIMD would reject the real one.
    vi.doMock("../src/kernels/wasm/module.generated.js", () => ({ moduleBase64: "AGFzbQEAAAABBQ==" }));
    const T = await freshPackage();
    checkProduct(T);
    checkProduct(T);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(
      /^nabla: the WebAssembly kernels cannot run: the module does not compile here, most likely for want of WebAssembly SIMD \(CompileError: .+\)\. Using the TypeScript kernels instead, about 10× slower on matmuls \(NABLA_BACKEND=js, or setKernels\(jsKernels\), chooses them without this warning\)\.$/,
    );
    const active = T.activeKernels();
    expect(active.name).toBe("js");
    expect(active.reason).toMatch(/^the module does not compile here/);
  });

  it("a runtime without WebAssembly: the warning says so", async () => {
    vi.stubGlobal("WebAssembly", undefined);
    const T = await freshPackage();
    checkProduct(T);
    expect(warn.mock.calls).toEqual([
      [
        "nabla: the WebAssembly kernels cannot run: this runtime has no WebAssembly. Using the TypeScript kernels instead, about 10× slower on matmuls (NABLA_BACKEND=js, or setKernels(jsKernels), chooses them without this warning).",
      ],
    ]);
    expect(await T.ready()).toEqual({ name: "js", threads: 1, reason: "this runtime has no WebAssembly" });
  });

  it("NABLA_BACKEND=wasm makes it an error, naming the reason", async () => {
    vi.stubEnv("NABLA_BACKEND", "wasm");
    vi.stubGlobal("WebAssembly", undefined);
    const T = await freshPackage();
    expect(() => checkProduct(T)).toThrow("wasm kernels: this runtime has no WebAssembly");
    expect(warn).not.toHaveBeenCalled();
  });

  it("wasmKernels used directly throw why", async () => {
    vi.stubGlobal("WebAssembly", capsSyncCompiles);
    const T = await freshPackage();
    expect(T.loadWasmKernels()).toBe(null);
    const out = new Float32Array(4);
    expect(() => T.wasmKernels.gemm(2, 2, 2, out, 0, false, out, 0, false, out, 0, false)).toThrow(
      /^wasm kernels: this engine refuses to compile a \d+-byte module synchronously/,
    );
  });
});

describe("threads", () => {
  it("setThreads(2) without a worker that can share memory throws why", async () => {
    // Node without its entry point: no worker_threads backend, and no Web Workers.
    const T = await freshPackage();
    expect(() => T.setThreads(2)).toThrow(
      'setThreads(2): two threads cannot run here: this runtime has no Web Workers (in Node, import @nabla/tensor or nabla under the "node" export condition, which Node uses by default, or @nabla/tensor/node)',
    );
    T.setThreads(1);
  });

  it("setThreads(2) on a page that is not cross-origin isolated throws why", async () => {
    vi.stubGlobal("Worker", class {});
    vi.stubGlobal("crossOriginIsolated", false);
    const T = await freshPackage();
    expect(() => T.setThreads(2)).toThrow(
      /^setThreads\(2\): two threads cannot run here: the worker shares memory with this thread, and a browser allows that only on a cross-origin isolated page \(served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\); this one is not$/,
    );
  });

  it("a Web Worker is started from web-worker.js beside the loader, as a module, and told the memory", async () => {
    const started: { url: string; options: unknown; data: Record<string, unknown> }[] = [];
    vi.stubGlobal("crossOriginIsolated", true);
    vi.stubGlobal(
      "Worker",
      class {
        onerror: ((event: { message?: string }) => void) | null = null;
        constructor(
          readonly url: URL,
          readonly options: unknown,
        ) {}
        postMessage(data: Record<string, unknown>): void {
          started.push({ url: this.url.href, options: this.options, data });
          this.onerror?.({ message: "no such worker in this test" });
        }
      },
    );
    const T = await freshPackage();
    T.setThreads(2);
    const n = 256;
    const a = T.ones([n, n]);
    T.matmul(a, a);
    T.matmul(a, a);
    expect(started).toHaveLength(1);
    expect(started[0]!.url).toMatch(/\/kernels\/wasm\/web-worker\.js$/);
    expect(started[0]!.options).toEqual({ type: "module" });
    expect(Object.keys(started[0]!.data).sort()).toEqual(["control", "memory", "module", "scratch", "spinMs"]);
    expect(warn.mock.calls).toEqual([
      [
        "wasm kernels: two threads were asked for, but the Web Worker failed: no such worker in this test; large matmuls run on one thread",
      ],
    ]);
    expect(T.activeKernels()).toEqual({
      name: "wasm-simd",
      threads: 1,
      reason: "the Web Worker failed: no such worker in this test",
    });
  });

  it("activeKernels() counts the worker once it is up", async () => {
    const T = await freshPackage();
    (await import("./threads-from-sources.js")).useWorkerThreadsFromSources();
    T.setThreads(2);
    expect(T.activeKernels()).toEqual({
      name: "wasm-simd",
      threads: 1,
      reason: "the worker starts with the first large matmul",
    });
    const a = T.ones([256, 256]);
    for (const deadline = Date.now() + 20_000; T.activeKernels().threads === 1 && Date.now() < deadline; ) {
      T.matmul(a, a);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(T.activeKernels()).toEqual({ name: "wasm-simd", threads: 2 });
    T.setThreads(1);
    expect(T.activeKernels()).toEqual({ name: "wasm-simd", threads: 1 });
  });
});
