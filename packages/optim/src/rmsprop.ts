import { kernels, type TypedArray } from "@nabla/tensor";
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
    const squareAvg = this.buffer(state, "squareAvg", p);
    const gradAvg = centered ? this.buffer(state, "gradAvg", p) : null;
    const momentumBuffer = momentum > 0 ? this.buffer(state, "momentumBuffer", p) : null;
    kernels.rmspropUpdate(p, g, squareAvg, gradAvg, momentumBuffer, lr, alpha, eps, weightDecay, momentum);
  }
}
