import { kernels, type TypedArray } from "@nabla/tensor";
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
    kernels.adagradUpdate(p, g, sum, clr, eps, weightDecay);
  }
}
