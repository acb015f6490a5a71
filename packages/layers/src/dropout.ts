import { dropout, type Variable } from "@nabla/autograd";
import { checkOptions, defaultGenerator, formatValue, type Generator, type Tensor } from "@nabla/tensor";
import { Module } from "./module.js";

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
 * 1/(1-p), so nothing needs rescaling at test time; in eval mode it is the identity. p = 1 drops everything.
 */
export class Dropout extends Module {
  readonly p: number;
  /** The mask's source; when unset, the global generator at the time of each forward (so `manualSeed` applies). */
  generator: Generator | undefined;

  constructor(p = 0.5, options: { generator?: Generator } = {}) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1))
      throw new Error(`Dropout: p must be a probability in [0, 1], got ${formatValue(p)}`);
    checkOptions("Dropout", options, ["generator"]);
    this.p = p;
    this.generator = options.generator;
  }

  forward(x: Variable | Tensor): Variable {
    return dropout(x, this.p, { generator: this.generator ?? defaultGenerator(), training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
