import { flatten, type Variable } from "@nabla/autograd";
import { formatValue, type Tensor } from "@nabla/tensor";
import { Module } from "./module.js";

/** Merges the axes from `startAxis` on into one: [N, C, H, W] -> [N, C·H·W] by default, keeping the batch axis. */
export class Flatten extends Module {
  readonly startAxis: number;

  constructor(startAxis = 1) {
    super();
    if (!Number.isInteger(startAxis))
      throw new Error(`Flatten: startAxis must be an integer, got ${formatValue(startAxis)}`);
    this.startAxis = startAxis;
  }

  forward(x: Variable | Tensor): Variable {
    return flatten(x, this.startAxis);
  }

  override extraRepr(): string {
    return this.startAxis === 1 ? "" : `startAxis=${this.startAxis}`;
  }
}
