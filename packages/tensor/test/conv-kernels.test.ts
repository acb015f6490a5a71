import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { convKernelsWith, type WindowGeometry } from "../src/kernels/conv.js";
import { jsKernels } from "../src/kernels/js.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";
import { sameBits } from "./bits.js";

// The wasm convolution runs the reference's loops and gemm calls over the wasm sgemm, so it must
// give the bits of the TypeScript reference run over that same sgemm. Against the TypeScript
// kernels (their gemm sums in float64, wasm's in float32 lanes) it agrees to float32 rounding of
// sums of K = C·kH·kW (+1) products: the tolerance below is 1e-5 relative to Σ|terms|.

const gen = new Generator(11);
const randomInt = (lo: number, hi: number): number => lo + Math.floor(gen.random() * (hi - lo + 1));

function randomArray(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = gen.random() * 2 - 1;
  return x;
}

/** A random valid geometry (like the op's, PyTorch's output formula) with `outC` output channels. */
function randomGeometry(): { g: WindowGeometry; outC: number } {
  const [kH, kW] = [randomInt(1, 5), randomInt(1, 5)];
  const [sH, sW] = [randomInt(1, 3), randomInt(1, 3)];
  const [dH, dW] = [randomInt(1, 2), randomInt(1, 2)];
  const [pH, pW] = [randomInt(0, 2), randomInt(0, 2)];
  const spanH = dH * (kH - 1) + 1;
  const spanW = dW * (kW - 1) + 1;
  const h = Math.max(spanH - 2 * pH, 0) + randomInt(1, 9);
  const w = Math.max(spanW - 2 * pW, 0) + randomInt(1, 9);
  const oH = Math.floor((h + 2 * pH - spanH) / sH) + 1;
  const oW = Math.floor((w + 2 * pW - spanW) / sW) + 1;
  const g = { n: randomInt(1, 4), c: randomInt(1, 5), h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW };
  return { g, outC: randomInt(1, 9) };
}

const referenceOverWasmGemm = convKernelsWith(wasmKernels.gemm);

interface Case {
  g: WindowGeometry;
  outC: number;
  x: Float32Array;
  weight: Float32Array;
  bias: Float32Array | null;
  grad: Float32Array;
}

function randomCase(withBias: boolean): Case {
  const { g, outC } = randomGeometry();
  return {
    g,
    outC,
    x: randomArray(g.n * g.c * g.h * g.w),
    weight: randomArray(outC * g.c * g.kH * g.kW),
    bias: withBias ? randomArray(outC) : null,
    grad: randomArray(g.n * outC * g.oH * g.oW),
  };
}

/** forward, dx, dweight and dbias of `kernels` on one case. */
function run(kernels: Pick<typeof jsKernels, keyof typeof referenceOverWasmGemm>, c: Case): Float32Array[] {
  const { g, outC } = c;
  const out = new Float32Array(g.n * outC * g.oH * g.oW).fill(Number.NaN);
  kernels.conv2dForward(g, outC, c.x, c.weight, c.bias, out);
  const dx = new Float32Array(c.x.length).fill(Number.NaN);
  kernels.conv2dBackwardInput(g, outC, c.grad, c.weight, dx);
  const dweight = new Float32Array(c.weight.length).fill(Number.NaN);
  const dbias = c.bias === null ? null : new Float32Array(outC).fill(Number.NaN);
  kernels.conv2dBackwardWeight(g, outC, c.x, c.grad, dweight, dbias);
  return dbias === null ? [out, dx, dweight] : [out, dx, dweight, dbias];
}

describe("conv2d kernels", () => {
  it("wasm gives the bits of the TypeScript reference over the wasm sgemm, on 40 random geometries", () => {
    for (let t = 0; t < 40; t++) {
      const c = randomCase(t % 2 === 0);
      const expected = run(referenceOverWasmGemm, c);
      const got = run(wasmKernels, c);
      got.forEach((array, i) => {
        expect(sameBits(array, expected[i]!), `case ${t} ${JSON.stringify(c.g)}, output ${i}`).toBe(true);
      });
    }
  });

  it("wasm agrees with the TypeScript kernels to float32 rounding (their gemm sums in float64)", () => {
    for (let t = 0; t < 20; t++) {
      const c = randomCase(t % 2 === 1);
      const expected = run(jsKernels, c);
      const got = run(wasmKernels, c);
      // Every term is a product of two values in [-1, 1]: Σ|terms| ≤ the depth of the sum.
      const depth = [
        c.g.c * c.g.kH * c.g.kW + 1,
        c.outC * c.g.kH * c.g.kW,
        c.g.n * c.g.oH * c.g.oW,
        c.g.n * c.g.oH * c.g.oW,
      ];
      got.forEach((array, i) => {
        let worst = 0;
        array.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - expected[i]![j]!));
        });
        expect(worst, `case ${t}, output ${i}`).toBeLessThanOrEqual(1e-5 * depth[i]!);
      });
    }
  });

  it("float64 calls on the wasm kernels run the TypeScript reference", () => {
    const c = randomCase(true);
    const as64 = (a: Float32Array): Float64Array => Float64Array.from(a);
    const out = (k: typeof jsKernels): Float64Array => {
      const o = new Float64Array(c.g.n * c.outC * c.g.oH * c.g.oW);
      k.conv2dForward(c.g, c.outC, as64(c.x), as64(c.weight), as64(c.bias!), o);
      return o;
    };
    expect(out(wasmKernels)).toEqual(out(jsKernels));
  });

  it("names the geometry field or the array that is wrong", () => {
    const c = randomCase(false);
    for (const k of [jsKernels, wasmKernels]) {
      const out = new Float32Array(c.g.n * c.outC * c.g.oH * c.g.oW);
      expect(messageOf(() => k.conv2dForward({ ...c.g, sH: 0 }, c.outC, c.x, c.weight, null, out))).toBe(
        "conv2dForward: geometry.sH must be an integer ≥ 1, got 0",
      );
      expect(messageOf(() => k.conv2dForward(c.g, c.outC, c.x, c.weight, null, out.subarray(1)))).toBe(
        `conv2dForward: out needs ${out.length} elements, has ${out.length - 1}`,
      );
      expect(messageOf(() => k.conv2dForward({ ...c.g, oH: c.g.oH + 100 }, c.outC, c.x, c.weight, null, out))).toMatch(
        /^conv2dForward: output \d+×\d+ reads past the padded input/,
      );
      expect(
        messageOf(() =>
          k.conv2dBackwardInput(c.g, c.outC, c.grad, Float64Array.from(c.weight), new Float32Array(c.x.length)),
        ),
      ).toMatch(/^conv2dBackwardInput: every array must share one element type, got Float32Array and Float64Array/);
    }
  });
});
