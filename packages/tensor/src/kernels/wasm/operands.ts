import type { FloatArray } from "../kernels.js";
import type { WasmExports } from "./api.js";
import type { WasmEngine } from "./engine.js";
import { align } from "./engine.js";
import { wasmEngine } from "./load.js";

/** The engine the thread setting selects; throws why the wasm kernels cannot run here. */
export function engineOrThrow(): WasmEngine {
  const engine = wasmEngine();
  if (engine instanceof Error) throw new Error(`wasm kernels: ${engine.message}`);
  return engine;
}

/** Whether every array is float32 (what the wasm kernels compute; float64 stays in TypeScript). */
export function allFloat32(...arrays: FloatArray[]): boolean {
  return arrays.every((a) => a instanceof Float32Array);
}

/**
 * Runs a wasm kernel on float32 operands copied into linear memory one after another ("in" and
 * "inout" copied in, "out" and "inout" copied back), passing their addresses: what a kernel beside
 * gemm needs (the recurrent cells use it). An array given twice (gruCell's gates may be xg) gets
 * two copies, so the kernel never sees the aliasing. Nothing runs when the first operand is empty.
 */
export function runWithOperands(
  operands: [FloatArray, number, "in" | "out" | "inout"][],
  call: (pointers: number[], wasm: WasmExports) => void,
): void {
  if (operands[0]![1] === 0) return;
  const wasm = engineOrThrow();
  const pointers: number[] = [];
  let end = wasm.dataStart;
  for (const [, count] of operands) {
    pointers.push(end);
    end = align(end + count * 4);
  }
  const heap = wasm.view(end);
  operands.forEach(([array, count, mode], i) => {
    if (mode !== "out") heap.set(array.subarray(0, count), pointers[i]! / 4);
  });
  call(pointers, wasm.exports);
  operands.forEach(([array, count, mode], i) => {
    if (mode !== "in") array.set(heap.subarray(pointers[i]! / 4, pointers[i]! / 4 + count));
  });
}
