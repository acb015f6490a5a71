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
  show,
} from "./optimizer.js";

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

/**
 * The update Adam and AdamW share (PyTorch 1.13). With t the parameter's step count:
 *
 *     Adam:  g ← grad + weightDecay·p            AdamW: p ← p·(1 − lr·weightDecay), g ← grad
 *     m ← β1·m + (1 − β1)·g                      (first moment, its own buffer)
 *     v ← β2·v + (1 − β2)·g²                     (second moment, its own buffer)
 *     amsgrad: v̂ ← max(v̂, v), and v̂ is used below instead of v
 *     p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected readonly stateBuffers = ["expAvg", "expAvgSq", "maxExpAvgSq"] as const;
  private readonly decoupled: boolean;

  constructor(
    params: Params<AdamOptions>,
    options: Partial<AdamOptions>,
    name: string,
    weightDecay: number,
    decoupled: boolean,
  ) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false }, options, name);
    this.decoupled = decoupled;
  }

  protected validateOptions(o: AdamOptions, op: string, where: string): void {
    const betas: unknown = o.betas;
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new Error(`${op}: ${where}betas must be a pair of numbers [beta1, beta2], got ${show(betas)}`);
    }
    checkUnit(op, where, "betas[0]", betas[0]);
    checkUnit(op, where, "betas[1]", betas[1]);
    checkPositive(op, where, "eps", o.eps);
    checkNonNegative(op, where, "weightDecay", o.weightDecay);
    checkBoolean(op, where, "amsgrad", o.amsgrad);
  }

  protected update(p: FloatArray, g: TypedArray, state: ParamState, group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    const m = this.buffer(state, "expAvg", p);
    const v = this.buffer(state, "expAvgSq", p);
    const vMax = amsgrad ? this.buffer(state, "maxExpAvgSq", p) : null;
    const t = state.step;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    const l2 = this.decoupled ? 0 : weightDecay;
    const shrink = this.decoupled ? 1 - lr * weightDecay : 1;
    kernels.adamUpdate(p, g, m, v, vMax, beta1, beta2, stepSize, bias2Sqrt, eps, l2, shrink);
  }
}

/** Adam (Kingma & Ba) with PyTorch's L2 weight decay (added to the gradient) and AMSGrad. */
export class Adam extends AdamBase {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options, "Adam", 0, false);
  }
}

/** AdamW (Loshchilov & Hutter): weight decay decoupled from the gradient, p ← p·(1 − lr·weightDecay). */
export class AdamW extends AdamBase {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options, "AdamW", 1e-2, true);
  }
}
