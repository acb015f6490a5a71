import type { FloatArray } from "./kernels.js";

// 2-D convolution (cross-correlation) over NCHW batches as im2col + gemm, forward and both
// gradients, with the gemm passed in: the TypeScript kernels run them with the TypeScript gemm,
// and the wasm tests run them with the wasm sgemm to check the wasm convolution bit for bit.

/** Sizes of a 2-D window op (convolution or pooling) over x [n, c, h, w], validated by the op. */
export interface WindowGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kH: number;
  readonly kW: number;
  readonly sH: number;
  readonly sW: number;
  readonly pH: number;
  readonly pW: number;
  readonly dH: number;
  readonly dW: number;
  readonly oH: number;
  readonly oW: number;
}

/** The gemm of the Kernels interface (see kernels.ts). */
export type Gemm = (
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  transposeA: boolean,
  b: FloatArray,
  bOffset: number,
  transposeB: boolean,
  c: FloatArray,
  cOffset: number,
  accumulate: boolean,
) => void;

const GEOMETRY_FIELDS = ["n", "c", "h", "w", "kH", "kW", "sH", "sW", "pH", "pW", "dH", "dW", "oH", "oW"] as const;

/** Throws unless every size of g is a count (strides and dilations positive) and the output fits the input. */
export function checkGeometry(op: string, g: WindowGeometry): void {
  for (const field of GEOMETRY_FIELDS) {
    const v = g[field];
    const min = field[0] === "s" || field[0] === "d" || field[0] === "k" ? 1 : 0;
    if (!Number.isInteger(v) || v < min) {
      throw new Error(`${op}: geometry.${field} must be an integer ≥ ${min}, got ${v}`);
    }
  }
  const lastH = (g.oH - 1) * g.sH - g.pH + (g.kH - 1) * g.dH;
  const lastW = (g.oW - 1) * g.sW - g.pW + (g.kW - 1) * g.dW;
  if (g.oH > 0 && g.oW > 0 && (lastH >= g.h + g.pH || lastW >= g.w + g.pW)) {
    throw new Error(
      `${op}: output ${g.oH}×${g.oW} reads past the padded input ${g.h + 2 * g.pH}×${g.w + 2 * g.pW} ` +
        `(kernel ${g.kH}×${g.kW}, stride ${g.sH}×${g.sW}, dilation ${g.dH}×${g.dW})`,
    );
  }
}

/** Throws unless every array in `arrays` has one element type and at least the length given beside it. */
export function checkArrays(op: string, arrays: Record<string, [FloatArray | null, number]>): void {
  let type: { name: string } | null = null;
  for (const [name, [array, length]] of Object.entries(arrays)) {
    if (array === null) continue;
    if (type === null) type = array.constructor;
    else if (array.constructor !== type) {
      throw new Error(
        `${op}: every array must share one element type, got ${type.name} and ${array.constructor.name} (${name})`,
      );
    }
    if (array.length < length) throw new Error(`${op}: ${name} needs ${length} elements, has ${array.length}`);
  }
}

/** Checks the arguments of a convolution kernel: geometry, output channels, and array lengths. */
export function checkConvArgs(
  op: string,
  g: WindowGeometry,
  outC: number,
  arrays: Record<"x" | "weight" | "out", FloatArray> & { bias?: FloatArray | null },
): void {
  checkGeometry(op, g);
  if (!Number.isInteger(outC) || outC < 1) throw new Error(`${op}: outC must be a positive integer, got ${outC}`);
  checkArrays(op, {
    x: [arrays.x, g.n * g.c * g.h * g.w],
    weight: [arrays.weight, outC * g.c * g.kH * g.kW],
    bias: [arrays.bias ?? null, outC],
    out: [arrays.out, g.n * outC * g.oH * g.oW],
  });
}

/**
 * The first and one-past-last output index along an axis whose input index
 * o·stride − pad + offset lies inside [0, size): the rest of the row reads padding.
 */
function validRange(offset: number, stride: number, pad: number, size: number, outSize: number): [number, number] {
  const start = Math.min(outSize, Math.max(0, Math.ceil((pad - offset) / stride)));
  const end = Math.min(outSize, Math.floor((size - 1 + pad - offset) / stride) + 1);
  return [start, Math.max(start, end)];
}

/**
 * im2col for one sample at x[xOffset]: col[(c·kH + i)·kW + j][oh·oW + ow] =
 * x[c, oh·sH − pH + i·dH, ow·sW − pW + j·dW], zero where that falls in the padding. Each row of
 * col is one kernel tap seen at every output position, so the convolution becomes
 * weight[O, C·kH·kW] · col[C·kH·kW, oH·oW].
 */
function im2col(x: FloatArray, xOffset: number, g: WindowGeometry, col: FloatArray): void {
  const { c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW } = g;
  const plane = oH * oW;
  let row = 0;
  for (let ch = 0; ch < c; ch++) {
    const xc = xOffset + ch * h * w;
    for (let i = 0; i < kH; i++) {
      const [ohStart, ohEnd] = validRange(i * dH, sH, pH, h, oH);
      for (let j = 0; j < kW; j++, row += plane) {
        const [owStart, owEnd] = validRange(j * dW, sW, pW, w, oW);
        col.fill(0, row, row + ohStart * oW);
        for (let oh = ohStart; oh < ohEnd; oh++) {
          const dst = row + oh * oW;
          const src = xc + (oh * sH - pH + i * dH) * w - pW + j * dW;
          col.fill(0, dst, dst + owStart);
          if (sW === 1) for (let ow = owStart; ow < owEnd; ow++) col[dst + ow] = x[src + ow]!;
          else for (let ow = owStart; ow < owEnd; ow++) col[dst + ow] = x[src + ow * sW]!;
          col.fill(0, dst + owEnd, dst + oW);
        }
        col.fill(0, row + ohEnd * oW, row + plane);
      }
    }
  }
}

/** The adjoint of im2col: dx (one sample at dxOffset) = the sum of each entry of col onto the element it was copied from. */
function col2im(col: FloatArray, g: WindowGeometry, dx: FloatArray, dxOffset: number): void {
  const { c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW } = g;
  const plane = oH * oW;
  dx.fill(0, dxOffset, dxOffset + c * h * w);
  let row = 0;
  for (let ch = 0; ch < c; ch++) {
    const xc = dxOffset + ch * h * w;
    for (let i = 0; i < kH; i++) {
      const [ohStart, ohEnd] = validRange(i * dH, sH, pH, h, oH);
      for (let j = 0; j < kW; j++, row += plane) {
        const [owStart, owEnd] = validRange(j * dW, sW, pW, w, oW);
        for (let oh = ohStart; oh < ohEnd; oh++) {
          const src = row + oh * oW;
          const dst = xc + (oh * sH - pH + i * dH) * w - pW + j * dW;
          for (let ow = owStart; ow < owEnd; ow++) dx[dst + ow * sW] += col[src + ow]!;
        }
      }
    }
  }
}

// One im2col matrix and one weight-with-bias matrix per element type, grown on demand and reused
// by every call, so a training loop allocates none. Calls never interleave.
const scratch32 = { col: new Float32Array(0), weight: new Float32Array(0) };
const scratch64 = { col: new Float64Array(0), weight: new Float64Array(0) };

function scratchLike(like: FloatArray, which: "col" | "weight", size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (scratch32[which].length < size) scratch32[which] = new Float32Array(size);
    return scratch32[which];
  }
  if (scratch64[which].length < size) scratch64[which] = new Float64Array(size);
  return scratch64[which];
}

/** col for sample n, with a last row of ones when `ones` (it multiplies the bias column). */
function columns(x: FloatArray, n: number, g: WindowGeometry, ones: boolean): FloatArray {
  const K = g.c * g.kH * g.kW;
  const P = g.oH * g.oW;
  const col = scratchLike(x, "col", (ones ? K + 1 : K) * P);
  im2col(x, n * g.c * g.h * g.w, g, col);
  if (ones) col.fill(1, K * P, (K + 1) * P);
  return col;
}

/** The convolution kernels over a given gemm. */
export function convKernelsWith(gemm: Gemm) {
  return {
    /**
     * out [N, O, oH, oW] = x [N, C, H, W] ⋆ weight [O, C, kH, kW] (+ bias [O]). Per sample one
     * gemm: weight · col, where a bias rides along as an extra weight column times a row of ones.
     */
    conv2dForward(
      g: WindowGeometry,
      outC: number,
      x: FloatArray,
      weight: FloatArray,
      bias: FloatArray | null,
      out: FloatArray,
    ): void {
      checkConvArgs("conv2dForward", g, outC, { x, weight, bias, out });
      const K = g.c * g.kH * g.kW;
      const P = g.oH * g.oW;
      let wb = weight;
      if (bias !== null) {
        wb = scratchLike(weight, "weight", outC * (K + 1));
        for (let o = 0; o < outC; o++) {
          wb.set(weight.subarray(o * K, o * K + K), o * (K + 1));
          wb[o * (K + 1) + K] = bias[o]!;
        }
      }
      const Kb = bias === null ? K : K + 1;
      for (let n = 0; n < g.n; n++) {
        gemm(outC, P, Kb, wb, 0, false, columns(x, n, g, bias !== null), 0, false, out, n * outC * P, false);
      }
    },

    /**
     * dx [N, C, H, W] = the gradient of the convolution with respect to x, given grad [N, O, oH, oW]:
     * per sample dcol = weightᵀ · grad_n (one gemm), folded back onto dx_n by col2im.
     */
    conv2dBackwardInput(g: WindowGeometry, outC: number, grad: FloatArray, weight: FloatArray, dx: FloatArray): void {
      checkConvArgs("conv2dBackwardInput", g, outC, { x: dx, weight, out: grad });
      const K = g.c * g.kH * g.kW;
      const P = g.oH * g.oW;
      const col = scratchLike(dx, "col", K * P);
      for (let n = 0; n < g.n; n++) {
        gemm(K, P, outC, weight, 0, true, grad, n * outC * P, false, col, 0, false);
        col2im(col, g, dx, n * g.c * g.h * g.w);
      }
    },

    /**
     * dweight [O, C, kH, kW] (and dbias [O] unless null) = the gradient of the convolution with
     * respect to its weight and bias: Σ_n grad_n · [col_n; 1]ᵀ, accumulated by one gemm per sample
     * (col rebuilt rather than kept for the whole batch).
     */
    conv2dBackwardWeight(
      g: WindowGeometry,
      outC: number,
      x: FloatArray,
      grad: FloatArray,
      dweight: FloatArray,
      dbias: FloatArray | null,
    ): void {
      checkConvArgs("conv2dBackwardWeight", g, outC, { x, weight: dweight, bias: dbias, out: grad });
      const K = g.c * g.kH * g.kW;
      const P = g.oH * g.oW;
      const Kb = dbias === null ? K : K + 1;
      const dwb = dbias === null ? dweight : scratchLike(dweight, "weight", outC * Kb);
      if (g.n === 0) dwb.fill(0, 0, outC * Kb);
      for (let n = 0; n < g.n; n++) {
        gemm(outC, Kb, P, grad, n * outC * P, false, columns(x, n, g, dbias !== null), 0, true, dwb, 0, n > 0);
      }
      if (dbias === null) return;
      for (let o = 0; o < outC; o++) {
        dweight.set(dwb.subarray(o * Kb, o * Kb + K), o * K);
        dbias[o] = dwb[o * Kb + K]!;
      }
    },
  };
}
