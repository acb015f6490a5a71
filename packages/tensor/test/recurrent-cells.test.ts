import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import type { FloatArray } from "../src/kernels/kernels.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";

// The recurrent gate kernels: wasm (polynomial e^x, four lanes, scalar-padded tails) against the
// TypeScript reference (Math.exp, Math.tanh in float64, rounded once), on hidden sizes around
// the 4-lane width, saturated and near-zero pre-activations, zero rows, and NaN.

const gen = new Generator(21);
function values(n: number, spread: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < x.length; i++) x[i] = (gen.random() * 2 - 1) * spread;
  return x;
}

type Kernel = "lstmCell" | "lstmCellBackward" | "gruCell";

/** Runs one kernel of `kernels` on copies of the operands and returns every array afterwards. */
function run(
  kernels: typeof jsKernels,
  kernel: Kernel,
  rows: number,
  hidden: number,
  operands: Float32Array[],
): Float32Array[] {
  const copies = operands.map((a) => a.slice());
  const [a, b, c, d, e, f] = copies as [FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray];
  if (kernel === "lstmCell") kernels.lstmCell(rows, hidden, a, b, c, d);
  else if (kernel === "lstmCellBackward") kernels.lstmCellBackward(rows, hidden, a, b, c, d, e, f);
  else kernels.gruCell(rows, hidden, a, b, c, d, e);
  return copies;
}

/** Operands of each kernel for `rows` × `hidden`, pre-activations spread over ±spread. */
function operands(kernel: Kernel, rows: number, hidden: number, spread: number): Float32Array[] {
  const s = rows * hidden;
  if (kernel === "lstmCell") return [values(4 * s, spread), values(s, 2), new Float32Array(s), new Float32Array(s)];
  if (kernel === "gruCell")
    return [values(3 * s, spread), values(3 * s, spread), values(s, 1), new Float32Array(3 * s), new Float32Array(s)];
  // Backward: activated gates (σ in (0,1), tanh in (−1,1)), states and incoming gradients.
  const gates = values(4 * s, 1).map((v, k) => (Math.floor(k / hidden) % 4 === 2 ? v : (v + 1) / 2));
  return [gates, values(s, 2), values(s, spread), values(s, 1), values(s, 1), new Float32Array(4 * s)];
}

const kernels: Kernel[] = ["lstmCell", "lstmCellBackward", "gruCell"];

describe("recurrent gate kernels: wasm against the TypeScript reference", () => {
  for (const kernel of kernels) {
    it.each([
      [1, 1],
      [2, 3],
      [3, 4],
      [2, 5],
      [1, 7],
      [3, 9],
      [64, 128],
      [0, 8],
    ])(`${kernel}: %i rows × %i units`, (rows, hidden) => {
      for (const spread of [0.1, 3, 40]) {
        const input = operands(kernel, rows, hidden, spread);
        const want = run(jsKernels, kernel, rows, hidden, input);
        const got = run(wasmKernels, kernel, rows, hidden, input);
        // Beyond the kernels' own error, float32 rounds each pre-activation sum (|sum| up to
        // 2·spread) where the reference adds in float64.
        const tolerance = 1e-6 + 1e-7 * spread;
        want.forEach((w, a) => {
          let worst = 0;
          for (let k = 0; k < w.length; k++)
            worst = Math.max(worst, Math.abs(got[a]![k]! - w[k]!) / (1 + Math.abs(w[k]!)));
          expect(worst, `${kernel} array ${a}, spread ${spread}`).toBeLessThanOrEqual(tolerance);
        });
      }
    });
  }

  it("saturate without overflow and keep tiny tanh arguments accurate", () => {
    // Two units; blocks i, f, g, o.
    const gates = Float32Array.from([-100, 100, 1e-6, 100, -3e-5, 100, 1e30, -1e30]);
    const h = new Float32Array(2);
    const c = new Float32Array(2);
    wasmKernels.lstmCell(1, 2, gates, new Float32Array(2), c, h);
    expect([gates[0], gates[1], gates[3], gates[5], gates[6], gates[7]]).toEqual([0, 1, 1, 1, 1, 0]);
    expect(gates[2]).toBe(Math.fround(1 / (1 + Math.exp(-1e-6))));
    expect(Math.abs(gates[4]! - -3e-5) / 3e-5).toBeLessThan(1e-6);
    expect(Array.from(h).every(Number.isFinite)).toBe(true);
  });

  it("propagate NaN", () => {
    const gates = Float32Array.from([NaN, 0, 0, 0]);
    const h = new Float32Array(1);
    wasmKernels.lstmCell(1, 1, gates, new Float32Array(1), new Float32Array(1), h);
    expect(h[0]).toBeNaN();
  });

  it("leave float64 to the TypeScript kernels, bit for bit", () => {
    const [gates, cPrev] = [Float64Array.from(values(8, 3)), Float64Array.from(values(2, 1))];
    const outs = [0, 1].map(() => ({ g: gates.slice(), c: new Float64Array(2), h: new Float64Array(2) }));
    jsKernels.lstmCell(1, 2, outs[0]!.g, cPrev, outs[0]!.c, outs[0]!.h);
    wasmKernels.lstmCell(1, 2, outs[1]!.g, cPrev, outs[1]!.c, outs[1]!.h);
    expect(outs[1]).toEqual(outs[0]);
  });

  it("check their arguments", () => {
    for (const k of [jsKernels, wasmKernels]) {
      expect(() =>
        k.lstmCell(2, 3, new Float32Array(23), new Float32Array(6), new Float32Array(6), new Float32Array(6)),
      ).toThrowError(new Error("lstmCell: gates needs 24 elements (2×12), has 23"));
      expect(() =>
        k.gruCell(
          1,
          1,
          new Float32Array(3),
          new Float64Array(3),
          new Float32Array(1),
          new Float32Array(3),
          new Float32Array(1),
        ),
      ).toThrowError(
        new Error("gruCell: every array must share one element type, got Float32Array and Float64Array (hg)"),
      );
      expect(() =>
        k.lstmCellBackward(
          -1,
          3,
          ...(Array.from({ length: 6 }, () => new Float32Array(0)) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ]),
        ),
      ).toThrowError(new Error("lstmCellBackward: rows must be a non-negative integer, got -1"));
    }
  });
});
