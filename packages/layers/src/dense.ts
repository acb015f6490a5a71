import { linear, Variable } from "@nabla/autograd";
import {
  checkOptions,
  defaultGenerator,
  describe,
  formatShape,
  formatValue,
  type Generator,
  shapeSize,
  Tensor,
} from "@nabla/tensor";
import { heNormal, type Initializer, lecunNormal, xavierUniform, zeros } from "./init.js";
import { Module, Parameter } from "./module.js";

export interface DenseOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** 'he' (He normal, for ReLU; default), 'xavier' (Glorot uniform, for tanh/sigmoid), 'lecun' (LeCun normal), or your own. */
  init?: "he" | "xavier" | "lecun" | Initializer;
  /** Source of the initial weights; the global generator by default, so `manualSeed` makes them reproducible. */
  generator?: Generator;
}

const initializers = { he: heNormal, xavier: xavierUniform, lecun: lecunNormal } as const;

/**
 * A fully connected layer: y = x·W + b with `weight` of shape [inFeatures, outFeatures] (deepnet's
 * and Keras's layout) and `bias` [outFeatures], zeros at first. Computed as one fused `linear`
 * node. Inputs may have any number of leading axes: [*, inFeatures] -> [*, outFeatures].
 */
export class Dense extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    for (const [what, n] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0)
        throw new Error(`Dense: ${what} must be a positive integer, got ${formatValue(n)}`);
    }
    checkOptions("Dense", options, ["bias", "init", "generator"]);
    const { bias = true, init = "he", generator = defaultGenerator() } = options;
    const initializer = typeof init === "function" ? init : initializers[init];
    if (initializer === undefined)
      throw new Error(`Dense: unknown init '${String(init)}': expected 'he', 'xavier', 'lecun' or a function`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(
      initializer([inFeatures, outFeatures], { fanIn: inFeatures, fanOut: outFeatures, generator }),
    );
    this.bias = bias ? new Parameter(zeros([outFeatures])) : null;
  }

  forward(x: Variable | Tensor): Variable {
    const input: unknown = x;
    if (!(input instanceof Variable || input instanceof Tensor)) {
      throw new Error(
        `${this.toString()}: input must be a Variable or Tensor [*,${this.inFeatures}], got ${describe(x)}`,
      );
    }
    const shape = x.shape;
    if (shape.length === 0 || shape[shape.length - 1] !== this.inFeatures) {
      // [N,1,28,28] images into a Dense(784, ...) is the classic slip: say what would fit.
      const flat =
        shape.length > 2 && shapeSize(shape.slice(1)) === this.inFeatures ? " (put a Flatten layer before it)" : "";
      throw new Error(
        `${this.toString()}: input has shape ${formatShape(shape)}, expected [*,${this.inFeatures}]${flat}`,
      );
    }
    return linear(x, this.weight, this.bias ?? undefined);
  }

  override extraRepr(): string {
    return `${this.inFeatures}→${this.outFeatures}${this.bias === null ? ", bias=false" : ""}`;
  }
}
