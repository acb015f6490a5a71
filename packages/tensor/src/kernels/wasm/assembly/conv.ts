// AssemblyScript: 2-D convolution over float32 NCHW batches as im2col + sgemm, forward and both
// gradients, a whole batch per call so no operand crosses between JS and wasm more than once.
// The loops and the gemm calls are those of the TypeScript reference (../../conv.ts), one sample
// at a time, so the results are the bits of that reference run over this module's sgemm.
//
// A window geometry is 14 i32 at `geom`: n, c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW.
import { sgemm } from "./gemm";

// @ts-ignore: decorator
@inline
function field(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

/** First output index along an axis whose input index o·stride − pad + offset is ≥ 0. */
// @ts-ignore: decorator
@inline
function validStart(offset: i32, stride: i32, pad: i32, outSize: i32): i32 {
  const num = pad - offset;
  return num <= 0 ? 0 : min(outSize, (num + stride - 1) / stride);
}

/** One past the last output index whose input index is < size (at least `start`). */
// @ts-ignore: decorator
@inline
function validEnd(start: i32, offset: i32, stride: i32, pad: i32, size: i32, outSize: i32): i32 {
  const num = size - 1 + pad - offset;
  return num < 0 ? start : max(start, min(outSize, num / stride + 1));
}

function zero(p: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(p + (<usize>i << 2), f32x4.splat(0));
  for (; i < count; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** col [C·kH·kW, oH·oW] of one sample at x (see the reference's im2col). */
function im2col(geom: usize, x: usize, col: usize): void {
  const c = field(geom, 1), h = field(geom, 2), w = field(geom, 3);
  const kH = field(geom, 4), kW = field(geom, 5), sH = field(geom, 6), sW = field(geom, 7);
  const pH = field(geom, 8), pW = field(geom, 9), dH = field(geom, 10), dW = field(geom, 11);
  const oH = field(geom, 12), oW = field(geom, 13);
  const plane = oH * oW;
  let row: usize = col;
  for (let ch = 0; ch < c; ch++) {
    const xc = x + ((<usize>ch * h * w) << 2);
    for (let i = 0; i < kH; i++) {
      const ohStart = validStart(i * dH, sH, pH, oH);
      const ohEnd = validEnd(ohStart, i * dH, sH, pH, h, oH);
      for (let j = 0; j < kW; j++, row += <usize>plane << 2) {
        const owStart = validStart(j * dW, sW, pW, oW);
        const owEnd = validEnd(owStart, j * dW, sW, pW, w, oW);
        zero(row, ohStart * oW);
        for (let oh = ohStart; oh < ohEnd; oh++) {
          const dst = row + ((<usize>oh * oW) << 2);
          // May point before x (left padding): only indices from owStart on are read.
          const src = xc + ((<isize>((oh * sH - pH + i * dH) * w - pW + j * dW)) << 2);
          for (let ow = 0; ow < owStart; ow++) store<f32>(dst + (<usize>ow << 2), 0);
          if (sW == 1) {
            let ow = owStart;
            for (; ow + 4 <= owEnd; ow += 4) v128.store(dst + (<usize>ow << 2), v128.load(src + (<usize>ow << 2)));
            for (; ow < owEnd; ow++) store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>ow << 2)));
          } else {
            for (let ow = owStart; ow < owEnd; ow++) {
              store<f32>(dst + (<usize>ow << 2), load<f32>(src + ((<usize>ow * sW) << 2)));
            }
          }
          for (let ow = owEnd; ow < oW; ow++) store<f32>(dst + (<usize>ow << 2), 0);
        }
        zero(row + ((<usize>ohEnd * oW) << 2), (oH - ohEnd) * oW);
      }
    }
  }
}

/** dx (one sample) = col folded back by the adjoint of im2col, adding in the reference's order. */
function col2im(geom: usize, col: usize, dx: usize): void {
  const c = field(geom, 1), h = field(geom, 2), w = field(geom, 3);
  const kH = field(geom, 4), kW = field(geom, 5), sH = field(geom, 6), sW = field(geom, 7);
  const pH = field(geom, 8), pW = field(geom, 9), dH = field(geom, 10), dW = field(geom, 11);
  const oH = field(geom, 12), oW = field(geom, 13);
  const plane = oH * oW;
  zero(dx, c * h * w);
  let row: usize = col;
  for (let ch = 0; ch < c; ch++) {
    const xc = dx + ((<usize>ch * h * w) << 2);
    for (let i = 0; i < kH; i++) {
      const ohStart = validStart(i * dH, sH, pH, oH);
      const ohEnd = validEnd(ohStart, i * dH, sH, pH, h, oH);
      for (let j = 0; j < kW; j++, row += <usize>plane << 2) {
        const owStart = validStart(j * dW, sW, pW, oW);
        const owEnd = validEnd(owStart, j * dW, sW, pW, w, oW);
        for (let oh = ohStart; oh < ohEnd; oh++) {
          const src = row + ((<usize>oh * oW) << 2);
          const dst = xc + ((<isize>((oh * sH - pH + i * dH) * w - pW + j * dW)) << 2);
          if (sW == 1) {
            let ow = owStart;
            for (; ow + 4 <= owEnd; ow += 4) {
              const at = dst + (<usize>ow << 2);
              v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>ow << 2))));
            }
            for (; ow < owEnd; ow++) {
              const at = dst + (<usize>ow << 2);
              store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>ow << 2)));
            }
          } else {
            for (let ow = owStart; ow < owEnd; ow++) {
              const at = dst + ((<usize>ow * sW) << 2);
              store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>ow << 2)));
            }
          }
        }
      }
    }
  }
}

/** col of sample n, with a last row of ones when `ones`. */
function columns(geom: usize, x: usize, n: i32, ones: bool, col: usize): void {
  const inPlane = field(geom, 1) * field(geom, 2) * field(geom, 3);
  im2col(geom, x + ((<usize>n * inPlane) << 2), col);
  if (!ones) return;
  const K = field(geom, 1) * field(geom, 4) * field(geom, 5);
  const P = field(geom, 12) * field(geom, 13);
  const last = col + ((<usize>K * P) << 2);
  for (let i = 0; i < P; i++) store<f32>(last + (<usize>i << 2), 1);
}

/** out [N, O, P] = weight [O, Kb] · [col_n; 1] per sample (Kb = K + 1 with a bias column). */
export function conv2dForward(geom: usize, outC: i32, x: usize, weight: usize, hasBias: bool, out: usize, col: usize, scratch: usize): void {
  const N = field(geom, 0);
  const K = field(geom, 1) * field(geom, 4) * field(geom, 5);
  const Kb = hasBias ? K + 1 : K;
  const P = field(geom, 12) * field(geom, 13);
  for (let n = 0; n < N; n++) {
    columns(geom, x, n, hasBias, col);
    sgemm(outC, P, Kb, weight, Kb, false, col, P, false, out + ((<usize>n * outC * P) << 2), P, false, scratch);
  }
}

/** dx [N, C, H, W] from grad [N, O, P]: per sample col2im(weightᵀ · grad_n). */
export function conv2dBackwardInput(geom: usize, outC: i32, grad: usize, weight: usize, dx: usize, col: usize, scratch: usize): void {
  const N = field(geom, 0);
  const inPlane = field(geom, 1) * field(geom, 2) * field(geom, 3);
  const K = field(geom, 1) * field(geom, 4) * field(geom, 5);
  const P = field(geom, 12) * field(geom, 13);
  for (let n = 0; n < N; n++) {
    sgemm(K, P, outC, weight, K, true, grad + ((<usize>n * outC * P) << 2), P, false, col, P, false, scratch);
    col2im(geom, col, dx + ((<usize>n * inPlane) << 2));
  }
}

/** dwb [O, Kb] = Σ_n grad_n · [col_n; 1]ᵀ. */
export function conv2dBackwardWeight(geom: usize, outC: i32, x: usize, grad: usize, hasBias: bool, dwb: usize, col: usize, scratch: usize): void {
  const N = field(geom, 0);
  const K = field(geom, 1) * field(geom, 4) * field(geom, 5);
  const Kb = hasBias ? K + 1 : K;
  const P = field(geom, 12) * field(geom, 13);
  if (N == 0) zero(dwb, outC * Kb);
  for (let n = 0; n < N; n++) {
    columns(geom, x, n, hasBias, col);
    sgemm(outC, Kb, P, grad + ((<usize>n * outC * P) << 2), P, false, col, P, true, dwb, Kb, n > 0, scratch);
  }
}
