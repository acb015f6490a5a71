import { avgPool2d, maxPool2d, type Pair, pair, pool2dOutputShape, type Variable } from "@nabla/autograd";
import { checkOptions, type Tensor } from "@nabla/tensor";
import { formatPair } from "./conv2d.js";
import { Module } from "./module.js";

export interface Pool2dLayerOptions {
  /** Step between windows; defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: Pair;
}

/** What MaxPool2d and AvgPool2d share: window sizes, validation and description. */
abstract class Pool2d extends Module {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];

  constructor(who: string, kernelSize: Pair, options: Pool2dLayerOptions) {
    super();
    checkOptions(who, options, who === "AvgPool2d" ? ["stride", "padding", "countIncludePad"] : ["stride", "padding"]);
    this.kernelSize = pair(who, "kernelSize", kernelSize, 1, 1);
    this.stride = pair(who, "stride", options.stride ?? this.kernelSize, 1, 1);
    this.padding = pair(who, "padding", options.padding, 0, 0);
    if (this.padding[0] > this.kernelSize[0] / 2 || this.padding[1] > this.kernelSize[1] / 2) {
      throw new Error(
        `${who}: padding ${formatPair(this.padding)} must be at most half the kernel ${formatPair(this.kernelSize)}`,
      );
    }
  }

  /** The output shape for an input shape [N, C, H, W], or the error forward would throw. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    return pool2dOutputShape(
      inputShape,
      this.kernelSize,
      { stride: this.stride, padding: this.padding },
      this.toString(),
    );
  }

  override extraRepr(): string {
    const parts = [formatPair(this.kernelSize)];
    if (this.stride[0] !== this.kernelSize[0] || this.stride[1] !== this.kernelSize[1])
      parts.push(`stride=${formatPair(this.stride)}`);
    if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding=${formatPair(this.padding)}`);
    return parts.join(", ");
  }
}

/** The maximum of each window of [N, C, H, W]; the gradient goes to the (first) maximal element. */
export class MaxPool2d extends Pool2d {
  constructor(kernelSize: Pair, options: Pool2dLayerOptions = {}) {
    super("MaxPool2d", kernelSize, options);
  }

  forward(x: Variable | Tensor): Variable {
    this.outputShape(x.shape);
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

export interface AvgPool2dLayerOptions extends Pool2dLayerOptions {
  /** Count padded zeros in each window's divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** The mean of each window of [N, C, H, W]. */
export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: AvgPool2dLayerOptions = {}) {
    super("AvgPool2d", kernelSize, options);
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Variable | Tensor): Variable {
    this.outputShape(x.shape);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return this.countIncludePad ? super.extraRepr() : `${super.extraRepr()}, countIncludePad=false`;
  }
}
