import { activationKernels } from "../activations.js";
import { checkGemmArgs, jsKernels } from "../js.js";
import type { FloatArray, Kernels } from "../kernels.js";
import { optimizerUpdates } from "../optimizers.js";
import { checkCellArgs, recurrentCells } from "../recurrent-cells.js";
import { checkSoftmaxRowsArgs } from "../softmax-rows.js";
import { wasmConvKernels } from "./conv.js";
import { align } from "./engine.js";
import { wasmEngine } from "./load.js";
import { allFloat32, engineOrThrow, runWithOperands } from "./operands.js";

/**
 * WebAssembly SIMD kernels. float32 runs in wasm (packed panels, 4×8 f32x4 micro-kernel, or a
 * kernel that skips the zeros of a sparse op(A), with the same bits for finite B); float64
 * (gradient checks: exactness, not speed) goes to the TypeScript kernels. The recurrent gate
 * kernels run in wasm where they evaluate σ and tanh (LSTM forward and backward, GRU forward);
 * the GRU backward and the Elman RNN, plain arithmetic, stay in TypeScript.
 * The module is instantiated on first use; if it cannot be (no SIMD, a synchronous compile refused),
 * each kernel throws why.
 */
export const wasmKernels: Kernels = {
  name: "wasm",
  gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate) {
    if (!(a instanceof Float32Array)) {
      jsKernels.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, c, cOffset, accumulate);
      return;
    }
    // Checked before copying: subarray() would silently clamp a short operand, and wasm would then
    // read stale memory.
    checkGemmArgs(m, n, k, a, aOffset, b, bOffset, c, cOffset);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
      return;
    }
    const wasm = engineOrThrow();
    wasm.sgemm(
      m,
      n,
      k,
      a,
      aOffset,
      transposeA,
      b as Float32Array,
      bOffset,
      transposeB,
      c as Float32Array,
      cOffset,
      accumulate,
    );
  },
  softmaxRows,
  ...recurrentCells,
  ...wasmConvKernels(wasmEngine, jsKernels),
  // One pass over each operand: copying them into linear memory would cost more than the update.
  ...optimizerUpdates,
  ...activationKernels,
  lstmCell(rows, hidden, gates, cPrev, c, h) {
    if (!allFloat32(gates, cPrev, c, h)) return jsKernels.lstmCell(rows, hidden, gates, cPrev, c, h);
    checkCellArgs("lstmCell", rows, hidden, 4, { gates }, { cPrev, c, h });
    const [g, s] = [rows * 4 * hidden, rows * hidden];
    runWithOperands(
      [
        [gates, g, "inout"],
        [cPrev, s, "in"],
        [c, s, "out"],
        [h, s, "out"],
      ],
      (p, wasm) => wasm.lstmCell(p[0]!, p[1]!, p[2]!, p[3]!, rows, hidden),
    );
  },
  lstmCellBackward(rows, hidden, gates, cPrev, c, dh, dc, dGates) {
    if (!allFloat32(gates, cPrev, c, dh, dc, dGates))
      return jsKernels.lstmCellBackward(rows, hidden, gates, cPrev, c, dh, dc, dGates);
    checkCellArgs("lstmCellBackward", rows, hidden, 4, { gates, dGates }, { cPrev, c, dh, dc });
    const [g, s] = [rows * 4 * hidden, rows * hidden];
    runWithOperands(
      [
        [gates, g, "in"],
        [cPrev, s, "in"],
        [c, s, "in"],
        [dh, s, "in"],
        [dc, s, "inout"],
        [dGates, g, "out"],
      ],
      (p, wasm) => wasm.lstmCellBackward(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, rows, hidden),
    );
  },
  gruCell(rows, hidden, xg, hg, hPrev, gates, h) {
    if (!allFloat32(xg, hg, hPrev, gates, h)) return jsKernels.gruCell(rows, hidden, xg, hg, hPrev, gates, h);
    checkCellArgs("gruCell", rows, hidden, 3, { xg, hg, gates }, { hPrev, h });
    const [g, s] = [rows * 3 * hidden, rows * hidden];
    runWithOperands(
      [
        [xg, g, "in"],
        [hg, g, "in"],
        [hPrev, s, "in"],
        [gates, g, "out"],
        [h, s, "out"],
      ],
      (p, wasm) => wasm.gruCell(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, rows, hidden),
    );
  },
};

/** Softmax of float32 rows in wasm (four lanes of a polynomial exp); float64 stays in TypeScript. */
function softmaxRows(
  rows: number,
  cols: number,
  x: FloatArray,
  out: FloatArray,
  stats: Float64Array,
  scales?: Float64Array,
): void {
  if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || cols === 0) {
    jsKernels.softmaxRows(rows, cols, x, out, stats, scales);
    return;
  }
  checkSoftmaxRowsArgs(rows, cols, x, out, stats, scales);
  if (rows === 0) return;
  const wasm = engineOrThrow();
  const n = rows * cols;
  const xPtr = wasm.dataStart;
  const outPtr = align(xPtr + n * 4);
  const statsPtr = align(outPtr + n * 4);
  const scalesPtr = align(statsPtr + rows * 16);
  const heap = wasm.view(scalesPtr + rows * 8);
  heap.set(x.subarray(0, n), xPtr / 4);
  if (scales !== undefined) new Float64Array(heap.buffer, scalesPtr, rows).set(scales.subarray(0, rows));
  wasm.exports.softmaxRows(xPtr, rows, cols, outPtr, statsPtr, scales === undefined ? 0 : scalesPtr);
  out.set(heap.subarray(outPtr / 4, outPtr / 4 + n));
  stats.set(new Float64Array(heap.buffer, statsPtr, 2 * rows));
}

/**
 * The wasm kernels if this runtime can run them (WebAssembly SIMD, and a synchronous compile, or
 * an earlier \`await ready()\`), else null (the caller chooses the TypeScript kernels).
 */
export function loadWasmKernels(): Kernels | null {
  return wasmEngine() instanceof Error ? null : wasmKernels;
}
