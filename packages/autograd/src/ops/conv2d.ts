import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

/** One value for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zeros added on each side of the input (default 0). */
  padding?: Pair;
  /** Spacing between kernel taps (default 1); a k×k kernel with dilation d spans d·(k-1)+1. */
  dilation?: Pair;
}

/** Everything a 2-D window op needs to know about its sizes, validated once. */
export interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  dH: number;
  dW: number;
  oH: number;
  oW: number;
}

/** A Pair as [height, width], or an error naming `who`, `what` and the smallest value allowed. */
export function pair(who: string, what: string, v: Pair | undefined, fallback: number, min: number): [number, number] {
  const p: readonly unknown[] =
    v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : Array.isArray(v) ? v : [v];
  if (p.length !== 2 || !p.every((d) => typeof d === "number" && Number.isInteger(d) && d >= min)) {
    const expected = min === 0 ? "non-negative integer" : "positive integer";
    throw new Error(`${who}: ${what} must be a ${expected} or a pair [height, width] of them, got ${T.formatValue(v)}`);
  }
  return p as [number, number];
}

/**
 * Output height and width of a window op, PyTorch's formula: ⌊(size + 2·pad − span)/stride⌋ + 1
 * with span = dilation·(kernel − 1) + 1. Rows and columns that do not fill a last window are
 * dropped (floor), as in PyTorch; a kernel that spans more than the padded input is an error.
 */
export function windowGeometry(
  who: string,
  inputShape: readonly number[],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  dilation: readonly [number, number],
): Geometry {
  const [n, c, h, w] = inputShape as [number, number, number, number];
  const [kH, kW] = kernel;
  const [sH, sW] = stride;
  const [pH, pW] = padding;
  const [dH, dW] = dilation;
  const spanH = dH * (kH - 1) + 1;
  const spanW = dW * (kW - 1) + 1;
  if (spanH > h + 2 * pH || spanW > w + 2 * pW) {
    const spans = dH === 1 && dW === 1 ? "" : ` (dilation ${dH}×${dW}: spans ${spanH}×${spanW})`;
    throw new Error(
      `${who}: kernel ${kH}×${kW}${spans} is larger than the padded input ${h + 2 * pH}×${w + 2 * pW} ` +
        `(input ${h}×${w}, padding ${pH}×${pW}, input shape ${T.formatShape(inputShape)}); the output would be empty`,
    );
  }
  const oH = Math.floor((h + 2 * pH - spanH) / sH) + 1;
  const oW = Math.floor((w + 2 * pW - spanW) / sW) + 1;
  return { n, c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW };
}

/** Rejects anything but [N, C, H, W], naming `who`. */
export function checkNCHW(who: string, shape: readonly number[]): void {
  if (shape.length !== 4) {
    const hint = shape.length === 3 ? "; add a batch axis with unsqueeze(x, 0)" : "";
    throw new Error(`${who}: input must be 4-D [N,C,H,W], got shape ${T.formatShape(shape)}${hint}`);
  }
}

/**
 * The output shape of conv2d for an input [N, C, H, W] and a weight [O, C, kH, kW], or the error
 * the op would throw, naming `who` (a layer passes its own description).
 */
export function conv2dOutputShape(
  inputShape: readonly number[],
  weightShape: readonly number[],
  options: Conv2dOptions = {},
  who = "conv2d",
): [number, number, number, number] {
  return convGeometry(who, inputShape, weightShape, options).shape;
}

function convGeometry(
  who: string,
  inputShape: readonly number[],
  weightShape: readonly number[],
  options: Conv2dOptions,
): { g: Geometry; outC: number; shape: [number, number, number, number] } {
  const stride = pair(who, "stride", options.stride, 1, 1);
  const padding = pair(who, "padding", options.padding, 0, 0);
  const dilation = pair(who, "dilation", options.dilation, 1, 1);
  checkNCHW(who, inputShape);
  if (weightShape.length !== 4 || weightShape.some((d) => d === 0)) {
    throw new Error(
      `${who}: weight must be 4-D [out,in,kH,kW] with no empty axis, got shape ${T.formatShape(weightShape)}`,
    );
  }
  const [outC, inC, kH, kW] = weightShape as [number, number, number, number];
  if (inputShape[1] !== inC) {
    throw new Error(
      `${who}: input has ${inputShape[1]} channels, expected ${inC} (input shape ${T.formatShape(inputShape)})`,
    );
  }
  const g = windowGeometry(who, inputShape, [kH, kW], stride, padding, dilation);
  return { g, outC, shape: [g.n, outC, g.oH, g.oW] };
}

type Float = Float32Array | Float64Array;

// One im2col matrix per element type, grown on demand and reused by every conv2d call (forward
// and backward), so a training loop allocates none. Calls never interleave: each fills and
// consumes it before returning.
let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

function scratch(dtype: "float32" | "float64", size: number): Float {
  if (dtype === "float32") {
    if (scratch32.length < size) scratch32 = new Float32Array(size);
    return scratch32;
  }
  if (scratch64.length < size) scratch64 = new Float64Array(size);
  return scratch64;
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
 * im2col for sample `n`: col[(c·kH + i)·kW + j][oh·oW + ow] = x[n, c, oh·sH − pH + i·dH, ow·sW − pW + j·dW],
 * zero where that falls in the padding. Each row of col is one kernel tap seen at every output position,
 * so the convolution becomes weight[O, C·kH·kW] · col[C·kH·kW, oH·oW].
 */
function im2col(x: Float, xOffset: number, g: Geometry, col: Float): void {
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
          for (let ow = 0; ow < owStart; ow++) col[dst + ow] = 0;
          if (sW === 1) {
            for (let ow = owStart; ow < owEnd; ow++) col[dst + ow] = x[src + ow]!;
          } else {
            for (let ow = owStart; ow < owEnd; ow++) col[dst + ow] = x[src + ow * sW]!;
          }
          for (let ow = owEnd; ow < oW; ow++) col[dst + ow] = 0;
        }
        col.fill(0, row + ohEnd * oW, row + plane);
      }
    }
  }
}

/** The adjoint of im2col: adds each entry of col back onto the input element it was copied from. */
function col2im(col: Float, g: Geometry, dx: Float, dxOffset: number): void {
  const { c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW } = g;
  const plane = oH * oW;
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

/** weight [O, K] with the bias appended as column K: [O, K + 1]. */
function appendBias(w: Float, bias: Float, outC: number, K: number, out: Float): Float {
  for (let o = 0; o < outC; o++) {
    for (let k = 0; k < K; k++) out[o * (K + 1) + k] = w[o * K + k]!;
    out[o * (K + 1) + K] = bias[o]!;
  }
  return out;
}

function floatData(t: T.Tensor, dtype: "float32" | "float64"): Float {
  return (t.dtype === dtype ? t : T.cast(t, dtype)).data as Float;
}

/**
 * 2-D cross-correlation (what every framework calls convolution) of x [N, C, H, W] with
 * weight [O, C, kH, kW], plus bias [O]: out [N, O, oH, oW]. One graph node.
 *
 * Per sample, im2col lays the receptive fields out as a [K = C·kH·kW, oH·oW] matrix in a reused
 * buffer and one gemm computes weight · col straight into the output. With a bias, col gets an
 * extra row of ones and the weight an extra column holding the bias, so the same gemm adds the
 * bias, and in the backward the same gemm that gives dW sums db (no separate passes).
 * Backward, per sample, with g_n = ∂L/∂out_n seen as [O, oH·oW]: [dW | db] += g_n · [col_n; 1]ᵀ
 * (transpose flag; col rebuilt rather than kept for the whole batch), dcol = Wᵀ · g_n and col2im
 * adds it into dx_n. dx is skipped when x needs no gradient (a first layer).
 */
export function conv2d(input: Input, weight: Input, bias?: Input | null, options: Conv2dOptions = {}): Variable {
  T.checkOptions("conv2d", options, ["stride", "padding", "dilation"]);
  const x = asVariable(input, undefined, "conv2d");
  const wt = asVariable(weight, undefined, "conv2d");
  const b = bias === undefined || bias === null ? null : asVariable(bias, undefined, "conv2d");
  const { g, outC, shape } = convGeometry("conv2d", x.shape, wt.shape, options);
  if (b !== null && (b.rank !== 1 || b.shape[0] !== outC)) {
    throw new Error(
      `conv2d: bias must have shape [${outC}] for weight ${T.formatShape(wt.shape)}, got ${T.formatShape(b.shape)}`,
    );
  }
  // gemm needs one element type: promote like the elementwise ops (int32 → float32).
  const dtype = [x, wt, b].some((v) => v?.dtype === "float64") ? "float64" : "float32";
  const xd = floatData(x.value, dtype);
  const wd = floatData(wt.value, dtype);
  const K = g.c * g.kH * g.kW;
  const Kb = b === null ? K : K + 1;
  const P = g.oH * g.oW;
  const inPlane = g.c * g.h * g.w;
  const outPlane = outC * P;
  const wb =
    b === null ? wd : appendBias(wd, floatData(b.value, dtype), outC, K, T.allocate(dtype, outC * Kb) as Float);
  /** col for sample n, with the row of ones when there is a bias. */
  const columns = (n: number): Float => {
    const col = scratch(dtype, Kb * P);
    im2col(xd, n * inPlane, g, col);
    if (b !== null) col.fill(1, K * P, Kb * P);
    return col;
  };

  const out = T.allocate(dtype, g.n * outPlane, "conv2d", shape) as Float;
  for (let n = 0; n < g.n; n++)
    T.kernels.gemm(outC, P, Kb, wb, 0, false, columns(n), 0, false, out, n * outPlane, false);

  const inputs = b === null ? [x, wt] : [x, wt, b];
  return record(
    "conv2d",
    inputs,
    new T.Tensor(out, shape),
    (grad) => {
      const gd = floatData(grad, dtype);
      let dw: Float | null = null;
      let db: Float | null = null;
      if (wt.requiresGrad || b?.requiresGrad) {
        const dwb = T.allocate(dtype, outC * Kb) as Float;
        for (let n = 0; n < g.n; n++)
          T.kernels.gemm(outC, Kb, P, gd, n * outPlane, false, columns(n), 0, true, dwb, 0, n > 0);
        if (b === null) dw = dwb;
        else {
          dw = T.allocate(dtype, outC * K) as Float;
          db = T.allocate(dtype, outC) as Float;
          for (let o = 0; o < outC; o++) {
            for (let k = 0; k < K; k++) dw[o * K + k] = dwb[o * Kb + k]!;
            db[o] = dwb[o * Kb + K]!;
          }
        }
      }
      let dx: Float | null = null;
      if (x.requiresGrad) {
        dx = T.allocate(dtype, g.n * inPlane) as Float;
        const col = scratch(dtype, K * P);
        for (let n = 0; n < g.n; n++) {
          T.kernels.gemm(K, P, outC, wd, 0, true, gd, n * outPlane, false, col, 0, false);
          col2im(col, g, dx, n * inPlane);
        }
      }
      return [
        dx === null ? null : new T.Tensor(dx, x.shape),
        wt.requiresGrad ? new T.Tensor(dw!, wt.shape) : null,
        b?.requiresGrad ? new T.Tensor(db!, [outC]) : null,
      ];
    },
    [x.value, wt.value],
  );
}
