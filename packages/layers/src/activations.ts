import { leakyRelu, relu, sigmoid, tanh, type Variable } from "@nabla/autograd";
import { formatValue, type Tensor } from "@nabla/tensor";
import { Module } from "./module.js";

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Variable | Tensor): Variable {
    return relu(x);
  }
}

/** x for x > 0, slope·x otherwise. */
export class LeakyReLU extends Module {
  readonly slope: number;

  constructor(slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new Error(`LeakyReLU: slope must be a finite number, got ${formatValue(slope)}`);
    this.slope = slope;
  }

  forward(x: Variable | Tensor): Variable {
    return leakyRelu(x, this.slope);
  }

  override extraRepr(): string {
    return `slope=${this.slope}`;
  }
}

/** 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  forward(x: Variable | Tensor): Variable {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Variable | Tensor): Variable {
    return tanh(x);
  }
}
