import { logSoftmax, softmax, type Variable } from "@nabla/autograd";
import { formatValue, type Tensor } from "@nabla/tensor";
import { Module } from "./module.js";

/**
 * Probabilities along `axis` (stable: the maximum is subtracted). For training a classifier, feed
 * the logits to softmaxCrossEntropy instead: it is exact where log(softmax) underflows.
 */
export class Softmax extends Module {
  readonly axis: number;

  constructor(axis = -1) {
    super();
    if (!Number.isInteger(axis)) throw new Error(`Softmax: axis must be an integer, got ${formatValue(axis)}`);
    this.axis = axis;
  }

  forward(x: Variable | Tensor): Variable {
    return softmax(x, this.axis);
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

/** log(softmax(x)) along `axis`, computed as x - logsumexp(x): finite where softmax underflows. */
export class LogSoftmax extends Module {
  readonly axis: number;

  constructor(axis = -1) {
    super();
    if (!Number.isInteger(axis)) throw new Error(`LogSoftmax: axis must be an integer, got ${formatValue(axis)}`);
    this.axis = axis;
  }

  forward(x: Variable | Tensor): Variable {
    return logSoftmax(x, this.axis);
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}
