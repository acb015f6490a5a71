import { batchNorm, type Variable } from "@nabla/autograd";
import { checkOptions, formatShape, formatValue, ones, type Tensor, zeros } from "@nabla/tensor";
import { Module, Parameter } from "./module.js";

export interface BatchNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1, PyTorch's convention);
   * null keeps a cumulative average over all batches seen (weight 1/numBatchesTracked).
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them, batch statistics are used in both modes. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over every axis but the channels (axis 1). In training it normalises with
 * the batch's mean and biased variance and moves the running statistics towards the batch's
 * mean and unbiased variance; in evaluation it normalises with the running statistics.
 *
 * The running statistics are buffers, saved in the state dict next to the parameters under
 * Nabla's camelCase names: "weight", "bias", "runningMean", "runningVar", "numBatchesTracked"
 * (PyTorch's running_mean, running_var, num_batches_tracked).
 */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions) {
    super();
    const who = this.constructor.name;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`${who}: numFeatures must be a positive integer, got ${formatValue(numFeatures)}`);
    }
    checkOptions(who, options, ["eps", "momentum", "affine", "trackRunningStats"]);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    if (typeof eps !== "number" || !(eps >= 0))
      throw new Error(`${who}: eps must be a non-negative number, got ${formatValue(eps)}`);
    if (momentum !== null && (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1))) {
      throw new Error(`${who}: momentum must be in [0, 1] or null, got ${formatValue(momentum)}`);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    if (trackRunningStats) {
      this.registerBuffer("runningMean", zeros([numFeatures]));
      this.registerBuffer("runningVar", ones([numFeatures]));
      this.registerBuffer("numBatchesTracked", zeros([], "int32"));
    }
  }

  /** The running mean per channel (null without trackRunningStats). */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("runningMean") : null;
  }

  /** The running unbiased variance per channel (null without trackRunningStats). */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("runningVar") : null;
  }

  /** How many training batches have updated the running statistics. */
  get numBatchesTracked(): number {
    return this.trackRunningStats ? this.getBuffer("numBatchesTracked").data[0]! : 0;
  }

  /** The ranks this layer accepts and how to describe them in an error. */
  protected abstract readonly layout: { ranks: readonly number[]; text: string };

  forward(x: Variable | Tensor): Variable {
    return this.normalize(x, false);
  }

  /** relu(this.forward(x)) as one graph node with the same bits: what Sequential runs for a BatchNorm followed by a ReLU. */
  forwardRelu(x: Variable | Tensor): Variable {
    return this.normalize(x, true);
  }

  private normalize(x: Variable | Tensor, relu: boolean): Variable {
    const who = this.toString();
    if (!this.layout.ranks.includes(x.rank)) {
      throw new Error(`${who}: input must be ${this.layout.text}, got shape ${formatShape(x.shape)}`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${who}: input has ${x.shape[1]} channels, expected ${this.numFeatures} (input shape ${formatShape(x.shape)})`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const count = this.getBuffer("numBatchesTracked").data;
      count[0] = count[0]! + 1;
      if (this.momentum === null) momentum = 1 / count[0]!;
    }
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training,
      momentum,
      eps: this.eps,
      relu,
    });
  }

  override extraRepr(): string {
    const parts = [String(this.numFeatures)];
    if (this.eps !== 1e-5) parts.push(`eps=${this.eps}`);
    if (this.momentum !== 0.1) parts.push(`momentum=${this.momentum}`);
    if (this.weight === null) parts.push("affine=false");
    if (!this.trackRunningStats) parts.push("trackRunningStats=false");
    return parts.join(", ");
  }
}

/** BatchNorm over [N, C] (features) or [N, C, L] (sequences): statistics per C, over N (and L). */
export class BatchNorm1d extends BatchNorm {
  protected readonly layout = { ranks: [2, 3], text: "2-D [N,C] or 3-D [N,C,L]" };

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options);
  }
}

/** BatchNorm over images [N, C, H, W]: statistics per channel, over N, H and W. */
export class BatchNorm2d extends BatchNorm {
  protected readonly layout = { ranks: [4], text: "4-D [N,C,H,W]" };

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options);
  }
}
