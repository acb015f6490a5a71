import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import type { WindowGeometry } from "../src/kernels/conv.js";
import { jsKernels } from "../src/kernels/js.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";
import { sameBits } from "./bits.js";

// The wasm pooling kernels do the reference's operations in its order (maxima are selected;
// average sums run in float64 in both), so they must give the same bits on every geometry.

const gen = new Generator(23);
const randomInt = (lo: number, hi: number): number => lo + Math.floor(gen.random() * (hi - lo + 1));

function randomArray(n: number): Float32Array {
  const x = new Float32Array(n);
  // Values from a small set, so that windows hold ties (the first maximum must win in both).
  for (let i = 0; i < n; i++) x[i] = randomInt(-8, 8) / 4;
  return x;
}

function geometry(
  n: number,
  c: number,
  h: number,
  w: number,
  k: [number, number],
  s: [number, number],
  p: [number, number],
): WindowGeometry {
  const oH = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1;
  const oW = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  return { n, c, h, w, kH: k[0], kW: k[1], sH: s[0], sW: s[1], pH: p[0], pW: p[1], dH: 1, dW: 1, oH, oW };
}

function randomGeometry(): WindowGeometry {
  const k: [number, number] = [randomInt(1, 4), randomInt(1, 4)];
  const s: [number, number] = [randomInt(1, 3), randomInt(1, 3)];
  const p: [number, number] = [randomInt(0, Math.floor(k[0] / 2)), randomInt(0, Math.floor(k[1] / 2))];
  return geometry(randomInt(1, 3), randomInt(1, 4), k[0] + randomInt(0, 12), k[1] + randomInt(0, 12), k, s, p);
}

type PoolKernels = Pick<
  typeof jsKernels,
  "maxPool2dForward" | "maxPool2dBackward" | "avgPool2dForward" | "avgPool2dBackward"
>;

/** Max pooling's output, argmax and dx, and average pooling's output and dx both ways, by `kernels`. */
function run(
  kernels: PoolKernels,
  g: WindowGeometry,
  x: Float32Array,
  grad: Float32Array,
): (Float32Array | Uint8Array | Int32Array)[] {
  const outputs = g.n * g.c * g.oH * g.oW;
  const out = new Float32Array(outputs).fill(Number.NaN);
  const argmax = g.kH * g.kW <= 256 ? new Uint8Array(outputs).fill(255) : new Int32Array(outputs).fill(-1);
  kernels.maxPool2dForward(g, x, out, argmax);
  const dx = new Float32Array(x.length).fill(Number.NaN);
  kernels.maxPool2dBackward(g, grad, argmax, dx);
  const results: (Float32Array | Uint8Array | Int32Array)[] = [out, argmax, dx];
  for (const countIncludePad of [true, false]) {
    const avg = new Float32Array(outputs).fill(Number.NaN);
    kernels.avgPool2dForward(g, countIncludePad, x, avg);
    const avgDx = new Float32Array(x.length).fill(Number.NaN);
    kernels.avgPool2dBackward(g, countIncludePad, grad, avgDx);
    results.push(avg, avgDx);
  }
  return results;
}

function expectSameBits(got: (Float32Array | Uint8Array | Int32Array)[], expected: typeof got, what: string): void {
  got.forEach((array, i) => {
    const e = expected[i]!;
    const same = array instanceof Float32Array ? sameBits(array, e as Float32Array) : array.every((v, j) => v === e[j]);
    expect(same, `${what}, result ${i}`).toBe(true);
  });
}

describe("pooling kernels: wasm gives the TypeScript reference's bits", () => {
  it("on 60 random geometries (overlapping windows, padding, ties)", () => {
    for (let t = 0; t < 60; t++) {
      const g = randomGeometry();
      const x = randomArray(g.n * g.c * g.h * g.w);
      const grad = randomArray(g.n * g.c * g.oH * g.oW);
      expectSameBits(run(wasmKernels, g, x, grad), run(jsKernels, g, x, grad), `case ${t} ${JSON.stringify(g)}`);
    }
  });

  it("on 2×2 stride 2 (four windows at a time in wasm), odd sizes leaving a remainder", () => {
    for (const [h, w] of [
      [28, 28],
      [10, 10],
      [9, 23],
      [2, 2],
      [4, 14],
    ] as const) {
      const g = geometry(3, 5, h, w, [2, 2], [2, 2], [0, 0]);
      const x = randomArray(g.n * g.c * h * w);
      const grad = randomArray(g.n * g.c * g.oH * g.oW);
      expectSameBits(run(wasmKernels, g, x, grad), run(jsKernels, g, x, grad), `${h}×${w}`);
    }
  });

  it("with windows over 256 elements (argmax as Int32Array)", () => {
    const g = geometry(2, 2, 20, 19, [17, 16], [2, 3], [1, 2]);
    const x = randomArray(g.n * g.c * g.h * g.w);
    const grad = randomArray(g.n * g.c * g.oH * g.oW);
    const got = run(wasmKernels, g, x, grad);
    expect(got[1]).toBeInstanceOf(Int32Array);
    expectSameBits(got, run(jsKernels, g, x, grad), "17×16");
  });

  it("where NaN wins a window: the first NaN in window order, in both", () => {
    const g = geometry(1, 1, 4, 16, [2, 2], [2, 2], [0, 0]);
    const x = randomArray(64);
    for (const at of [1, 2, 16, 17, 19, 36, 52, 53, 62, 63]) x[at] = Number.NaN;
    const grad = randomArray(g.oH * g.oW);
    const [jsOut, jsArgmax] = run(jsKernels, g, x, grad);
    const [wasmOut, wasmArgmax] = run(wasmKernels, g, x, grad);
    expect(Array.from(wasmArgmax!)).toEqual(Array.from(jsArgmax!));
    expect(Array.from(wasmOut!)).toEqual(Array.from(jsOut!));
    expect(Number.isNaN(wasmOut![0])).toBe(true);
    // Window 0 is x[0], x[1], x[16], x[17]: the NaN at x[1] (offset 1) is the first.
    expect(wasmArgmax![0]).toBe(1);
  });

  it("names what is wrong", () => {
    const g = geometry(1, 2, 6, 6, [2, 2], [2, 2], [0, 0]);
    for (const k of [jsKernels, wasmKernels]) {
      expect(
        messageOf(() => k.maxPool2dForward(g, new Float32Array(72), new Float32Array(18), new Uint8Array(17))),
      ).toBe("maxPool2dForward: argmax needs 18 elements, has 17");
      expect(
        messageOf(() => k.avgPool2dForward({ ...g, dW: 2 }, true, new Float32Array(72), new Float32Array(18))),
      ).toBe("avgPool2dForward: dilation must be 1×1, got 1×2");
      expect(messageOf(() => k.avgPool2dBackward(g, true, new Float32Array(18), new Float32Array(71)))).toBe(
        "avgPool2dBackward: dx needs 72 elements, has 71",
      );
    }
  });
});
