// AssemblyScript: the row-wise half of softmax cross-entropy, exp(z − max) over every row, which
// is nearly all of that loss's time in scalar JavaScript (Math.exp costs ~16 ns; four lanes of
// the polynomial below cost ~1 ns).

const LOG2E: f32 = 1.44269504;
// ln 2 split in two (Cody–Waite): n·LN2_HI is exact for the n that occur, so r keeps its bits.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
// Below this e^x is under float32's smallest normal; such lanes are flushed to 0 (also -Infinity).
const UNDERFLOW: f32 = -87.33654;

// 1.5·2^23: adding it rounds a float32 of magnitude < 2^22 to an integer held in the low mantissa bits.
const ROUNDER: f32 = 12582912.0;

/**
 * e^x for x ≤ 0, four lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' degree-6 expf
 * polynomial (about 1 ulp), 2^n built in the exponent bits. NaN stays NaN. Rounding by ROUNDER
 * and `pmax` (one instruction each) rather than `nearest`/`trunc_sat`/`max`, which V8 expands
 * into sequences: 1.4× faster.
 */
// @ts-ignore: decorator
@inline
export function expNonPositive(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(UNDERFLOW));
  const xc = f32x4.pmax(x, f32x4.splat(UNDERFLOW));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const n = f32x4.sub(t, f32x4.splat(ROUNDER));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // t's bits are ROUNDER's plus n; shifted into the exponent field ROUNDER's bits fall off.
  const scale = i32x4.add(i32x4.shl(t, 23), i32x4.splat(127 << 23));
  return v128.andnot(f32x4.mul(p, scale), tiny);
}

/** Adds the four lanes of `v` to the two float64 lanes of `acc`. */
// @ts-ignore: decorator
@inline
function addWide(acc: v128, v: v128): v128 {
  const low = f64x2.promote_low_f32x4(v);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(low, high));
}

/**
 * For each of `rows` rows of `cols` float32 values at `x`: writes softmax(row)·scale to `out`
 * (float32, same layout), where scale is the float64 at `scales` + 8·row (1 when `scales` is 0),
 * and the float64 pair (rowMax, Σ exp(x − rowMax)) to `stats` + 16·row. The sum is float64 so
 * that a confident row keeps 1 + 1e-9 instead of rounding to 1. Requires cols ≥ 1.
 */
export function softmaxRows(x: usize, rows: i32, cols: i32, out: usize, stats: usize, scales: usize): void {
  const full = cols & ~3;
  const rest = cols - full;
  for (let i = 0; i < rows; i++) {
    const row = x + ((<usize>i * cols) << 2);
    const dst = out + ((<usize>i * cols) << 2);
    // pmax skips NaN (m is the max of the rest); a NaN logit then makes its exp and the sum NaN.
    let mv = f32x4.splat(-Infinity);
    for (let c = 0; c < full; c += 4) mv = f32x4.pmax(mv, v128.load(row + (<usize>c << 2)));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (let c = full; c < cols; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v > m) m = v;
    }
    const mm = f32x4.splat(m);
    let sum = f64x2.splat(0);
    for (let c = 0; c < full; c += 4) {
      const e = expNonPositive(f32x4.sub(v128.load(row + (<usize>c << 2)), mm));
      v128.store(dst + (<usize>c << 2), e);
      sum = addWide(sum, e);
    }
    if (rest > 0) {
      // The last 1–3 values go through the same polynomial, padded with -Infinity (exp → 0).
      let t = f32x4.splat(-Infinity);
      t = f32x4.replace_lane(t, 0, load<f32>(row + (<usize>full << 2)));
      if (rest > 1) t = f32x4.replace_lane(t, 1, load<f32>(row + (<usize>(full + 1) << 2)));
      if (rest > 2) t = f32x4.replace_lane(t, 2, load<f32>(row + (<usize>(full + 2) << 2)));
      const e = expNonPositive(f32x4.sub(t, mm));
      store<f32>(dst + (<usize>full << 2), f32x4.extract_lane(e, 0));
      if (rest > 1) store<f32>(dst + (<usize>(full + 1) << 2), f32x4.extract_lane(e, 1));
      if (rest > 2) store<f32>(dst + (<usize>(full + 2) << 2), f32x4.extract_lane(e, 2));
      sum = addWide(sum, e);
    }
    const total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
    const st = stats + (<usize>i << 4);
    store<f64>(st, <f64>m);
    store<f64>(st, total, 8);
    // Second pass over the row, still in L1: exps → softmax·scale.
    const a = f32x4.splat(<f32>((scales == 0 ? 1.0 : load<f64>(scales + (<usize>i << 3))) / total));
    for (let c = 0; c < full; c += 4) {
      const at = dst + (<usize>c << 2);
      v128.store(at, f32x4.mul(v128.load(at), a));
    }
    const af = f32x4.extract_lane(a, 0);
    for (let c = full; c < cols; c++) {
      const at = dst + (<usize>c << 2);
      store<f32>(at, load<f32>(at) * af);
    }
  }
}
