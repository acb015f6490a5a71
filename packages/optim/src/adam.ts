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
    // Without amsgrad the running maximum aliases v, so the loop reads v itself.
    const vMax = amsgrad ? this.buffer(state, "maxExpAvgSq", p) : v;
    const t = state.step;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    const l2 = this.decoupled ? 0 : weightDecay;
    const shrink = this.decoupled ? 1 - lr * weightDecay : 1;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const n = p.length;
    if (p instanceof Float32Array && g instanceof Float32Array && !amsgrad) {
      adamFloat32(
        p,
        g,
        m as Float32Array,
        v as Float32Array,
        beta1,
        beta2,
        c1,
        c2,
        stepSize,
        bias2Sqrt,
        eps,
        l2,
        shrink,
      );
      return;
    }
    // The options are fixed for the whole loop, so the common case (no weight decay, no amsgrad)
    // gets its own loop without per-element branches (measured 1.4× faster on 100k float32 weights).
    if (l2 === 0 && shrink === 1 && !amsgrad) {
      for (let i = 0; i < n; i++) {
        const d = g[i]!;
        m[i] = beta1 * m[i]! + c1 * d;
        v[i] = beta2 * v[i]! + c2 * d * d;
        p[i] = p[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bias2Sqrt + eps);
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const pi = shrink !== 1 ? p[i]! * shrink : p[i]!;
      const d = l2 !== 0 ? g[i]! + l2 * pi : g[i]!;
      m[i] = beta1 * m[i]! + c1 * d;
      v[i] = beta2 * v[i]! + c2 * d * d;
      if (amsgrad) vMax[i] = Math.max(vMax[i]!, v[i]!);
      p[i] = pi - (stepSize * m[i]!) / (Math.sqrt(vMax[i]!) / bias2Sqrt + eps);
    }
  }
}

/**
 * The update without amsgrad for float32, in one loop per kind of weight decay (AdamW's shrink,
 * Adam's L2, which never come together, or none) so that no option is tested per element; only
 * ever given Float32Arrays, so that its element accesses stay monomorphic. Measured 1.3–1.4×
 * faster than the general loop in a process that also steps float64 parameters, as fast where
 * only float32 ever reaches it (the square root and divisions dominate).
 */
function adamFloat32(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  beta1: number,
  beta2: number,
  c1: number,
  c2: number,
  stepSize: number,
  bias2Sqrt: number,
  eps: number,
  l2: number,
  shrink: number,
): void {
  const n = p.length;
  if (shrink !== 1) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]! * shrink;
      const d = g[i]!;
      m[i] = beta1 * m[i]! + c1 * d;
      v[i] = beta2 * v[i]! + c2 * d * d;
      p[i] = pi - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bias2Sqrt + eps);
    }
  } else if (l2 !== 0) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!;
      const d = g[i]! + l2 * pi;
      m[i] = beta1 * m[i]! + c1 * d;
      v[i] = beta2 * v[i]! + c2 * d * d;
      p[i] = pi - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bias2Sqrt + eps);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = g[i]!;
      m[i] = beta1 * m[i]! + c1 * d;
      v[i] = beta2 * v[i]! + c2 * d * d;
      p[i] = p[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bias2Sqrt + eps);
    }
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
