import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import { moduleBytes } from "../src/kernels/wasm/bytes.js";
import type { Gemm } from "../src/kernels/wasm/control.js";
import { CONTROL_BYTES } from "../src/kernels/wasm/control.js";
import { GemmWorker } from "../src/kernels/wasm/gemm-worker.js";
import { setThreads, WasmEngine, wasmEngine, wasmKernels } from "../src/kernels/wasm/index.js";
import { halves, SPLIT_FLOPS } from "../src/kernels/wasm/split.js";
import { sameBits } from "./bits.js";
import { useWorkerThreadsFromSources } from "./threads-from-sources.js";

useWorkerThreadsFromSources();

// Two threads must give exactly the bits one thread gives (training runs are reproducible bit for
// bit whatever the thread count): each element of C goes through the same operations whichever
// thread computes it. Shapes below the split threshold never involve the worker.

const gen = new Generator(11);

function randomArray(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() * 2 - 1;
  return x;
}

// The ES2022 lib has no WebAssembly types: the little these tests use.
interface TestWebAssembly {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: {
    initial: number;
    maximum: number;
    shared: boolean;
  }) => {
    readonly buffer: ArrayBufferLike;
    grow(pages: number): number;
  };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: TestWebAssembly }).WebAssembly;

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every few milliseconds for up to `ms`. */
async function eventually(condition: () => boolean, ms = 20_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(5)) {
    if (condition()) return true;
  }
  return condition();
}

function engine(): WasmEngine {
  const e = wasmEngine();
  if (e instanceof Error) throw e;
  return e;
}

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  accumulate: boolean;
}

/** C from wasmKernels.gemm with `threads` threads, starting from `c0` (offsets 3, 5 and 7). */
function gemmWith(
  threads: 1 | 2,
  { m, n, k, transposeA, transposeB, accumulate }: Case,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
): Float32Array {
  setThreads(threads);
  const c = c0.slice();
  wasmKernels.gemm(m, n, k, a, 3, transposeA, b, 5, transposeB, c, 7, accumulate);
  return c;
}

/** Runs one case on one and on two threads: same bits, and the TypeScript kernels' values. */
function check(c: Case): void {
  const a = randomArray(3 + c.m * c.k);
  const b = randomArray(5 + c.k * c.n);
  const c0 = randomArray(7 + c.m * c.n + 2);
  const one = gemmWith(1, c, a, b, c0);
  const two = gemmWith(2, c, a, b, c0);
  const label = JSON.stringify(c);
  expect(sameBits(one, two), label).toBe(true);
  const js = c0.slice();
  jsKernels.gemm(c.m, c.n, c.k, a, 3, c.transposeA, b, 5, c.transposeB, js, 7, c.accumulate);
  let worst = 0;
  for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(two[i]! - js[i]!));
  expect(worst, label).toBeLessThanOrEqual(2e-6 * (c.k + 1));
}

const layouts = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe("wasm sgemm on two threads", () => {
  beforeAll(async () => {
    // The worker starts on the first large sgemm that wants it and is up a few tens of ms later.
    setThreads(2);
    const n = 256;
    const a = randomArray(n * n);
    const c = new Float32Array(n * n);
    expect(2 * n * n * n).toBeGreaterThanOrEqual(SPLIT_FLOPS);
    const up = await eventually(() => {
      wasmKernels.gemm(n, n, n, a, 0, false, a, 0, false, c, 0, false);
      return engine().threads === 2;
    });
    expect(up, "the worker came up").toBe(true);
  });

  it("the module has no data segments and no start function, which a worker's instance would re-run", () => {
    // Instantiating the module in the worker re-applies data segments and re-runs the start
    // function over the shared memory, while the main thread may be using it.
    const bytes = moduleBytes();
    const sections: number[] = [];
    let pos = 8;
    while (pos < bytes.length) {
      const id = bytes[pos++]!;
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[pos++]!;
        size += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) break;
      }
      sections.push(id);
      pos += size;
    }
    expect(sections).toContain(10); // code: the walk is reading sections
    expect(sections).not.toContain(8); // start
    expect(sections).not.toContain(11); // data
  });

  it("the two halves of C, computed one after the other, give the bits of one call", () => {
    const e = engine();
    for (let trial = 0; trial < 60; trial++) {
      const [m, n, k] = [gen.int(1, 140), gen.int(1, 140), gen.int(1, 600)];
      const [transA, transB] = layouts[trial % 4]!;
      const accumulate = trial % 3 === 0 ? 1 : 0;
      const a = e.dataStart;
      const b = align(a + 4 * m * k);
      const c = align(b + 4 * k * n);
      const scratch = align(c + 4 * m * n);
      const heap = e.view(scratch + e.exports.scratchBytes());
      heap.set(randomArray(m * k), a / 4);
      heap.set(randomArray(k * n), b / 4);
      const c0 = randomArray(m * n);
      const whole: Gemm = {
        m,
        n,
        k,
        a,
        lda: transA ? m : k,
        transA: transA ? 1 : 0,
        b,
        ldb: transB ? k : n,
        transB: transB ? 1 : 0,
        c,
        ldc: n,
        accumulate,
      };
      const run = (g: Gemm): void =>
        e.exports.sgemm(g.m, g.n, g.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, g.c, g.ldc, g.accumulate, scratch);
      heap.set(c0, c / 4);
      run(whole);
      const once = heap.slice(c / 4, c / 4 + m * n);
      const parts = halves(whole, e.exports.tileRows(), e.exports.tileCols());
      if (parts === null) {
        expect(m < 2 * e.exports.tileRows() && n < 2 * e.exports.tileCols(), `${m}×${n} is too small to cut`).toBe(
          true,
        );
        continue;
      }
      heap.set(c0, c / 4);
      parts.forEach(run);
      expect(
        sameBits(heap.slice(c / 4, c / 4 + m * n), once),
        JSON.stringify({ m, n, k, transA, transB, accumulate }),
      ).toBe(true);
    }
  });

  it("gives the bits of one thread on random odd shapes above and below the split threshold, all layouts", () => {
    for (let trial = 0; trial < 48; trial++) {
      const large = trial % 2 === 0;
      const m = large ? gen.int(20, 300) : gen.int(1, 60);
      const n = large ? gen.int(20, 300) : gen.int(1, 60);
      // Deep enough to be split, or shallow enough not to be.
      const depthToSplit = Math.ceil(SPLIT_FLOPS / (2 * m * n));
      const k = large ? Math.max(gen.int(1, 600), depthToSplit) : gen.int(1, Math.min(600, depthToSplit - 1));
      expect(2 * m * n * k >= SPLIT_FLOPS).toBe(large);
      const [transposeA, transposeB] = layouts[(trial >> 1) % 4]!;
      check({ m, n, k, transposeA, transposeB, accumulate: trial % 3 === 0 });
    }
  });

  it("gives the bits of one thread on the MLP step's shapes and across the packing blocks", () => {
    const shapes: Case[] = [
      { m: 64, n: 128, k: 784, transposeA: false, transposeB: false, accumulate: false }, // forward
      { m: 784, n: 128, k: 64, transposeA: true, transposeB: false, accumulate: true }, // xᵀ·dY
      { m: 64, n: 784, k: 128, transposeA: false, transposeB: true, accumulate: false }, // dY·Wᵀ
      { m: 64, n: 10, k: 128, transposeA: false, transposeB: false, accumulate: false }, // small: one thread
      { m: 131, n: 2053, k: 513, transposeA: true, transposeB: true, accumulate: true }, // past MC, NC and KC
    ];
    expect(shapes.map(({ m, n, k }) => 2 * m * n * k >= SPLIT_FLOPS)).toEqual([true, true, true, false, true]);
    for (const c of shapes) check(c);
  });

  it("the worker computes a posted block bit for bit as the main thread does", async () => {
    // A separate instance and worker, driven directly: post a block, give the worker time to take
    // it, and check that it did and that its bits match.
    const module = new WebAssemblyApi.Module(moduleBytes());
    const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: 65536, shared: true });
    const e = WasmEngine.instantiate(module, memory, true);
    const [m, n, k] = [200, 96, 300];
    const control = e.dataStart;
    const scratch = align(control + CONTROL_BYTES);
    const a = align(scratch + e.exports.scratchBytes());
    const b = align(a + 4 * m * k);
    const c = align(b + 4 * k * n);
    const heap = e.view(c + 4 * m * n);
    heap.set(randomArray(m * k), a / 4);
    heap.set(randomArray(k * n), b / 4);
    const whole: Gemm = { m, n, k, a, lda: k, transA: 0, b, ldb: n, transB: 0, c, ldc: n, accumulate: 0 };
    e.exports.sgemm(m, n, k, a, k, 0, b, n, 0, c, n, 0, scratch);
    const expected = heap.slice(c / 4, c / 4 + m * n);
    heap.fill(0, c / 4, c / 4 + m * n);

    const worker = GemmWorker.start(module, memory, control, scratch);
    const parts = halves(whole, e.exports.tileRows(), e.exports.tileCols());
    if (worker instanceof Error || parts === null) throw new Error("no worker, or no split");
    const theirs = parts[1];
    expect(theirs.n, "a split along the rows: the worker's block is the last rows").toBe(n);
    let done = false;
    for (let attempt = 0; attempt < 20 && !done; attempt++) {
      expect(await eventually(() => worker.ready)).toBe(true);
      worker.post(theirs);
      await sleep(50);
      done = worker.finish(Infinity);
    }
    expect(done, "the worker took a job").toBe(true);
    const rows = theirs.m;
    const got = heap.slice(c / 4 + (m - rows) * n, c / 4 + m * n);
    expect(sameBits(got, expected.slice((m - rows) * n))).toBe(true);
  });

  it("setThreads accepts 1 or 2 and names anything else", () => {
    expect(() => setThreads(3)).toThrow(/setThreads: expected 1 or 2, got 3/);
    expect(() => setThreads(0)).toThrow(/expected 1 or 2, got 0/);
    expect(() => setThreads(1.5)).toThrow(/got 1.5/);
    expect(() => setThreads(Number.NaN)).toThrow(/got NaN/);
  });
});

describe("NABLA_THREADS", () => {
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  for (const value of ["3", "0", "", "two", "2.0"]) {
    it(`="${value}" makes importing the package throw an Error naming it`, async () => {
      vi.stubEnv("NABLA_THREADS", value);
      vi.resetModules();
      await expect(import("../src/index.js")).rejects.toThrow(`NABLA_THREADS: expected 1 or 2, got "${value}"`);
    });
  }

  it("unset means one thread", async () => {
    vi.stubEnv("NABLA_THREADS", undefined);
    vi.resetModules();
    const threads = await import("../src/kernels/wasm/threads.js");
    expect(threads.threadSetting()).toBe(1);
  });

  it("=1 and =2 are the thread setting", async () => {
    for (const value of ["1", "2"] as const) {
      vi.stubEnv("NABLA_THREADS", value);
      vi.resetModules();
      const threads = await import("../src/kernels/wasm/threads.js");
      expect(threads.threadSetting()).toBe(Number(value));
    }
  });
});

describe("a process that ran a two-thread matmul", () => {
  it("exits by itself, promptly", async () => {
    const source = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
    const script = `
      const { useWorkerThreadsFromSources } = await import(${JSON.stringify(source("./threads-from-sources.ts"))});
      useWorkerThreadsFromSources();
      const { setThreads, wasmEngine, wasmKernels } = await import(${JSON.stringify(source("../src/kernels/wasm/index.ts"))});
      setThreads(2);
      const engine = wasmEngine();
      const n = 256;
      const a = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
      let reached = false;
      for (const deadline = Date.now() + 20000; !reached && Date.now() < deadline; ) {
        wasmKernels.gemm(n, n, n, a, 0, false, a, 0, false, c, 0, false);
        reached = engine.threads === 2;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      for (let i = 0; i < 5; i++) wasmKernels.gemm(n, n, n, a, 0, false, a, 0, false, c, 0, false);
      console.log(JSON.stringify({ reached, c0: c[0], end: Date.now() }));
    `;
    const { stdout, exitedAt } = await new Promise<{ stdout: string; exitedAt: number }>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { timeout: 60_000 },
        (error, out) => (error ? reject(error) : resolve({ stdout: out, exitedAt: Date.now() })),
      );
    });
    const result = JSON.parse(stdout.trim()) as { reached: boolean; c0: number; end: number };
    expect(result.reached, "the worker came up").toBe(true);
    expect(result.c0).toBe(64); // 256 · 0.5 · 0.5
    expect(exitedAt - result.end).toBeLessThan(3_000);
  });
});
