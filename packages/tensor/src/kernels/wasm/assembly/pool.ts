// AssemblyScript: max and average pooling over float32 NCHW batches, forward and backward, with
// the TypeScript reference's operations in its order (../../pool.ts), so the same bits: maxima
// are selected, not computed; average sums run in float64 as there. The geometry is 14 i32 at
// `geom` as in ./conv.ts. 2×2 max pooling with stride 2 and no padding (LeNet's) takes four
// windows at a time in SIMD.

// @ts-ignore: decorator
@inline
function field(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function f32At(p: usize, i: i32): f32 {
  return load<f32>(p + (<isize>i << 2));
}

/** Whether v replaces best: strictly greater, or the first NaN (which then stays). */
// @ts-ignore: decorator
@inline
function beats(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

/** The lanes of `take` (all ones) pick v over best: greater, or the first NaN. */
// @ts-ignore: decorator
@inline
function beats4(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

function storeOffset(argmax: usize, wide: bool, q: i32, offset: i32): void {
  if (wide) store<i32>(argmax + (<usize>q << 2), offset);
  else store<u8>(argmax + <usize>q, <u8>offset);
}

/** 2×2, stride 2, no padding: four windows of a row pair per step, byte offsets. */
function maxPool2x2(geom: usize, x: usize, out: usize, argmax: usize): void {
  const planes = field(geom, 0) * field(geom, 1);
  const h = field(geom, 2), w = field(geom, 3), oH = field(geom, 12), oW = field(geom, 13);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + ((<usize>pl * h * w) << 2);
    for (let oh = 0; oh < oH; oh++) {
      const r0 = base + ((<usize>(2 * oh) * w) << 2);
      const r1 = r0 + (<usize>w << 2);
      let ow = 0;
      for (; ow + 4 <= oW; ow += 4, q += 4) {
        const at = <usize>(2 * ow) << 2;
        const a0 = v128.load(r0 + at), a1 = v128.load(r0 + at, 16);
        const b0 = v128.load(r1 + at), b1 = v128.load(r1 + at, 16);
        let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        let offset = i32x4.splat(0);
        let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let take = beats4(v, best);
        best = v128.bitselect(v, best, take);
        offset = v128.bitselect(i32x4.splat(1), offset, take);
        v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        take = beats4(v, best);
        best = v128.bitselect(v, best, take);
        offset = v128.bitselect(i32x4.splat(2), offset, take);
        v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        take = beats4(v, best);
        best = v128.bitselect(v, best, take);
        offset = v128.bitselect(i32x4.splat(3), offset, take);
        v128.store(out + (<usize>q << 2), best);
        // Offsets are 0–3: one byte each, gathered from the low byte of every lane.
        const bytes = i8x16.shuffle(offset, offset, 0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        store<u32>(argmax + <usize>q, <u32>i32x4.extract_lane(bytes, 0));
      }
      for (; ow < oW; ow++, q++) {
        const at = 2 * ow;
        let best = f32At(r0, at);
        let offset = 0;
        let v = f32At(r0, at + 1);
        if (beats(v, best)) {
          best = v;
          offset = 1;
        }
        v = f32At(r1, at);
        if (beats(v, best)) {
          best = v;
          offset = 2;
        }
        v = f32At(r1, at + 1);
        if (beats(v, best)) {
          best = v;
          offset = 3;
        }
        store<f32>(out + (<usize>q << 2), best);
        store<u8>(argmax + <usize>q, <u8>offset);
      }
    }
  }
}

/** Max of each window into out, the offset of its first maximum into argmax (i32 if `wide`, else u8). */
export function maxPool2dForward(geom: usize, x: usize, out: usize, argmax: usize, wide: bool): void {
  const h = field(geom, 2), w = field(geom, 3), kH = field(geom, 4), kW = field(geom, 5);
  const sH = field(geom, 6), sW = field(geom, 7), pH = field(geom, 8), pW = field(geom, 9);
  const oH = field(geom, 12), oW = field(geom, 13);
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && !wide) {
    maxPool2x2(geom, x, out, argmax);
    return;
  }
  const planes = field(geom, 0) * field(geom, 1);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + ((<usize>pl * h * w) << 2);
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max(h0, 0), he = min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = max(w0, 0), we = min(w0 + kW, w);
        let offset = (hs - h0) * kW + (ws - w0);
        let best = f32At(base, hs * w + ws);
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const v = f32At(base, ih * w + iw);
            if (beats(v, best)) {
              best = v;
              offset = (ih - h0) * kW + (iw - w0);
            }
          }
        }
        store<f32>(out + (<usize>q << 2), best);
        storeOffset(argmax, wide, q, offset);
      }
    }
  }
}

/** dx = zero, then each output's gradient added at its window's maximum, in output order. */
export function maxPool2dBackward(geom: usize, grad: usize, argmax: usize, wide: bool, dx: usize): void {
  const planes = field(geom, 0) * field(geom, 1);
  const h = field(geom, 2), w = field(geom, 3), kW = field(geom, 5);
  const sH = field(geom, 6), sW = field(geom, 7), pH = field(geom, 8), pW = field(geom, 9);
  const oH = field(geom, 12), oW = field(geom, 13);
  memory.fill(dx, 0, (<usize>planes * h * w) << 2);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oh = 0; oh < oH; oh++) {
      const corner = base + (oh * sH - pH) * w - pW;
      for (let ow = 0; ow < oW; ow++, q++) {
        const offset = wide ? load<i32>(argmax + (<usize>q << 2)) : <i32>load<u8>(argmax + <usize>q);
        const at = dx + ((<usize>(corner + ow * sW + (offset / kW) * w + (offset % kW))) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(grad + (<usize>q << 2)));
      }
    }
  }
}

/** 1/divisor of the window at (h0, w0), as the reference computes it. */
// @ts-ignore: decorator
@inline
function avgScale(geom: usize, countIncludePad: bool, h0: i32, w0: i32): f64 {
  const kH = field(geom, 4), kW = field(geom, 5);
  if (countIncludePad) return 1.0 / <f64>(kH * kW);
  const rows = min(h0 + kH, field(geom, 2)) - max(h0, 0);
  const cols = min(w0 + kW, field(geom, 3)) - max(w0, 0);
  return 1.0 / <f64>(rows * cols);
}

/** out = each window's float64 sum times 1/divisor. */
export function avgPool2dForward(geom: usize, countIncludePad: bool, x: usize, out: usize): void {
  const planes = field(geom, 0) * field(geom, 1);
  const h = field(geom, 2), w = field(geom, 3), kH = field(geom, 4), kW = field(geom, 5);
  const sH = field(geom, 6), sW = field(geom, 7), pH = field(geom, 8), pW = field(geom, 9);
  const oH = field(geom, 12), oW = field(geom, 13);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + ((<usize>pl * h * w) << 2);
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max(h0, 0), he = min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = max(w0, 0), we = min(w0 + kW, w);
        let s: f64 = 0;
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) s += <f64>f32At(base, ih * w + iw);
        }
        store<f32>(out + (<usize>q << 2), <f32>(s * avgScale(geom, countIncludePad, h0, w0)));
      }
    }
  }
}

/** dx = zero, then each output's gradient times 1/divisor added over its window, in output order. */
export function avgPool2dBackward(geom: usize, countIncludePad: bool, grad: usize, dx: usize): void {
  const planes = field(geom, 0) * field(geom, 1);
  const h = field(geom, 2), w = field(geom, 3), kH = field(geom, 4), kW = field(geom, 5);
  const sH = field(geom, 6), sW = field(geom, 7), pH = field(geom, 8), pW = field(geom, 9);
  const oH = field(geom, 12), oW = field(geom, 13);
  memory.fill(dx, 0, (<usize>planes * h * w) << 2);
  let q = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = dx + ((<usize>pl * h * w) << 2);
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max(h0, 0), he = min(h0 + kH, h);
      for (let ow = 0; ow < oW; ow++, q++) {
        const w0 = ow * sW - pW;
        const ws = max(w0, 0), we = min(w0 + kW, w);
        const share = <f64>load<f32>(grad + (<usize>q << 2)) * avgScale(geom, countIncludePad, h0, w0);
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const at = base + ((<usize>(ih * w + iw)) << 2);
            store<f32>(at, <f32>(<f64>load<f32>(at) + share));
          }
        }
      }
    }
  }
}
