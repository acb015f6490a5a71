import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";
import { checkNCHW, type Geometry, type Pair, pair, windowGeometry } from "./conv2d.js";

export interface Pool2dOptions {
  /** Step between windows; defaults to the kernel size (non-overlapping windows), as in PyTorch. */
  stride?: Pair;
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count padded zeros in the divisor (default true, as PyTorch); false divides by the real elements only. */
  countIncludePad?: boolean;
}

/**
 * The output shape of a pooling op on [N, C, H, W], or the error it would throw, naming `who`.
 * Padding may be at most half the kernel (PyTorch's rule), so every window holds a real element.
 */
export function pool2dOutputShape(
  inputShape: readonly number[],
  kernelSize: Pair,
  options: Pool2dOptions = {},
  who = "pool2d",
): [number, number, number, number] {
  const g = poolGeometry(who, inputShape, kernelSize, options);
  return [g.n, g.c, g.oH, g.oW];
}

function poolGeometry(who: string, inputShape: readonly number[], kernelSize: Pair, options: Pool2dOptions): Geometry {
  const kernel = pair(who, "kernelSize", kernelSize, 1, 1);
  const stride = pair(who, "stride", options.stride ?? kernel, 1, 1);
  const padding = pair(who, "padding", options.padding, 0, 0);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new Error(
      `${who}: padding ${padding[0]}×${padding[1]} must be at most half the kernel ${kernel[0]}×${kernel[1]}`,
    );
  }
  checkNCHW(who, inputShape);
  return windowGeometry(who, inputShape, kernel, stride, padding, [1, 1]);
}

type Float = Float32Array | Float64Array;

function floatInput(x: Variable): T.Tensor {
  return x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
}

/**
 * Where each window's maximum sits, as an offset from the window's corner: one byte per output
 * for any window up to 16×16 instead of a four-byte flat index. The CNN's pooling holds ~0.8
 * million of these per batch, and fresh memory is expensive (page faults on first write):
 * Uint8Array made the forward ~2 ms faster per batch of 35.
 */
function windowOffsets(g: Geometry, size: number): Uint8Array | Int32Array {
  return g.kH * g.kW <= 256 ? new Uint8Array(size) : new Int32Array(size);
}

/**
 * The largest element of each kH×kW window of x [N, C, H, W]; padding counts as -Infinity.
 * Forward remembers where each maximum came from (the first one in row-major window order when
 * several are equal, as PyTorch); backward sends each output gradient there and nowhere else.
 * A NaN in a window wins and propagates.
 */
export function maxPool2d(input: Input, kernelSize: Pair, options: Pool2dOptions = {}): Variable {
  T.checkOptions("maxPool2d", options, ["stride", "padding"]);
  const x = asVariable(input, undefined, "maxPool2d");
  const g = poolGeometry("maxPool2d", x.shape, kernelSize, options);
  const xv = floatInput(x);
  const out = T.allocate(xv.dtype, g.n * g.c * g.oH * g.oW) as Float;
  const argmax = windowOffsets(g, out.length);
  T.kernels.maxPool2dForward(g, xv.data as Float, out, argmax);
  return record(
    "maxPool2d",
    [x],
    new T.Tensor(out, [g.n, g.c, g.oH, g.oW]),
    (grad) => {
      const dx = T.allocate(xv.dtype, xv.size) as Float;
      T.kernels.maxPool2dBackward(g, grad.data as Float, argmax, dx);
      return [new T.Tensor(dx, x.shape)];
    },
    [],
  );
}

/**
 * The mean of each kH×kW window of x [N, C, H, W]. With countIncludePad (default) padded zeros
 * count, so every window divides by kH·kW; without, it divides by the real elements it covers.
 * Backward spreads each output gradient evenly, divided the same way, over its window.
 */
export function avgPool2d(input: Input, kernelSize: Pair, options: AvgPool2dOptions = {}): Variable {
  T.checkOptions("avgPool2d", options, ["stride", "padding", "countIncludePad"]);
  const x = asVariable(input, undefined, "avgPool2d");
  const g = poolGeometry("avgPool2d", x.shape, kernelSize, options);
  const { countIncludePad = true } = options;
  const xv = floatInput(x);
  const out = T.allocate(xv.dtype, g.n * g.c * g.oH * g.oW) as Float;
  T.kernels.avgPool2dForward(g, countIncludePad, xv.data as Float, out);
  return record(
    "avgPool2d",
    [x],
    new T.Tensor(out, [g.n, g.c, g.oH, g.oW]),
    (grad) => {
      const dx = T.allocate(xv.dtype, xv.size) as Float;
      T.kernels.avgPool2dBackward(g, countIncludePad, grad.data as Float, dx);
      return [new T.Tensor(dx, x.shape)];
    },
    [],
  );
}
