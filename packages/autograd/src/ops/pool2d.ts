import * as T from "@nabla/tensor";
import { type Input, type Variable, asVariable, record } from "../variable.js";
import { type Geometry, type Pair, checkNCHW, pair, windowGeometry } from "./conv2d.js";

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
    throw new Error(`${who}: padding ${padding[0]}×${padding[1]} must be at most half the kernel ${kernel[0]}×${kernel[1]}`);
  }
  checkNCHW(who, inputShape);
  return windowGeometry(who, inputShape, kernel, stride, padding, [1, 1]);
}

function floatInput(x: Variable): T.Tensor {
  return x.dtype === "int32" ? T.cast(x.value, "float32") : x.value;
}

/**
 * The largest element of each kH×kW window of x [N, C, H, W]; padding counts as -Infinity.
 * Forward remembers where each maximum came from (the first one in row-major window order when
 * several are equal, as PyTorch); backward sends each output gradient there and nowhere else.
 * A NaN in a window wins and propagates.
 */
export function maxPool2d(input: Input, kernelSize: Pair, options: Pool2dOptions = {}): Variable {
  const x = asVariable(input);
  const g = poolGeometry("maxPool2d", x.shape, kernelSize, options);
  const xv = floatInput(x);
  const xd = xv.data;
  const { n, c, h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = n * c;
  const out = T.allocate(xv.dtype, planes * oH * oW);
  // Flat index into x of each output's maximum.
  const argmax = new Int32Array(out.length);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + kW, w);
        let bestAt = base + hs * w + ws;
        let best = xd[bestAt]!;
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) {
            const v = xd[row + iw]!;
            // Strictly greater keeps the first of equal maxima; `best === best` is false once best is NaN.
            if (v > best || (v !== v && best === best)) {
              best = v;
              bestAt = row + iw;
            }
          }
        }
        out[q] = best;
        argmax[q] = bestAt;
      }
    }
  }
  const outShape = [n, c, oH, oW];
  return record("maxPool2d", [x], new T.Tensor(out, outShape), (grad) => {
    const gd = grad.data;
    const dx = T.allocate(xv.dtype, xv.size);
    for (let i = 0; i < argmax.length; i++) dx[argmax[i]!] += gd[i]!;
    return [new T.Tensor(dx, x.shape)];
  });
}

/**
 * The mean of each kH×kW window of x [N, C, H, W]. With countIncludePad (default) padded zeros
 * count, so every window divides by kH·kW; without, it divides by the real elements it covers.
 * Backward spreads each output gradient evenly, divided the same way, over its window.
 */
export function avgPool2d(input: Input, kernelSize: Pair, options: AvgPool2dOptions = {}): Variable {
  const x = asVariable(input);
  const g = poolGeometry("avgPool2d", x.shape, kernelSize, options);
  const { countIncludePad = true } = options;
  const xv = floatInput(x);
  const xd = xv.data;
  const { n, c, h, w, kH, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = n * c;
  // 1/divisor of each output position (the same for every plane).
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
  const out = T.allocate(xv.dtype, planes * oH * oW);
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
          for (let iw = ws; iw < we; iw++) s += xd[row + iw]!;
        }
        out[q] = s * scale[oh * oW + ow]!;
      }
    }
  }
  const outShape = [n, c, oH, oW];
  return record("avgPool2d", [x], new T.Tensor(out, outShape), (grad) => {
    const gd = grad.data;
    const dx = T.allocate(xv.dtype, xv.size);
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
          const share = gd[q]! * scale[oh * oW + ow]!;
          for (let ih = hs; ih < he; ih++) {
            const row = base + ih * w;
            for (let iw = ws; iw < we; iw++) dx[row + iw] += share;
          }
        }
      }
    }
    return [new T.Tensor(dx, x.shape)];
  });
}
