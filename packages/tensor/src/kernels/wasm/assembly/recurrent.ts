// AssemblyScript: the gate arithmetic of LSTM and GRU steps over float32, four hidden units at a
// time. It is all transcendental functions (five per LSTM unit), which cost ~16 ns each as
// Math.exp/Math.tanh in JavaScript; here σ and tanh come from the softmax kernel's polynomial e^x.
// Layouts and formulas are those of the TypeScript reference (recurrent-cells.ts).
import { expNonPositive } from "./softmax";

/** σ(x) = 1/(1 + e^−|x|) for x ≥ 0 and e^−|x|/(1 + e^−|x|) below: e^x is only taken of x ≤ 0. */
// @ts-ignore: decorator
@inline
function sigmoid4(x: v128): v128 {
  const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
  const inv = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(inv, f32x4.mul(e, inv), f32x4.ge(x, f32x4.splat(0)));
}

/**
 * tanh(x) = sign(x)·(1 − e)/(1 + e) with e = e^−2|x|; below |x| = 0.125, where 1 − e cancels,
 * its Taylor polynomial to x⁷ (error under 2e−9 relative).
 */
// @ts-ignore: decorator
@inline
function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expNonPositive(f32x4.mul(ax, f32x4.splat(-2)));
  const big = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e));
  const x2 = f32x4.mul(ax, ax);
  let p = f32x4.splat(-17.0 / 315.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3.0));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, x2), ax), ax);
  const t = v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.125)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

/** n (1–4) floats from p; lanes past n are 0. */
// @ts-ignore: decorator
@inline
function loadN(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** The first n (1–4) lanes of v to p. */
// @ts-ignore: decorator
@inline
function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** lstmCell: gates [rows, 4H] activated in place (i, f, g, o); c = f·cPrev + i·g; h = o·tanh(c). */
export function lstmCell(gates: usize, cPrev: usize, c: usize, h: usize, rows: i32, hidden: i32): void {
  const H = <usize>hidden << 2;
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * 4 * H;
    const s = <usize>r * H;
    for (let j = 0; j < hidden; j += 4) {
      const n = min(4, hidden - j);
      const o4 = <usize>j << 2;
      const i = sigmoid4(loadN(g + o4, n));
      const f = sigmoid4(loadN(g + H + o4, n));
      const gg = tanh4(loadN(g + 2 * H + o4, n));
      const o = sigmoid4(loadN(g + 3 * H + o4, n));
      storeN(g + o4, i, n);
      storeN(g + H + o4, f, n);
      storeN(g + 2 * H + o4, gg, n);
      storeN(g + 3 * H + o4, o, n);
      const cj = f32x4.add(f32x4.mul(f, loadN(cPrev + s + o4, n)), f32x4.mul(i, gg));
      storeN(c + s + o4, cj, n);
      storeN(h + s + o4, f32x4.mul(o, tanh4(cj)), n);
    }
  }
}

/** lstmCellBackward: dGates [rows, 4H] from dh and dc; dc becomes dL/dcPrev. */
export function lstmCellBackward(gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dGates: usize, rows: i32, hidden: i32): void {
  const H = <usize>hidden << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * 4 * H;
    const dg = dGates + <usize>r * 4 * H;
    const s = <usize>r * H;
    for (let j = 0; j < hidden; j += 4) {
      const n = min(4, hidden - j);
      const o4 = <usize>j << 2;
      const i = loadN(g + o4, n);
      const f = loadN(g + H + o4, n);
      const gg = loadN(g + 2 * H + o4, n);
      const o = loadN(g + 3 * H + o4, n);
      const tc = tanh4(loadN(c + s + o4, n));
      const dhj = loadN(dh + s + o4, n);
      const dcj = f32x4.add(loadN(dc + s + o4, n), f32x4.mul(f32x4.mul(dhj, o), f32x4.sub(one, f32x4.mul(tc, tc))));
      storeN(dg + o4, f32x4.mul(f32x4.mul(dcj, gg), f32x4.mul(i, f32x4.sub(one, i))), n);
      storeN(dg + H + o4, f32x4.mul(f32x4.mul(dcj, loadN(cPrev + s + o4, n)), f32x4.mul(f, f32x4.sub(one, f))), n);
      storeN(dg + 2 * H + o4, f32x4.mul(f32x4.mul(dcj, i), f32x4.sub(one, f32x4.mul(gg, gg))), n);
      storeN(dg + 3 * H + o4, f32x4.mul(f32x4.mul(dhj, tc), f32x4.mul(o, f32x4.sub(one, o))), n);
      storeN(dc + s + o4, f32x4.mul(dcj, f), n);
    }
  }
}

/** gruCell: r, z, n into gates [rows, 3H] (may be xg); h = (1 − z)·n + z·hPrev. */
export function gruCell(xg: usize, hg: usize, hPrev: usize, gates: usize, h: usize, rows: i32, hidden: i32): void {
  const H = <usize>hidden << 2;
  for (let row = 0; row < rows; row++) {
    const x = xg + <usize>row * 3 * H;
    const hh = hg + <usize>row * 3 * H;
    const g = gates + <usize>row * 3 * H;
    const s = <usize>row * H;
    for (let j = 0; j < hidden; j += 4) {
      const n = min(4, hidden - j);
      const o4 = <usize>j << 2;
      const r = sigmoid4(f32x4.add(loadN(x + o4, n), loadN(hh + o4, n)));
      const z = sigmoid4(f32x4.add(loadN(x + H + o4, n), loadN(hh + H + o4, n)));
      const nn = tanh4(f32x4.add(loadN(x + 2 * H + o4, n), f32x4.mul(r, loadN(hh + 2 * H + o4, n))));
      storeN(g + o4, r, n);
      storeN(g + H + o4, z, n);
      storeN(g + 2 * H + o4, nn, n);
      const hp = loadN(hPrev + s + o4, n);
      storeN(h + s + o4, f32x4.add(nn, f32x4.mul(z, f32x4.sub(hp, nn))), n);
    }
  }
}
