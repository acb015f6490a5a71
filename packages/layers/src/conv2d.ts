import { type Conv2dOptions, conv2d, conv2dOutputShape, type Pair, pair, type Variable } from "@nabla/autograd";
import { checkOptions, defaultGenerator, formatValue, type Generator, rand, type Tensor } from "@nabla/tensor";
import { Module, Parameter } from "./module.js";

export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Source of the initial weights; the global generator by default, so `manualSeed` makes them reproducible. */
  generator?: Generator;
}

/** "3×3" for a pair, for layer descriptions. */
export function formatPair(p: readonly [number, number]): string {
  return `${p[0]}×${p[1]}`;
}

/**
 * 2-D convolution on NCHW input: [N, inChannels, H, W] → [N, outChannels, oH, oW], PyTorch's
 * layout, with `weight` [outChannels, inChannels, kH, kW] and `bias` [outChannels].
 *
 * Initialised as PyTorch's nn.Conv2d (kaiming-uniform with a = √5): weight and bias both
 * U(−1/√fanIn, 1/√fanIn) with fanIn = inChannels·kH·kW. (deepnet divided by the number of filters
 * instead, which shrinks the weights as a layer widens.)
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    for (const [what, n] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0)
        throw new Error(`Conv2d: ${what} must be a positive integer, got ${formatValue(n)}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair("Conv2d", "kernelSize", kernelSize, 1, 1);
    checkOptions("Conv2d", options, ["stride", "padding", "dilation", "bias", "generator"]);
    this.stride = pair("Conv2d", "stride", options.stride, 1, 1);
    this.padding = pair("Conv2d", "padding", options.padding, 0, 0);
    this.dilation = pair("Conv2d", "dilation", options.dilation, 1, 1);
    const { bias = true, generator = defaultGenerator() } = options;
    const [kH, kW] = this.kernelSize;
    const bound = 1 / Math.sqrt(inChannels * kH * kW);
    this.weight = new Parameter(rand([outChannels, inChannels, kH, kW], { generator, low: -bound, high: bound }));
    this.bias = bias ? new Parameter(rand([outChannels], { generator, low: -bound, high: bound })) : null;
  }

  /** The output shape for an input shape [N, C, H, W], or the error forward would throw. */
  outputShape(inputShape: readonly number[]): [number, number, number, number] {
    return conv2dOutputShape(inputShape, this.weight.shape, this.options(), this.toString());
  }

  forward(x: Variable | Tensor): Variable {
    this.outputShape(x.shape);
    return conv2d(x, this.weight, this.bias, this.options());
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}→${this.outChannels}`, formatPair(this.kernelSize)];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride=${formatPair(this.stride)}`);
    if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding=${formatPair(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=${formatPair(this.dilation)}`);
    if (this.bias === null) parts.push("bias=false");
    return parts.join(", ");
  }

  private options(): Conv2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation };
  }
}
