import { environmentVariable } from "../environment.js";
import { jsKernels } from "./js.js";
import type { Kernels } from "./kernels.js";
import { warnOnce } from "./warn-once.js";
import { loadEnginesAsync, type WasmEngine, wasmEngine, wasmKernels } from "./wasm/index.js";

/** Which kernels run, as activeKernels() reports it. */
export interface ActiveKernels {
  /**
   * "wasm-simd": WebAssembly SIMD for float32 (float64, for gradient checks, always runs the
   * TypeScript loops); "js": the TypeScript reference kernels; "custom": kernels installed by
   * setKernels.
   */
  readonly name: "wasm-simd" | "js" | "custom";
  /** Threads large float32 matmuls run on now: 2 once the worker that setThreads(2) asks for is up. */
  readonly threads: 1 | 2;
  /** Why the kernels or the threads are not the default or what was asked for, when they are not. */
  readonly reason?: string;
}

/** What NABLA_BACKEND asks for: "wasm" (explicitly), "js", or undefined (the default, wasm when it runs). */
function backendFromEnvironment(): "wasm" | "js" | undefined {
  const choice = environmentVariable("NABLA_BACKEND");
  if (choice === undefined || choice === "wasm" || choice === "js") return choice;
  throw new Error(`NABLA_BACKEND: expected "wasm" or "js", got "${choice}"`);
}

const requested = backendFromEnvironment();

/** Why the default kernels are the TypeScript ones, once that is decided. */
let fallbackReason: string | undefined;

/**
 * The default kernels before their first use: each call (or reading `name`) decides, once, between
 * wasm and the TypeScript kernels and installs the winner, so that importing the package compiles
 * nothing and `await ready()` can still compile asynchronously first. Built from jsKernels' keys,
 * so a kernel added to the interface is forwarded without a change here.
 */
function deferredDefault(): Kernels {
  const forwarding: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(jsKernels)) {
    if (typeof value !== "function") continue;
    forwarding[key] = (...args: unknown[]): unknown =>
      (resolveDefault()[key as keyof Kernels] as (...args: unknown[]) => unknown)(...args);
  }
  Object.defineProperty(forwarding, "name", { get: () => resolveDefault().name, enumerable: true });
  return forwarding as unknown as Kernels;
}

const deferred = deferredDefault();

/**
 * The active kernels. An ES live binding: `import { kernels }` always sees the object installed
 * by the latest `setKernels`, so ops look it up at call time.
 */
export let kernels: Kernels = requested === "js" ? jsKernels : requested === "wasm" ? wasmKernels : deferred;

/** The default kernels once decided; ops forwarded by `deferred` go there even after a setKernels. */
let decided: Kernels | undefined;

/**
 * Decides the default kernels, once: wasm when its engine loads, else the TypeScript kernels, with
 * a one-time warning that says why and what it costs. Installs them if no setKernels came first.
 */
function resolveDefault(engine: WasmEngine | Error = wasmEngine()): Kernels {
  if (decided !== undefined) return decided;
  if (engine instanceof Error) {
    fallbackReason = engine.message;
    warnOnce(
      "backend",
      `nabla: the WebAssembly kernels cannot run: ${engine.message}. Using the TypeScript kernels instead, about 10× slower on matmuls (NABLA_BACKEND=js, or setKernels(jsKernels), chooses them without this warning).`,
    );
    decided = jsKernels;
  } else {
    decided = wasmKernels;
  }
  if (kernels === deferred) kernels = decided;
  return decided;
}

/** Installs another backend for every op that dispatches through `kernels`. */
export function setKernels(k: Kernels): void {
  if (k === null || typeof k !== "object") {
    throw new Error(`setKernels: expected a Kernels object, got ${k === null ? "null" : typeof k}`);
  }
  const absent = Object.keys(jsKernels).filter(
    (name) => typeof jsKernels[name as keyof Kernels] === "function" && typeof k[name as keyof Kernels] !== "function",
  );
  if (absent.length > 0) {
    const names = absent.length > 1 ? `${absent.slice(0, -1).join(", ")} and ${absent[absent.length - 1]}` : absent[0];
    throw new Error(
      `setKernels: expected a Kernels object, but ${names} ${absent.length > 1 ? "are not functions" : "is not a function"}`,
    );
  }
  kernels = k;
}

/** Which kernels run, how many threads large matmuls use, and why not more when that is so. */
export function activeKernels(): ActiveKernels {
  const active = kernels === deferred ? resolveDefault() : kernels;
  if (active === wasmKernels) {
    const engine = wasmEngine();
    if (engine instanceof Error) return { name: "wasm-simd", threads: 1, reason: engine.message };
    const reason = engine.oneThreadReason;
    return reason === undefined
      ? { name: "wasm-simd", threads: engine.threads }
      : { name: "wasm-simd", threads: 1, reason };
  }
  if (active === jsKernels) {
    const reason = fallbackReason ?? (requested === "js" ? "NABLA_BACKEND=js" : "setKernels(jsKernels)");
    return { name: "js", threads: 1, reason };
  }
  return { name: "custom", threads: 1 };
}

/**
 * Compiles and instantiates the wasm kernels asynchronously, then decides the default kernels
 * as their first use would. Needed before the first operation only where an engine refuses to
 * compile the module synchronously on the main thread (older browsers capped that at 4 KB; the
 * module is ~16 KB); harmless everywhere else. Resolves to what activeKernels() says.
 */
export async function ready(): Promise<ActiveKernels> {
  if (kernels === deferred) resolveDefault(await loadEnginesAsync());
  else if (kernels === wasmKernels) await loadEnginesAsync();
  return activeKernels();
}
