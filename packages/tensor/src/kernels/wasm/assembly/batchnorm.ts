// AssemblyScript: batch normalisation over float32 x [N, C, S], forward and backward, with the
// operations of the TypeScript reference (../../batch-norm.ts) in its order, so the same bits:
// float64 arithmetic throughout, per-channel sums in four lanes (value i of a plane in lane
// i mod 4 while four remain, the rest in lane 0), kept here as two f64x2 accumulators lo = lanes
// 0, 1 and hi = lanes 2, 3, and finished as (lane0 + lane2) + (lane1 + lane3).
// Per-channel arrays (weight, bias, mean, variance, invstd) are float64; weight and bias may be 0
// (absent).

// @ts-ignore: decorator
@inline
function lowHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function highHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Two float64 pairs rounded to four float32 lanes. */
// @ts-ignore: decorator
@inline
function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline
function finish(lo: v128, hi: v128): f64 {
  const t = f64x2.add(lo, hi);
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

// @ts-ignore: decorator
@inline
function addToLane0(lo: v128, v: f64): v128 {
  return f64x2.replace_lane(lo, 0, f64x2.extract_lane(lo, 0) + v);
}

// @ts-ignore: decorator
@inline
function f32At(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function f64At(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

/** relu on float64 lanes: v where v > 0 or NaN, else +0. */
// @ts-ignore: decorator
@inline
function keepPositiveOrNaN(v: v128): v128 {
  return v128.and(v, v128.or(f64x2.gt(v, f64x2.splat(0)), f64x2.ne(v, v)));
}

/** grad = 0 where reluOutput is not positive (relu's backward), in place. */
function reluMask(grad: usize, reluOutput: usize, size: i32): void {
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i << 2;
    v128.store(grad + at, v128.and(v128.load(grad + at), f32x4.gt(v128.load(reluOutput + at), f32x4.splat(0))));
  }
  for (; i < size; i++) {
    const at = <usize>i << 2;
    if (!(load<f32>(reluOutput + at) > 0)) store<f32>(grad + at, 0);
  }
}

/** Σ of channel c's values. */
function channelSum(x: usize, N: i32, C: i32, S: i32, c: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      lo = f64x2.add(lo, lowHalf(v));
      hi = f64x2.add(hi, highHalf(v));
    }
    for (; i < base + S; i++) lo = addToLane0(lo, f32At(x, i));
  }
  return finish(lo, hi);
}

/** Σ (x − mu)² over channel c. */
function channelSquaredDeviations(x: usize, N: i32, C: i32, S: i32, c: i32, mu: f64): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  const mu2 = f64x2.splat(mu);
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const dLo = f64x2.sub(lowHalf(v), mu2);
      const dHi = f64x2.sub(highHalf(v), mu2);
      lo = f64x2.add(lo, f64x2.mul(dLo, dLo));
      hi = f64x2.add(hi, f64x2.mul(dHi, dHi));
    }
    for (; i < base + S; i++) {
      const d = f32At(x, i) - mu;
      lo = addToLane0(lo, d * d);
    }
  }
  return finish(lo, hi);
}

/** Σ g·(x − mu)·invstd over channel c. */
function channelGradDotXhat(g: usize, x: usize, N: i32, C: i32, S: i32, c: i32, mu: f64, invstd: f64): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  const mu2 = f64x2.splat(mu), is2 = f64x2.splat(invstd);
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      const at = <usize>i << 2;
      const gv = v128.load(g + at), xv = v128.load(x + at);
      lo = f64x2.add(lo, f64x2.mul(f64x2.mul(lowHalf(gv), f64x2.sub(lowHalf(xv), mu2)), is2));
      hi = f64x2.add(hi, f64x2.mul(f64x2.mul(highHalf(gv), f64x2.sub(highHalf(xv), mu2)), is2));
    }
    for (; i < base + S; i++) lo = addToLane0(lo, f32At(g, i) * (f32At(x, i) - mu) * invstd);
  }
  return finish(lo, hi);
}

/** See the reference's batchNormForward; `batchStats` non-zero computes mean and variance from x. */
export function batchNormForward(
  N: i32,
  C: i32,
  S: i32,
  x: usize,
  weight: usize,
  bias: usize,
  eps: f64,
  batchStats: bool,
  mean: usize,
  variance: usize,
  invstd: usize,
  out: usize,
  relu: bool,
): void {
  const M = <f64>N * <f64>S;
  const S4 = S - (S % 4);
  for (let c = 0; c < C; c++) {
    if (batchStats) {
      const mu = channelSum(x, N, C, S, c) / M;
      store<f64>(mean + (<usize>c << 3), mu);
      store<f64>(variance + (<usize>c << 3), channelSquaredDeviations(x, N, C, S, c, mu) / M);
    }
    const is = 1 / Math.sqrt(f64At(variance, c) + eps);
    store<f64>(invstd + (<usize>c << 3), is);
    const scale = is * (weight == 0 ? 1 : f64At(weight, c));
    const shift = (bias == 0 ? 0 : f64At(bias, c)) - f64At(mean, c) * scale;
    const scale2 = f64x2.splat(scale), shift2 = f64x2.splat(shift);
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      let i = base;
      for (; i < base + S4; i += 4) {
        const at = <usize>i << 2;
        const v = v128.load(x + at);
        let lo = f64x2.add(f64x2.mul(lowHalf(v), scale2), shift2);
        let hi = f64x2.add(f64x2.mul(highHalf(v), scale2), shift2);
        if (relu) {
          lo = keepPositiveOrNaN(lo);
          hi = keepPositiveOrNaN(hi);
        }
        v128.store(out + at, demote4(lo, hi));
      }
      for (; i < base + S; i++) {
        const v = f32At(x, i) * scale + shift;
        store<f32>(out + (<usize>i << 2), <f32>(!relu || v > 0 || v != v ? v : 0));
      }
    }
  }
}

/**
 * See the reference's batchNormBackward; dx, dweight and dbias may be 0 (not wanted), and so may
 * reluOutput (no fused relu); grad is masked in place when it is not.
 */
export function batchNormBackward(
  N: i32,
  C: i32,
  S: i32,
  x: usize,
  grad: usize,
  weight: usize,
  batchStats: bool,
  mean: usize,
  invstd: usize,
  dx: usize,
  dweight: usize,
  dbias: usize,
  reluOutput: usize,
): void {
  if (reluOutput != 0) reluMask(grad, reluOutput, N * C * S);
  const M = <f64>N * <f64>S;
  const S4 = S - (S % 4);
  for (let c = 0; c < C; c++) {
    const mu = f64At(mean, c);
    const is = f64At(invstd, c);
    const sumG = channelSum(grad, N, C, S, c);
    const sumGX = channelGradDotXhat(grad, x, N, C, S, c, mu, is);
    if (dweight != 0) store<f64>(dweight + (<usize>c << 3), sumGX);
    if (dbias != 0) store<f64>(dbias + (<usize>c << 3), sumG);
    if (dx == 0) continue;
    const k = (weight == 0 ? 1 : f64At(weight, c)) * is;
    const meanG = sumG / M;
    const meanGX = sumGX / M;
    const k2 = f64x2.splat(k), mu2 = f64x2.splat(mu), is2 = f64x2.splat(is);
    const meanG2 = f64x2.splat(meanG), meanGX2 = f64x2.splat(meanGX);
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      let i = base;
      if (batchStats) {
        for (; i < base + S4; i += 4) {
          const at = <usize>i << 2;
          const gv = v128.load(grad + at), xv = v128.load(x + at);
          const xhatLo = f64x2.mul(f64x2.sub(lowHalf(xv), mu2), is2);
          const xhatHi = f64x2.mul(f64x2.sub(highHalf(xv), mu2), is2);
          const lo = f64x2.mul(k2, f64x2.sub(f64x2.sub(lowHalf(gv), meanG2), f64x2.mul(xhatLo, meanGX2)));
          const hi = f64x2.mul(k2, f64x2.sub(f64x2.sub(highHalf(gv), meanG2), f64x2.mul(xhatHi, meanGX2)));
          v128.store(dx + at, demote4(lo, hi));
        }
        for (; i < base + S; i++) {
          const xhat = (f32At(x, i) - mu) * is;
          store<f32>(dx + (<usize>i << 2), <f32>(k * (f32At(grad, i) - meanG - xhat * meanGX)));
        }
      } else {
        for (; i < base + S4; i += 4) {
          const at = <usize>i << 2;
          const gv = v128.load(grad + at);
          v128.store(dx + at, demote4(f64x2.mul(k2, lowHalf(gv)), f64x2.mul(k2, highHalf(gv))));
        }
        for (; i < base + S; i++) store<f32>(dx + (<usize>i << 2), <f32>(k * f32At(grad, i)));
      }
    }
  }
}
