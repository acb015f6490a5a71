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

// The loops live in top-level functions over plain arguments, like the gemm kernels; the ops
// below only validate, allocate and record.

/**
 * Where each window's maximum sits, as an offset (ih − h0)·kW + (iw − w0) from the window's
 * corner: one byte per output for any window up to 16×16 instead of a four-byte flat index. The
 * CNN's pooling holds ~0.8 million of these per batch, and fresh memory is expensive (page
 * faults on first write): Uint8Array made the forward ~2 ms faster per batch of 35.
 */
type WindowOffsets = Uint8Array | Int32Array;

function windowOffsets(g: Geometry, size: number): WindowOffsets {
  return g.kH * g.kW <= 256 ? new Uint8Array(size) : new Int32Array(size);
}

/**
 * Max of each window into `out`, and the offset of the (first) maximum into `argmax`. Strictly
 * greater keeps the first of equal maxima; `best === best` is false once best is NaN, so the
 * first NaN wins and stays. 2×2 windows that lie inside the input (nearly every window of nearly
 * every CNN) take an unrolled path: the general loop nest costs twice as much there.
 */
function maxPoolForward(x: Float, g: Geometry, out: Float, argmax: WindowOffsets): void {
  const { h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = g.n * g.c;
  const twoByTwo = kH === 2 && kW === 2;
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + kH, h);
      const rowInside = twoByTwo && hs === h0 && he === h0 + 2;
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        if (rowInside && w0 >= 0 && w0 + 2 <= w) {
          const at = base + h0 * w + w0;
          let bestOffset = 0;
          let best = x[at]!;
          let v = x[at + 1]!;
          if (v > best || (v !== v && best === best)) {
            best = v;
            bestOffset = 1;
          }
          v = x[at + w]!;
          if (v > best || (v !== v && best === best)) {
            best = v;
            bestOffset = 2;
          }
          v = x[at + w + 1]!;
          if (v > best || (v !== v && best === best)) {
            best = v;
            bestOffset = 3;
          }
          out[q] = best;
          argmax[q] = bestOffset;
          continue;
        }
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + kW, w);
        let bestOffset = (hs - h0) * kW + (ws - w0);
        let best = x[base + hs * w + ws]!;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) {
            const v = x[row + iw]!;
            if (v > best || (v !== v && best === best)) {
              best = v;
              bestOffset = (ih - h0) * kW + (iw - w0);
            }
          }
        }
        out[q] = best;
        argmax[q] = bestOffset;
      }
    }
  }
}

/** dx[the maximum of each window] += that output's gradient. */
function maxPoolBackward(grad: Float, g: Geometry, argmax: WindowOffsets, dx: Float): void {
  const { h, w, kW, sH, sW, pH, pW, oH, oW } = g;
  // A window offset → a flat step from the window's corner.
  const step = new Int32Array(g.kH * kW);
  for (let off = 0; off < step.length; off++) step[off] = Math.floor(off / kW) * w + (off % kW);
  const planes = g.n * g.c;
  for (let pl = 0, q = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const corner = base + (oh * sH - pH) * w - pW;
      for (let ow = 0; ow < oW; ow++, q++) dx[corner + ow * sW + step[argmax[q]!]!] += grad[q]!;
    }
  }
}

/** 1/divisor of each output position (the same for every plane). */
function avgPoolScale(g: Geometry, countIncludePad: boolean): Float64Array {
  const { h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const scale = new Float64Array(oH * oW);
  for (let oh = 0; oh < oH; oh++) {
    const h0 = oh * sH - pH;
    const rows = Math.min(h0 + kH, h) - Math.max(h0, 0);
    for (let ow = 0; ow < oW; ow++) {
      const w0 = ow * sW - pW;
      const cols = Math.min(w0 + kW, w) - Math.max(w0, 0);
      scale[oh * oW + ow] = 1 / (countIncludePad ? kH * kW : rows * cols);
    }
  }
  return scale;
}

/** out = each window's sum times its scale. */
function avgPoolForward(x: Float, g: Geometry, scale: Float64Array, out: Float): void {
  const { h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = g.n * g.c;
  for (let pl = 0, q = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + kW, w);
        let s = 0;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) s += x[row + iw]!;
        }
        out[q] = s * scale[oh * oW + ow]!;
      }
    }
  }
}

/** dx += each output's gradient times its scale, over its window. */
function avgPoolBackward(grad: Float, g: Geometry, scale: Float64Array, dx: Float): void {
  const { h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = g.n * g.c;
  for (let pl = 0, q = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + kW, w);
        const share = grad[q]! * scale[oh * oW + ow]!;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) dx[row + iw] += share;
        }
      }
    }
  }
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
  maxPoolForward(xv.data as Float, g, out, argmax);
  return record(
    "maxPool2d",
    [x],
    new T.Tensor(out, [g.n, g.c, g.oH, g.oW]),
    (grad) => {
      const dx = T.allocate(xv.dtype, xv.size) as Float;
      maxPoolBackward(grad.data as Float, g, argmax, dx);
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
  const scale = avgPoolScale(g, countIncludePad);
  const out = T.allocate(xv.dtype, g.n * g.c * g.oH * g.oW) as Float;
  avgPoolForward(xv.data as Float, g, scale, out);
  return record(
    "avgPool2d",
    [x],
    new T.Tensor(out, [g.n, g.c, g.oH, g.oW]),
    (grad) => {
      const dx = T.allocate(xv.dtype, xv.size) as Float;
      avgPoolBackward(grad.data as Float, g, scale, dx);
      return [new T.Tensor(dx, x.shape)];
    },
    [],
  );
}
