import { type RecurrenceMode, recurrence, recurrenceGates, reshape, slice, Variable } from "@nabla/autograd";
import { checkOptions, defaultGenerator, describe, formatShape, type Generator, Tensor } from "@nabla/tensor";
import { Module } from "../module.js";
import { checkFlags, checkSizes, createWeights, type DirectionWeights, stateArgument } from "./weights.js";

export interface CellOptions {
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Source of the initial weights; the global generator by default, so `manualSeed` applies. */
  generator?: Generator;
}

export interface RNNCellOptions extends CellOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/** An LSTM cell's state: hidden and cell, each [B, H]. */
export interface LSTMState {
  h: Variable;
  c: Variable;
}

/**
 * One step of a recurrence for hand-written loops, PyTorch's RNNCell/LSTMCell/GRUCell: the same
 * equations and the same graph node as the sequence layers, on x [B, inputSize]. Parameters
 * `weight_ih` [G·H, in], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H].
 */
abstract class Cell<Result> extends Module<Result> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly #mode: RecurrenceMode;
  readonly #weights: DirectionWeights;

  protected constructor(
    mode: RecurrenceMode,
    inputSize: number,
    hiddenSize: number,
    options: CellOptions,
    allowed: readonly string[],
  ) {
    super();
    const layer = new.target.name;
    checkSizes(layer, { inputSize, hiddenSize });
    checkOptions(layer, options, allowed);
    const { bias = true, generator = defaultGenerator() } = options;
    checkFlags(layer, { bias });
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.#mode = mode;
    this.#weights = createWeights(this, "", recurrenceGates[mode], inputSize, hiddenSize, bias, generator);
  }

  /** The new state's slabs [1 + 1 (+1), B, H] (output, h, c) for x and the optional previous state. */
  protected step(x: unknown, h: unknown, c: unknown): { slabs: Variable; batch: number } {
    const layer = `${this.constructor.name}(${this.extraRepr()})`;
    if (!(x instanceof Variable || x instanceof Tensor)) {
      throw new Error(`${layer}: input must be a Variable or Tensor [B, ${this.inputSize}], got ${describe(x)}`);
    }
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      const hint = x.rank === 1 && x.shape[0] === this.inputSize ? " (add a batch axis of 1 for a single example)" : "";
      throw new Error(`${layer}: input has shape ${formatShape(x.shape)}, expected [B, ${this.inputSize}]${hint}`);
    }
    const batch = x.shape[0]!;
    const stateShape = [batch, this.hiddenSize];
    const slabs = recurrence(this.#mode, reshape(x, [1, batch, this.inputSize]), this.#weights, {
      ...(h === undefined ? {} : { h0: stateArgument(layer, "h", h, stateShape) }),
      ...(c === undefined ? {} : { c0: stateArgument(layer, "c", c, stateShape) }),
    });
    return { slabs, batch };
  }

  protected slab(slabs: Variable, k: number, batch: number): Variable {
    return reshape(slice(slabs, [k, 0, 0], [k + 1, batch, this.hiddenSize]), [batch, this.hiddenSize]);
  }

  override extraRepr(): string {
    return `${this.inputSize}→${this.hiddenSize}${this.bias ? "" : ", bias=false"}`;
  }
}

/** h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh); `forward(x, h?)` returns h' [B, H] (h defaults to zeros). */
export class RNNCell extends Cell<Variable> {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    checkOptions("RNNCell", options, ["bias", "generator", "nonlinearity"]);
    const nonlinearity = options.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new Error(`RNNCell: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`);
    }
    super(nonlinearity === "tanh" ? "rnnTanh" : "rnnRelu", inputSize, hiddenSize, options, [
      "bias",
      "generator",
      "nonlinearity",
    ]);
    this.nonlinearity = nonlinearity;
  }

  forward(x: Variable | Tensor, h?: Variable | Tensor): Variable {
    const { slabs, batch } = this.step(x, h, undefined);
    return this.slab(slabs, 1, batch);
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === "relu" ? ", nonlinearity=relu" : ""}`;
  }
}

/** PyTorch's GRUCell (gates r, z, n); `forward(x, h?)` returns h' [B, H]. */
export class GRUCell extends Cell<Variable> {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super("gru", inputSize, hiddenSize, options, ["bias", "generator"]);
  }

  forward(x: Variable | Tensor, h?: Variable | Tensor): Variable {
    const { slabs, batch } = this.step(x, h, undefined);
    return this.slab(slabs, 1, batch);
  }
}

/** PyTorch's LSTMCell (gates i, f, g, o); `forward(x, { h, c }?)` returns the new { h, c }, each [B, H]. */
export class LSTMCell extends Cell<LSTMState> {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super("lstm", inputSize, hiddenSize, options, ["bias", "generator"]);
  }

  forward(x: Variable | Tensor, state?: { h: Variable | Tensor; c: Variable | Tensor }): LSTMState {
    const given: unknown = state;
    if (given !== undefined && (given === null || typeof given !== "object" || !("h" in given) || !("c" in given))) {
      throw new Error(
        `LSTMCell(${this.extraRepr()}): state must be { h, c }, each [B, ${this.hiddenSize}], got ${describe(given)}`,
      );
    }
    const { slabs, batch } = this.step(x, state?.h, state?.c);
    return { h: this.slab(slabs, 1, batch), c: this.slab(slabs, 2, batch) };
  }
}
