import type { FloatArray } from "./kernels.js";

// The gate arithmetic of one recurrent step for `rows` sequences of `hidden` units, forward and
// backward, with PyTorch's gate order. Every array is row-major and starts at the step's first
// row (callers pass subarrays); the matrix products around these loops are gemm's. σ is the
// logistic function, computed as 1 / (1 + e^-x), which saturates cleanly at both ends.

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
}

/**
 * Throws unless rows and hidden are counts, every array has one element type, each array in
 * `gateArrays` holds rows × gates·hidden elements and each in `stateArrays` rows × hidden.
 */
export function checkCellArgs(
  op: string,
  rows: number,
  hidden: number,
  gates: number,
  gateArrays: Record<string, FloatArray>,
  stateArrays: Record<string, FloatArray>,
): void {
  checkCount(op, "rows", rows);
  checkCount(op, "hidden", hidden);
  const all = [...Object.entries(gateArrays), ...Object.entries(stateArrays)];
  const type = all[0]![1].constructor;
  for (const [name, array] of all) {
    if (array.constructor !== type)
      throw new Error(
        `${op}: every array must share one element type, got ${type.name} and ${array.constructor.name} (${name})`,
      );
  }
  for (const [arrays, width] of [
    [gateArrays, gates * hidden],
    [stateArrays, hidden],
  ] as const) {
    for (const [name, array] of Object.entries(arrays)) {
      if (array.length < rows * width)
        throw new Error(`${op}: ${name} needs ${rows * width} elements (${rows}×${width}), has ${array.length}`);
    }
  }
}

/**
 * LSTM step. `gates` [rows, 4H] holds the pre-activations x·W_ihᵀ + h·W_hhᵀ + b_ih + b_hh in the
 * order i, f, g, o and is overwritten by the activations σ(i), σ(f), tanh(g), σ(o), which the
 * backward needs. c = f·cPrev + i·g and h = o·tanh(c), each [rows, H].
 */
export function lstmCell(
  rows: number,
  hidden: number,
  gates: FloatArray,
  cPrev: FloatArray,
  c: FloatArray,
  h: FloatArray,
): void {
  checkCellArgs("lstmCell", rows, hidden, 4, { gates }, { cPrev, c, h });
  const H = hidden;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * H;
    const s0 = r * H;
    for (let j = 0; j < H; j++) {
      const i = 1 / (1 + Math.exp(-gates[g0 + j]!));
      const f = 1 / (1 + Math.exp(-gates[g0 + H + j]!));
      const g = Math.tanh(gates[g0 + 2 * H + j]!);
      const o = 1 / (1 + Math.exp(-gates[g0 + 3 * H + j]!));
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const cj = f * cPrev[s0 + j]! + i * g;
      c[s0 + j] = cj;
      h[s0 + j] = o * Math.tanh(c[s0 + j]!);
    }
  }
}

/**
 * Backward of `lstmCell` from the activated `gates`, cPrev and c. dh [rows, H] is dL/dh of the
 * step; dc [rows, H] is dL/dc on entry and dL/dcPrev on return. dGates [rows, 4H] receives
 * dL/d(pre-activations), which is both the input's and the hidden state's share.
 */
export function lstmCellBackward(
  rows: number,
  hidden: number,
  gates: FloatArray,
  cPrev: FloatArray,
  c: FloatArray,
  dh: FloatArray,
  dc: FloatArray,
  dGates: FloatArray,
): void {
  checkCellArgs("lstmCellBackward", rows, hidden, 4, { gates, dGates }, { cPrev, c, dh, dc });
  const H = hidden;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * H;
    const s0 = r * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g0 + j]!;
      const f = gates[g0 + H + j]!;
      const g = gates[g0 + 2 * H + j]!;
      const o = gates[g0 + 3 * H + j]!;
      const tc = Math.tanh(c[s0 + j]!);
      const dhj = dh[s0 + j]!;
      const dcj = dc[s0 + j]! + dhj * o * (1 - tc * tc);
      dGates[g0 + j] = dcj * g * i * (1 - i);
      dGates[g0 + H + j] = dcj * cPrev[s0 + j]! * f * (1 - f);
      dGates[g0 + 2 * H + j] = dcj * i * (1 - g * g);
      dGates[g0 + 3 * H + j] = dhj * tc * o * (1 - o);
      dc[s0 + j] = dcj * f;
    }
  }
}

/**
 * GRU step. xg = x·W_ihᵀ + b_ih and hg = hPrev·W_hhᵀ + b_hh, each [rows, 3H] in the order r, z, n:
 * r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn), h = (1 - z)·n + z·hPrev. `gates` [rows, 3H]
 * receives r, z, n; it may be the same array as xg (each element is read before it is written).
 */
export function gruCell(
  rows: number,
  hidden: number,
  xg: FloatArray,
  hg: FloatArray,
  hPrev: FloatArray,
  gates: FloatArray,
  h: FloatArray,
): void {
  checkCellArgs("gruCell", rows, hidden, 3, { xg, hg, gates }, { hPrev, h });
  const H = hidden;
  for (let row = 0; row < rows; row++) {
    const g0 = row * 3 * H;
    const s0 = row * H;
    for (let j = 0; j < H; j++) {
      const r = 1 / (1 + Math.exp(-(xg[g0 + j]! + hg[g0 + j]!)));
      const z = 1 / (1 + Math.exp(-(xg[g0 + H + j]! + hg[g0 + H + j]!)));
      const n = Math.tanh(xg[g0 + 2 * H + j]! + r * hg[g0 + 2 * H + j]!);
      gates[g0 + j] = r;
      gates[g0 + H + j] = z;
      gates[g0 + 2 * H + j] = n;
      h[s0 + j] = (1 - z) * n + z * hPrev[s0 + j]!;
    }
  }
}

/**
 * Backward of `gruCell` from r, z, n (`gates`), hg and hPrev. dh [rows, H] is dL/dh of the step on
 * entry and, on return, the part of dL/dhPrev that bypasses W_hh (dh·z). dxg and dhg [rows, 3H]
 * receive dL/dxg and dL/dhg; they differ only in the n block (dhn = dxn·r).
 */
export function gruCellBackward(
  rows: number,
  hidden: number,
  gates: FloatArray,
  hg: FloatArray,
  hPrev: FloatArray,
  dh: FloatArray,
  dxg: FloatArray,
  dhg: FloatArray,
): void {
  checkCellArgs("gruCellBackward", rows, hidden, 3, { gates, hg, dxg, dhg }, { hPrev, dh });
  const H = hidden;
  for (let row = 0; row < rows; row++) {
    const g0 = row * 3 * H;
    const s0 = row * H;
    for (let j = 0; j < H; j++) {
      const r = gates[g0 + j]!;
      const z = gates[g0 + H + j]!;
      const n = gates[g0 + 2 * H + j]!;
      const dhj = dh[s0 + j]!;
      const dn = dhj * (1 - z) * (1 - n * n);
      const dr = dn * hg[g0 + 2 * H + j]! * r * (1 - r);
      const dz = dhj * (hPrev[s0 + j]! - n) * z * (1 - z);
      dxg[g0 + j] = dr;
      dxg[g0 + H + j] = dz;
      dxg[g0 + 2 * H + j] = dn;
      dhg[g0 + j] = dr;
      dhg[g0 + H + j] = dz;
      dhg[g0 + 2 * H + j] = dn * r;
      dh[s0 + j] = dhj * z;
    }
  }
}

/** Elman RNN step, elementwise over pre [rows, H] (x·W_ihᵀ + h·W_hhᵀ + biases): h = tanh(pre) or max(pre, 0). */
export function rnnCell(
  rows: number,
  hidden: number,
  nonlinearity: "tanh" | "relu",
  pre: FloatArray,
  h: FloatArray,
): void {
  checkCellArgs("rnnCell", rows, hidden, 1, {}, { pre, h });
  const count = rows * hidden;
  if (nonlinearity === "tanh") {
    for (let k = 0; k < count; k++) h[k] = Math.tanh(pre[k]!);
  } else if (nonlinearity === "relu") {
    for (let k = 0; k < count; k++) h[k] = pre[k]! > 0 ? pre[k]! : 0;
  } else {
    throw new Error(`rnnCell: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`);
  }
}

/** Backward of `rnnCell` from its output h: dPre = dh·(1 - h²) for tanh, dh·[h > 0] for relu. */
export function rnnCellBackward(
  rows: number,
  hidden: number,
  nonlinearity: "tanh" | "relu",
  h: FloatArray,
  dh: FloatArray,
  dPre: FloatArray,
): void {
  checkCellArgs("rnnCellBackward", rows, hidden, 1, {}, { h, dh, dPre });
  const count = rows * hidden;
  if (nonlinearity === "tanh") {
    for (let k = 0; k < count; k++) dPre[k] = dh[k]! * (1 - h[k]! * h[k]!);
  } else if (nonlinearity === "relu") {
    for (let k = 0; k < count; k++) dPre[k] = h[k]! > 0 ? dh[k]! : 0;
  } else {
    throw new Error(`rnnCellBackward: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`);
  }
}

/** The reference recurrent kernels under the names the Kernels interface gives them. */
export const recurrentCells = { lstmCell, lstmCellBackward, gruCell, gruCellBackward, rnnCell, rnnCellBackward };
