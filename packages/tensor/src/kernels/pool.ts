import { checkArrays, checkGeometry, type WindowGeometry } from "./conv.js";
import type { FloatArray } from "./kernels.js";

// Max and average pooling over NCHW batches, forward and backward, one pass each (a backward
// zero-fills dx first). Windows may overlap and may hang over the padding; every window holds
// at least one real element (the op checks padding ≤ kernel/2, PyTorch's rule).

/**
 * Checks the geometry (dilation 1), the types and lengths of the input-sized array (x or dx) and
 * the output-sized one (out or grad), each given as { name: array }, and argmax's length.
 */
export function checkPoolArgs(
  op: string,
  g: WindowGeometry,
  inputSized: Record<string, FloatArray>,
  outputSized: Record<string, FloatArray>,
  argmax: WindowOffsets | null,
): void {
  if (g.dH !== 1 || g.dW !== 1) throw new Error(`${op}: dilation must be 1×1, got ${g.dH}×${g.dW}`);
  checkGeometry(op, g);
  const outputs = g.n * g.c * g.oH * g.oW;
  const [[inName, inArray]] = Object.entries(inputSized) as [[string, FloatArray]];
  const [[outName, outArray]] = Object.entries(outputSized) as [[string, FloatArray]];
  checkArrays(op, { [inName]: [inArray, g.n * g.c * g.h * g.w], [outName]: [outArray, outputs] });
  if (argmax !== null && argmax.length < outputs) {
    throw new Error(`${op}: argmax needs ${outputs} elements, has ${argmax.length}`);
  }
}

/**
 * Where each window's maximum sits, as an offset (ih − h0)·kW + (iw − w0) from the window's
 * corner: one byte per output for any window up to 16×16 (the op's choice) instead of a
 * four-byte flat index.
 */
export type WindowOffsets = Uint8Array | Int32Array;

/**
 * Max of each window into `out`, and the offset of the (first) maximum into `argmax`. Strictly
 * greater keeps the first of equal maxima; `best === best` is false once best is NaN, so the
 * first NaN wins and stays. 2×2 windows that lie inside the input (nearly every window of nearly
 * every CNN) take an unrolled path: the general loop nest costs twice as much there.
 */
function maxPool2dForward(g: WindowGeometry, x: FloatArray, out: FloatArray, argmax: WindowOffsets): void {
  checkPoolArgs("maxPool2dForward", g, { x }, { out }, argmax);
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

/** dx = each output's gradient sent to its window's maximum (summed where windows overlap), zero elsewhere. */
function maxPool2dBackward(g: WindowGeometry, grad: FloatArray, argmax: WindowOffsets, dx: FloatArray): void {
  checkPoolArgs("maxPool2dBackward", g, { dx }, { grad }, argmax);
  dx.fill(0, 0, g.n * g.c * g.h * g.w);
  const { h, w, kW, sH, sW, pH, pW, oH, oW } = g;
  const planes = g.n * g.c;
  for (let pl = 0, q = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const corner = base + (oh * sH - pH) * w - pW;
      for (let ow = 0; ow < oW; ow++, q++) {
        // The window offset as a flat step from the window's corner.
        const off = argmax[q]!;
        dx[corner + ow * sW + ((off / kW) | 0) * w + (off % kW)] += grad[q]!;
      }
    }
  }
}

/** 1/divisor of the window at (h0, w0): kH·kW with countIncludePad, else the real elements it covers. */
function avgScale(g: WindowGeometry, countIncludePad: boolean, h0: number, w0: number): number {
  if (countIncludePad) return 1 / (g.kH * g.kW);
  const rows = Math.min(h0 + g.kH, g.h) - Math.max(h0, 0);
  const cols = Math.min(w0 + g.kW, g.w) - Math.max(w0, 0);
  return 1 / (rows * cols);
}

/** out = each window's sum (in float64) times 1/divisor. */
function avgPool2dForward(g: WindowGeometry, countIncludePad: boolean, x: FloatArray, out: FloatArray): void {
  checkPoolArgs("avgPool2dForward", g, { x }, { out }, null);
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
        out[q] = s * avgScale(g, countIncludePad, h0, w0);
      }
    }
  }
}

/** dx = each output's gradient times 1/divisor, spread over its window (summed where windows overlap). */
function avgPool2dBackward(g: WindowGeometry, countIncludePad: boolean, grad: FloatArray, dx: FloatArray): void {
  checkPoolArgs("avgPool2dBackward", g, { dx }, { grad }, null);
  dx.fill(0, 0, g.n * g.c * g.h * g.w);
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
        const share = grad[q]! * avgScale(g, countIncludePad, h0, w0);
        for (let ih = hs; ih < he; ih++) {
          const row = base + ih * w;
          for (let iw = ws; iw < we; iw++) dx[row + iw] += share;
        }
      }
    }
  }
}

/** The pooling kernels (TypeScript reference). */
export const poolKernels = { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward };
