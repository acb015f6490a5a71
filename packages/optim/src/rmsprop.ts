import type { TypedArray } from "@nabla/tensor";
import {
  checkBoolean,
  checkNonNegative,
  checkPositive,
  checkUnit,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
} from "./optimizer.js";

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

/**
 * RMSprop as in PyTorch 1.13. With g = grad + weightDecay·p:
 *
 *     v ← alpha·v + (1 − alpha)·g²
 *     centered: a ← alpha·a + (1 − alpha)·g, and den = √(v − a²) + eps; otherwise den = √v + eps
 *     momentum > 0: b ← momentum·b + g / den (b starts at 0), p ← p − lr·b
 *     otherwise:    p ← p − lr·g / den
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected readonly stateBuffers = ["squareAvg", "gradAvg", "momentumBuffer"] as const;

  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(
      params,
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
      options,
      "RMSprop",
    );
  }

  protected validateOptions(o: RMSpropOptions, op: string, where: string): void {
    checkUnit(op, where, "alpha", o.alpha);
    checkPositive(op, where, "eps", o.eps);
    checkNonNegative(op, where, "weightDecay", o.weightDecay);
    checkUnit(op, where, "momentum", o.momentum);
    checkBoolean(op, where, "centered", o.centered);
  }

  protected update(p: FloatArray, g: TypedArray, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    const sq = this.buffer(state, "squareAvg", p);
    // Unused buffers alias squareAvg so the loop stays branch-light and allocation-free.
    const avg = centered ? this.buffer(state, "gradAvg", p) : sq;
    const buf = momentum > 0 ? this.buffer(state, "momentumBuffer", p) : sq;
    const n = p.length;
    if (p instanceof Float32Array && g instanceof Float32Array && weightDecay === 0 && !centered && momentum === 0) {
      rmspropFloat32(p, g, sq as Float32Array, lr, alpha, 1 - alpha, eps);
      return;
    }
    for (let i = 0; i < n; i++) {
      const d = weightDecay !== 0 ? g[i]! + weightDecay * p[i]! : g[i]!;
      sq[i] = alpha * sq[i]! + (1 - alpha) * d * d;
      let den: number;
      if (centered) {
        avg[i] = alpha * avg[i]! + (1 - alpha) * d;
        den = Math.sqrt(sq[i]! - avg[i]! * avg[i]!) + eps;
      } else {
        den = Math.sqrt(sq[i]!) + eps;
      }
      if (momentum > 0) {
        buf[i] = momentum * buf[i]! + d / den;
        p[i] = p[i]! - lr * buf[i]!;
      } else {
        p[i] = p[i]! - (lr * d) / den;
      }
    }
  }
}

/**
 * The default options (no weight decay, not centered, no momentum) for float32: none of the
 * general loop's per-element option tests, and only ever given Float32Arrays, so that its
 * element accesses stay monomorphic (measured 1.05× faster than the general loop, 1.4× in a
 * process that also steps float64 parameters). `decay` is 1 − alpha.
 */
function rmspropFloat32(
  p: Float32Array,
  g: Float32Array,
  sq: Float32Array,
  lr: number,
  alpha: number,
  decay: number,
  eps: number,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const d = g[i]!;
    sq[i] = alpha * sq[i]! + decay * d * d;
    p[i] = p[i]! - (lr * d) / (Math.sqrt(sq[i]!) + eps);
  }
}
