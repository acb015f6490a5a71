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
export type Geometry = T.WindowGeometry;

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

function floatData(t: T.Tensor, dtype: "float32" | "float64"): Float {
  return (t.dtype === dtype ? t : T.cast(t, dtype)).data as Float;
}

/**
 * 2-D cross-correlation (what every framework calls convolution) of x [N, C, H, W] with
 * weight [O, C, kH, kW], plus bias [O]: out [N, O, oH, oW]. One graph node; the loops are the
 * kernels' conv2dForward, conv2dBackwardInput and conv2dBackwardWeight (im2col + gemm per sample).
 * dx is skipped when x needs no gradient (a first layer), dW and db when neither needs one.
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
  const out = T.allocate(dtype, g.n * outC * g.oH * g.oW, "conv2d", shape) as Float;
  T.kernels.conv2dForward(g, outC, xd, wd, b === null ? null : floatData(b.value, dtype), out);

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
        dw = T.allocate(dtype, wt.size) as Float;
        db = b === null ? null : (T.allocate(dtype, outC) as Float);
        T.kernels.conv2dBackwardWeight(g, outC, xd, gd, dw, db);
      }
      let dx: Float | null = null;
      if (x.requiresGrad) {
        dx = T.allocate(dtype, x.size) as Float;
        T.kernels.conv2dBackwardInput(g, outC, gd, wd, dx);
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
