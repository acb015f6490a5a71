import { kernels, type TypedArray } from "@nabla/tensor";
import {
  checkBoolean,
  checkNonNegative,
  checkUnit,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
} from "./optimizer.js";
import { REQUIRED } from "./options.js";

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
    super(params, { lr: REQUIRED, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }, options, "SGD");
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
    const first = momentum !== 0 && !this.hasBuffer(state, "momentumBuffer");
    const buf = momentum === 0 ? null : this.buffer(state, "momentumBuffer", p);
    kernels.sgdUpdate(p, g, buf, first, lr, momentum, dampening, nesterov, weightDecay);
  }
}
