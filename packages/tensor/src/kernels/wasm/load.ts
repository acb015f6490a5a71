import { warnOnce } from "../warn-once.js";
import type { WasmMemory, WasmModule, WebAssemblyApi } from "./api.js";
import { webAssembly } from "./api.js";
import { withPrivateMemory } from "./binary.js";
import { moduleBytes } from "./bytes.js";
import { MAX_PAGES, WasmEngine } from "./engine.js";
import { threadBackend, threadSetting } from "./threads.js";

// Compiling and instantiating the module, synchronously at first use (Node, Chromium) or
// asynchronously through loadEnginesAsync (engines that refuse to compile a module this large on
// the main thread: older browsers capped synchronous compiles at 4 KB, and the module is ~16 KB).

type Kind = "private" | "shared";

/**
 * The instances, or why there is none: one over private memory for one thread, and one over
 * shared memory, made when two threads are first asked for. One thread stays on private memory
 * because copying operands into a SharedArrayBuffer was measured 3× slower (20 µs against 6.5 µs
 * per 512 KB), ~4% of an MLP step. Where shared memory is unavailable, "shared" is the private
 * engine (one thread).
 */
const engines: { [kind in Kind]?: WasmEngine | Error } = {};

/** The wasm instance the thread setting selects, made synchronously if there is none yet, or why it is unavailable. */
export function wasmEngine(): WasmEngine | Error {
  const kind = threadSetting() === 2 ? "shared" : "private";
  engines[kind] ??= kind === "shared" ? sharedOrPrivate(createSync) : createSync("private");
  return engines[kind];
}

/**
 * Makes the engines asynchronously (WebAssembly.compile and instantiate, which every engine
 * allows on the main thread): the private one, and the shared one where threads can run (if it
 * cannot be made, two threads asked for later try again, and warn). An engine that failed before
 * (a synchronous compile refused) is tried again. Returns the one the thread setting selects.
 */
export async function loadEnginesAsync(): Promise<WasmEngine | Error> {
  if (!(engines.private instanceof WasmEngine)) engines.private = await createAsync("private");
  if (!(engines.shared instanceof WasmEngine) && !(threadBackend() instanceof Error)) {
    const shared = await createAsync("shared");
    engines.shared = shared instanceof WasmEngine ? shared : undefined;
  }
  return wasmEngine();
}

/** The shared engine, or (with a warning: two threads were asked for) the private one. */
function sharedOrPrivate(create: (kind: Kind) => WasmEngine | Error): WasmEngine | Error {
  const shared = create("shared");
  if (!(shared instanceof Error)) return shared;
  warnOnce(
    "threads",
    `wasm kernels: two threads were asked for, but ${shared.message}; large matmuls run on one thread`,
  );
  engines.private ??= create("private");
  return engines.private;
}

/** What instantiating needs: the WebAssembly API, the module's bytes for this kind, and a memory. */
function prepare(kind: Kind): { wasm: WebAssemblyApi; bytes: Uint8Array; memory: WasmMemory } {
  const wasm = webAssembly();
  if (wasm === undefined) throw new Error("this runtime has no WebAssembly");
  const bytes = moduleBytes();
  if (kind === "private") {
    return { wasm, bytes: withPrivateMemory(bytes), memory: new wasm.Memory({ initial: 1, maximum: MAX_PAGES }) };
  }
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  } catch (e) {
    throw new Error(`this runtime has no shared WebAssembly memory (${describeError(e)})`);
  }
  return { wasm, bytes, memory };
}

function createSync(kind: Kind): WasmEngine | Error {
  try {
    const { wasm, bytes, memory } = prepare(kind);
    let module: WasmModule;
    try {
      module = new wasm.Module(bytes);
    } catch (e) {
      throw compileError(e, bytes.length);
    }
    return WasmEngine.instantiate(module, memory, kind === "shared");
  } catch (e) {
    return new Error(describeError(e));
  }
}

async function createAsync(kind: Kind): Promise<WasmEngine | Error> {
  try {
    const { wasm, bytes, memory } = prepare(kind);
    let module: WasmModule;
    try {
      module = await wasm.compile(bytes);
    } catch (e) {
      throw compileError(e, bytes.length);
    }
    const { exports } = await wasm.instantiate(module, { env: { memory } });
    return new WasmEngine(exports as WasmEngine["exports"], memory, kind === "shared" ? module : null);
  } catch (e) {
    return new Error(describeError(e));
  }
}

/**
 * Why the module did not compile, in words: a synchronous compile refused for its size (a
 * RangeError) asks for ready(); anything else most likely means no WebAssembly SIMD.
 */
function compileError(e: unknown, size: number): Error {
  if (e instanceof RangeError) {
    return new Error(
      `this engine refuses to compile a ${size}-byte module synchronously (${describeError(e)}); \`await ready()\` before the first operation compiles it asynchronously`,
    );
  }
  return new Error(`the module does not compile here, most likely for want of WebAssembly SIMD (${describeError(e)})`);
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
}
