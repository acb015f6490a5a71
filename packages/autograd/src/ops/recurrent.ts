import * as T from "@nabla/tensor";
import { describe } from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

/** Which recurrence: an LSTM, a GRU, or an Elman RNN with tanh or relu. */
export type RecurrenceMode = "lstm" | "gru" | "rnnTanh" | "rnnRelu";

/** One direction of one layer in PyTorch's layout: G·H rows of gates (G = 4, 3, 1). */
export interface RecurrenceWeights {
  weightIH: Input;
  weightHH: Input;
  biasIH?: Input;
  biasHH?: Input;
}

export interface RecurrenceOptions {
  /** Initial hidden state [B, H]; zeros when absent. */
  h0?: Input;
  /** Initial cell state [B, H] (LSTM only); zeros when absent. */
  c0?: Input;
  /**
   * Sequences sorted longest first, as pack_padded_sequence's batch_sizes: batchSizes[t] is how
   * many of the B sequences have a step t, non-increasing in t. Only those first rows are computed
   * at step t; the others keep their state, output zeros and send no gradient back. All B by default.
   */
  batchSizes?: readonly number[] | Int32Array;
  /** Run from the last step to the first (the backward direction of a bidirectional layer). */
  reverse?: boolean;
}

/** Gates per step of each mode: W_ih and W_hh have G·H rows. */
export const recurrenceGates: Readonly<Record<RecurrenceMode, number>> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };

/** The number of [B, H] slabs that `recurrence` returns: T outputs, the final h, and the final c for an LSTM. */
export function recurrenceSlabs(mode: RecurrenceMode, steps: number): number {
  return steps + (mode === "lstm" ? 2 : 1);
}

function checkShape(what: string, v: Variable | null, expected: readonly number[]): void {
  if (v !== null && (v.rank !== expected.length || v.shape.some((d, i) => d !== expected[i]))) {
    throw new Error(`recurrence: ${what} must have shape ${T.formatShape(expected)}, got ${T.formatShape(v.shape)}`);
  }
}

function checkBatchSizes(batchSizes: readonly number[] | Int32Array, steps: number, batch: number): Int32Array {
  if (!Array.isArray(batchSizes) && !(batchSizes instanceof Int32Array)) {
    throw new Error(`recurrence: batchSizes must be an array of ${steps} counts, got ${describe(batchSizes)}`);
  }
  if (batchSizes.length !== steps)
    throw new Error(`recurrence: batchSizes must have one count per step (${steps}), got ${batchSizes.length}`);
  let previous = batch;
  for (let t = 0; t < steps; t++) {
    const n = batchSizes[t]!;
    if (!Number.isInteger(n) || n < 0 || n > previous) {
      throw new Error(
        `recurrence: batchSizes must be non-increasing integers in [0, ${batch}], got ${n} at step ${t} after ${previous}`,
      );
    }
    previous = n;
  }
  return Int32Array.from(batchSizes);
}

/** Copies `row` into each of `rows` consecutive rows of `out`, doubling the filled block each time. */
function fillRows(out: T.FloatArray, rows: number, row: T.TypedArray): void {
  const total = rows * row.length;
  if (total === 0) return;
  out.set(row);
  for (let filled = row.length; filled < total; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, total - filled));
}

/**
 * One direction of one recurrent layer over a whole sequence as ONE graph node, with
 * backpropagation through time in its backward. input [T, B, I]; weights as PyTorch lays them out
 * (weightIH [G·H, I], weightHH [G·H, H], biases [G·H]). Returns the slabs [T + 1 (+1), B, H]:
 * the output of every step in time order, then the final h, then (LSTM) the final c.
 *
 * Forward: x·W_ihᵀ for all steps is one gemm before the loop (with b_ih, and b_hh too where it is
 * simply added); each step is one gemm h·W_hhᵀ for all gates, then the fused gate kernel.
 * Backward: per step (last first) the gate kernel's backward and one gemm dGates·W_hh for the
 * previous h; after the loop dx, dW_ih, dW_hh and the biases are one gemm or sum each over all steps.
 */
export function recurrence(
  mode: RecurrenceMode,
  input: Input,
  weights: RecurrenceWeights,
  options: RecurrenceOptions = {},
): Variable {
  T.checkOptions("recurrence", options, ["h0", "c0", "batchSizes", "reverse"]);
  if (!(mode in recurrenceGates))
    throw new Error(`recurrence: mode must be "lstm", "gru", "rnnTanh" or "rnnRelu", got ${JSON.stringify(mode)}`);
  if (weights === null || typeof weights !== "object")
    throw new Error(
      `recurrence: weights must be an object { weightIH, weightHH, biasIH?, biasHH? }, got ${describe(weights)}`,
    );
  const x = asVariable(input, undefined, "recurrence");
  const wih = asVariable(weights.weightIH, undefined, "recurrence");
  const whh = asVariable(weights.weightHH, undefined, "recurrence");
  const bih = weights.biasIH === undefined ? null : asVariable(weights.biasIH, undefined, "recurrence");
  const bhh = weights.biasHH === undefined ? null : asVariable(weights.biasHH, undefined, "recurrence");
  const h0 = options.h0 === undefined ? null : asVariable(options.h0, undefined, "recurrence");
  const c0 = options.c0 === undefined ? null : asVariable(options.c0, undefined, "recurrence");
  if (c0 !== null && mode !== "lstm")
    throw new Error(`recurrence: c0 is an LSTM's cell state; mode "${mode}" has none`);
  if (x.rank !== 3) throw new Error(`recurrence: input must be [T, B, I], got shape ${T.formatShape(x.shape)}`);
  const [steps, batch, inputSize] = x.shape as [number, number, number];
  if (whh.rank !== 2)
    throw new Error(`recurrence: weightHH must be 2-D [G·H, H], got shape ${T.formatShape(whh.shape)}`);
  const hidden = whh.shape[1]!;
  const G = recurrenceGates[mode];
  const GH = G * hidden;
  checkShape("weightIH", wih, [GH, inputSize]);
  checkShape("weightHH", whh, [GH, hidden]);
  checkShape("biasIH", bih, [GH]);
  checkShape("biasHH", bhh, [GH]);
  checkShape("h0", h0, [batch, hidden]);
  checkShape("c0", c0, [batch, hidden]);
  const batchSizes = options.batchSizes === undefined ? null : checkBatchSizes(options.batchSizes, steps, batch);
  const reverse = options.reverse ?? false;

  const operands = [x, wih, whh, bih, bhh, h0, c0];
  const dtype: T.DType = operands.some((v) => v?.dtype === "float64") ? "float64" : "float32";
  const data = (v: Variable): T.FloatArray =>
    (v.dtype === dtype ? v.value : T.cast(v.value, dtype)).data as T.FloatArray;
  const xd = data(x);
  const wihd = data(wih);
  const whhd = data(whh);
  const k = T.kernels;
  const H = hidden;
  const BH = batch * H;
  const rowsAt = (t: number): number => (batchSizes === null ? batch : batchSizes[t]!);
  // The step at time t reads the state in slot t and writes slot t + 1 (forward), or reads slot
  // t + 1 and writes slot t (reverse). Either way, the states entering steps 0..T−1 are one
  // contiguous block in time order, which dW_hh needs.
  const slotIn = (t: number): number => (reverse ? t + 1 : t) * BH;
  const slotOut = (t: number): number => (reverse ? t : t + 1) * BH;
  const first = reverse ? steps : 0;
  const last = reverse ? 0 : steps;

  // Pre-activations of all steps: x·W_ihᵀ + b_ih (+ b_hh, except for the GRU, whose r multiplies
  // W_hn·h + b_hn). The step's gemm adds h·W_hhᵀ in place; the gate kernel then activates them.
  const pre = T.allocate(dtype, steps * batch * GH) as T.FloatArray;
  const folded = mode === "gru" ? bih : (bih ?? bhh);
  if (folded !== null) {
    const bias = T.allocate(dtype, GH) as T.FloatArray;
    bias.set(data(folded));
    if (mode !== "gru" && bih !== null && bhh !== null) {
      const b2 = data(bhh);
      for (let j = 0; j < GH; j++) bias[j] = bias[j]! + b2[j]!;
    }
    fillRows(pre, steps * batch, bias);
  }
  k.gemm(steps * batch, GH, inputSize, xd, 0, false, wihd, 0, true, pre, 0, folded !== null);
  const hg = mode === "gru" ? (T.allocate(dtype, steps * batch * GH) as T.FloatArray) : null;
  if (hg !== null && bhh !== null) fillRows(hg, steps * batch, data(bhh));

  const states = T.allocate(dtype, (steps + 1) * BH) as T.FloatArray;
  if (h0 !== null) states.set(data(h0), first * BH);
  const cells = mode === "lstm" ? (T.allocate(dtype, (steps + 1) * BH) as T.FloatArray) : null;
  if (cells !== null && c0 !== null) cells.set(data(c0), first * BH);
  const slabs = recurrenceSlabs(mode, steps);
  const out = T.allocate(dtype, slabs * BH) as T.FloatArray;

  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const rows = rowsAt(t);
    const from = slotIn(t);
    const to = slotOut(t);
    // Sequences already finished (or, in reverse, not yet started) carry their state over.
    if (rows < batch) {
      states.copyWithin(to + rows * H, from + rows * H, from + BH);
      cells?.copyWithin(to + rows * H, from + rows * H, from + BH);
    }
    if (rows === 0) continue;
    const g = t * batch * GH;
    const n = rows * GH;
    const hOut = states.subarray(to, to + rows * H);
    if (mode === "gru") {
      k.gemm(rows, GH, H, states, from, false, whhd, 0, true, hg!, g, bhh !== null);
      const xg = pre.subarray(g, g + n);
      k.gruCell(rows, H, xg, hg!.subarray(g, g + n), states.subarray(from, from + rows * H), xg, hOut);
    } else {
      k.gemm(rows, GH, H, states, from, false, whhd, 0, true, pre, g, true);
      if (mode === "lstm") {
        k.lstmCell(
          rows,
          H,
          pre.subarray(g, g + n),
          cells!.subarray(from, from + rows * H),
          cells!.subarray(to, to + rows * H),
          hOut,
        );
      } else {
        k.rnnCell(rows, H, mode === "rnnTanh" ? "tanh" : "relu", pre.subarray(g, g + n), hOut);
      }
    }
    out.set(hOut, t * BH);
  }
  out.set(states.subarray(last * BH, last * BH + BH), steps * BH);
  if (cells !== null) out.set(cells.subarray(last * BH, last * BH + BH), (steps + 1) * BH);

  const inputs = operands.filter((v): v is Variable => v !== null);
  return record(mode, inputs, new T.Tensor(out, [slabs, batch, H]), (grad) => {
    const gd = grad.data as T.FloatArray;
    const dPre = T.allocate(dtype, steps * batch * GH) as T.FloatArray;
    const dHg = hg === null ? dPre : (T.allocate(dtype, steps * batch * GH) as T.FloatArray);
    const dh = gd.slice(steps * BH, steps * BH + BH);
    const dc = cells === null ? null : gd.slice((steps + 1) * BH, (steps + 2) * BH);
    for (let s = steps - 1; s >= 0; s--) {
      const t = reverse ? steps - 1 - s : s;
      const rows = rowsAt(t);
      if (rows === 0) continue;
      const from = slotIn(t);
      const to = slotOut(t);
      const g = t * batch * GH;
      const n = rows * GH;
      const m = rows * H;
      for (let j = 0; j < m; j++) dh[j] = dh[j]! + gd[t * BH + j]!;
      const dhRows = dh.subarray(0, m);
      if (mode === "lstm") {
        k.lstmCellBackward(
          rows,
          H,
          pre.subarray(g, g + n),
          cells!.subarray(from, from + m),
          cells!.subarray(to, to + m),
          dhRows,
          dc!.subarray(0, m),
          dPre.subarray(g, g + n),
        );
      } else if (mode === "gru") {
        k.gruCellBackward(
          rows,
          H,
          pre.subarray(g, g + n),
          hg!.subarray(g, g + n),
          states.subarray(from, from + m),
          dhRows,
          dPre.subarray(g, g + n),
          dHg.subarray(g, g + n),
        );
      } else {
        k.rnnCellBackward(
          rows,
          H,
          mode === "rnnTanh" ? "tanh" : "relu",
          states.subarray(to, to + m),
          dhRows,
          dPre.subarray(g, g + n),
        );
      }
      // dL/dh of the previous step: through W_hh, plus (GRU) the direct path z·dh left in dh.
      k.gemm(rows, H, GH, dHg, g, false, whhd, 0, false, dh, 0, mode === "gru");
    }
    const all = steps * batch;
    let dx: T.Tensor | null = null;
    let dwih: T.Tensor | null = null;
    let dwhh: T.Tensor | null = null;
    if (x.requiresGrad) {
      dx = new T.Tensor(T.allocate(dtype, all * inputSize), x.shape);
      k.gemm(all, inputSize, GH, dPre, 0, false, wihd, 0, false, dx.data as T.FloatArray, 0, false);
    }
    if (wih.requiresGrad) {
      dwih = new T.Tensor(T.allocate(dtype, GH * inputSize), wih.shape);
      k.gemm(GH, inputSize, all, dPre, 0, true, xd, 0, false, dwih.data as T.FloatArray, 0, false);
    }
    if (whh.requiresGrad) {
      dwhh = new T.Tensor(T.allocate(dtype, GH * H), whh.shape);
      k.gemm(GH, H, all, dHg, 0, true, states, reverse ? BH : 0, false, dwhh.data as T.FloatArray, 0, false);
    }
    const grads = [
      dx,
      dwih,
      dwhh,
      // Column sums in double precision, as every reduction here.
      bih?.requiresGrad ? T.sum(new T.Tensor(dPre, [all, GH]), 0) : null,
      bhh?.requiresGrad ? T.sum(new T.Tensor(dHg, [all, GH]), 0) : null,
      h0?.requiresGrad ? new T.Tensor(dh, h0.shape) : null,
      c0?.requiresGrad ? new T.Tensor(dc!, c0.shape) : null,
    ];
    // Positional, so that one Variable passed twice (h0 and c0) receives both gradients.
    return operands.flatMap((v, i) => (v === null ? [] : [grads[i] ?? null]));
  });
}
