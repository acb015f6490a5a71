import type { TypedArray } from "@nabla/tensor";
import {
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
  checkBoolean,
  checkNonNegative,
  checkUnit,
} from "./optimizer.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/**
 * Stochastic gradient descent with PyTorch's (1.13) momentum, dampening, Nesterov momentum and
 * L2 weight decay. With g = grad + weightDecay·p:
 *
 *     b ← g on the first step (no dampening), else b ← momentum·b + (1 − dampening)·g
 *     d ← g + momentum·b (Nesterov) or b (plain momentum) or g (momentum = 0)
 *     p ← p − lr·d
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly stateBuffers = ["momentumBuffer"] as const;

  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super(params, { lr: undefined as unknown as number, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }, options, "SGD");
  }

  protected validateOptions(o: SGDOptions, op: string, where: string): void {
    checkUnit(op, where, "momentum", o.momentum);
    checkUnit(op, where, "dampening", o.dampening, true);
    checkBoolean(op, where, "nesterov", o.nesterov);
    checkNonNegative(op, where, "weightDecay", o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(
        `${op}: ${where}Nesterov momentum requires a momentum and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`,
      );
    }
  }

  protected update(p: FloatArray, g: TypedArray, state: ParamState, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = group;
    const n = p.length;
    if (momentum === 0 && weightDecay === 0) {
      // Plain SGD, the common case, without the loop-invariant branches of the general loops.
      for (let i = 0; i < n; i++) p[i] = p[i]! - lr * g[i]!;
      return;
    }
    if (momentum === 0) {
      for (let i = 0; i < n; i++) p[i] = p[i]! - lr * (g[i]! + weightDecay * p[i]!);
      return;
    }
    const first = !this.hasBuffer(state, "momentumBuffer");
    const buf = this.buffer(state, "momentumBuffer", p);
    for (let i = 0; i < n; i++) {
      const d = weightDecay !== 0 ? g[i]! + weightDecay * p[i]! : g[i]!;
      buf[i] = first ? d : momentum * buf[i]! + (1 - dampening) * d;
      p[i] = p[i]! - lr * (nesterov ? d + momentum * buf[i]! : buf[i]!);
    }
  }
}
