import type { TypedArray } from "@nabla/tensor";
import {
  checkNonNegative,
  checkPositive,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
} from "./optimizer.js";

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

/**
 * Adagrad as in PyTorch 1.13. With g = grad + weightDecay·p and t the parameter's step count:
 *
 *     s ← s + g²                        (s starts at initialAccumulatorValue)
 *     p ← p − lr / (1 + (t − 1)·lrDecay) · g / (√s + eps)
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected readonly stateBuffers = ["sum"] as const;

  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, options, "Adagrad");
  }

  protected validateOptions(o: AdagradOptions, op: string, where: string): void {
    checkNonNegative(op, where, "lrDecay", o.lrDecay);
    checkNonNegative(op, where, "weightDecay", o.weightDecay);
    checkNonNegative(op, where, "initialAccumulatorValue", o.initialAccumulatorValue);
    checkPositive(op, where, "eps", o.eps);
  }

  protected update(p: FloatArray, g: TypedArray, state: ParamState, group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps } = group;
    const sum = this.buffer(state, "sum", p, initialAccumulatorValue);
    const clr = lr / (1 + (state.step - 1) * lrDecay);
    const n = p.length;
    if (p instanceof Float32Array && g instanceof Float32Array && weightDecay === 0) {
      adagradFloat32(p, g, sum as Float32Array, clr, eps);
      return;
    }
    for (let i = 0; i < n; i++) {
      const d = weightDecay !== 0 ? g[i]! + weightDecay * p[i]! : g[i]!;
      sum[i] = sum[i]! + d * d;
      p[i] = p[i]! - (clr * d) / (Math.sqrt(sum[i]!) + eps);
    }
  }
}

/**
 * The update without weight decay for float32: no per-element option test, and only ever given
 * Float32Arrays, so that its element accesses stay monomorphic (measured 1.05× faster than the
 * general loop, 1.3× in a process that also steps float64 parameters).
 */
function adagradFloat32(p: Float32Array, g: Float32Array, sum: Float32Array, clr: number, eps: number): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const d = g[i]!;
    sum[i] = sum[i]! + d * d;
    p[i] = p[i]! - (clr * d) / (Math.sqrt(sum[i]!) + eps);
  }
}
