import {
  concat,
  dropout,
  gather,
  type RecurrenceMode,
  recurrence,
  recurrenceGates,
  reshape,
  slice,
  transpose,
  Variable,
} from "@nabla/autograd";
import { checkOptions, defaultGenerator, describe, formatShape, type Generator, Tensor } from "@nabla/tensor";
import { Module } from "../module.js";
import { checkFlags, checkSizes, createWeights, type DirectionWeights, stateArgument } from "./weights.js";

const recurrentOptionNames = ["numLayers", "bias", "batchFirst", "bidirectional", "dropout", "generator"] as const;
const forwardOptionNames = ["h0", "lengths", "enforceSorted"] as const;

export interface RecurrentOptions {
  /** Stacked layers, each fed the previous one's output sequence (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [B, T, features] instead of [T, B, features] (default false). The states stay [layers·D, B, H]. */
  batchFirst?: boolean;
  /** A second direction reads the sequence backwards; outputs are concatenated, 2·hiddenSize wide (default false). */
  bidirectional?: boolean;
  /** Dropout probability on each layer's output except the last, in training only (default 0). */
  dropout?: number;
  /** Source of the initial weights and of the dropout masks; the global generator by default, so `manualSeed` applies. */
  generator?: Generator;
}

export interface RNNOptions extends RecurrentOptions {
  /** The Elman RNN's activation: "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

export interface RecurrentForwardOptions {
  /** Initial hidden state [numLayers·D, B, H] (D = 2 when bidirectional); zeros by default. */
  h0?: Variable | Tensor;
  /**
   * The length of each of the B sequences (1..T), as a number[] or an int32 Tensor: the steps
   * past a sequence's length output zeros, leave its final state alone and get no gradient, as
   * with PyTorch's pack_padded_sequence. Any order unless `enforceSorted`.
   */
  lengths?: readonly number[] | Tensor;
  /** Require `lengths` sorted longest first (pack_padded_sequence's enforce_sorted; default false). */
  enforceSorted?: boolean;
}

export interface LSTMForwardOptions extends RecurrentForwardOptions {
  /** Initial cell state [numLayers·D, B, H]; zeros by default. */
  c0?: Variable | Tensor;
}

export interface RecurrentResult {
  /** Every step's output of the last layer: [T, B, D·H] ([B, T, D·H] with batchFirst). */
  output: Variable;
  /** Final hidden state of every layer and direction: [numLayers·D, B, H], layer-major. */
  h: Variable;
}

export interface LSTMResult extends RecurrentResult {
  /** Final cell state: [numLayers·D, B, H]. */
  c: Variable;
}

/** The stable longest-first order of the batch and pack_padded_sequence's batch sizes. */
interface Packing {
  /** null when the lengths are already sorted. */
  order: number[] | null;
  inverse: number[] | null;
  batchSizes: Int32Array;
}

/**
 * The machinery shared by RNN, LSTM and GRU: PyTorch's parameters (weight_ih_l{k}[_reverse], ...),
 * input and state checks, lengths, stacking, directions and dropout. Each direction of each
 * layer runs as one `recurrence` graph node.
 */
abstract class Recurrent<Result> extends Module<Result> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly dropout: number;
  /** The dropout masks' source; when unset, the global generator at the time of each forward. */
  generator: Generator | undefined;
  readonly #mode: RecurrenceMode;
  // ES-private, so that Module's property scan sees each Parameter once, under its PyTorch name.
  readonly #weights: DirectionWeights[] = [];

  protected constructor(
    mode: RecurrenceMode,
    inputSize: number,
    hiddenSize: number,
    options: RecurrentOptions,
    allowed: readonly string[],
  ) {
    super();
    const layer = new.target.name;
    checkSizes(layer, { inputSize, hiddenSize });
    checkOptions(layer, options, allowed);
    const {
      numLayers = 1,
      bias = true,
      batchFirst = false,
      bidirectional = false,
      dropout: p = 0,
      generator,
    } = options;
    checkSizes(layer, { numLayers });
    if (typeof p !== "number" || !(p >= 0 && p <= 1))
      throw new Error(
        `${layer}: dropout must be a probability in [0, 1], got ${typeof p === "number" ? p : describe(p)}`,
      );
    checkFlags(layer, { bias, batchFirst, bidirectional });
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.bidirectional = bidirectional;
    this.dropout = p;
    this.generator = generator;
    this.#mode = mode;
    const directions = bidirectional ? 2 : 1;
    for (let l = 0; l < numLayers; l++) {
      for (let d = 0; d < directions; d++) {
        const layerInput = l === 0 ? inputSize : directions * hiddenSize;
        const suffix = `_l${l}${d === 1 ? "_reverse" : ""}`;
        this.#weights.push(
          createWeights(
            this,
            suffix,
            recurrenceGates[mode],
            layerInput,
            hiddenSize,
            bias,
            generator ?? defaultGenerator(),
          ),
        );
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Runs every layer and direction; `c` is null for RNN and GRU. */
  protected run(
    input: unknown,
    options: LSTMForwardOptions,
    allowed: readonly string[],
  ): { output: Variable; h: Variable; c: Variable | null } {
    const layer = `${this.constructor.name}(${this.extraRepr()})`;
    checkOptions(`${this.constructor.name}.forward`, options, allowed);
    let x = this.timeMajor(layer, input);
    const [steps, batch] = x.shape as [number, number];
    const H = this.hiddenSize;
    const D = this.directions;
    const stateShape = [this.numLayers * D, batch, H];
    let h0 = options.h0 === undefined ? null : stateArgument(layer, "h0", options.h0, stateShape);
    let c0 = options.c0 === undefined ? null : stateArgument(layer, "c0", options.c0, stateShape);
    if (options.enforceSorted !== undefined && typeof options.enforceSorted !== "boolean") {
      throw new Error(`${layer}: enforceSorted must be true or false, got ${describe(options.enforceSorted)}`);
    }
    const packing =
      options.lengths === undefined ? null : pack(layer, options.lengths, steps, batch, options.enforceSorted ?? false);
    if (packing?.order) {
      x = gather(x, packing.order, 1);
      if (h0 !== null) h0 = gather(h0, packing.order, 1);
      if (c0 !== null) c0 = gather(c0, packing.order, 1);
    }
    const slab = (v: Variable, k: number): Variable => reshape(slice(v, [k, 0, 0], [k + 1, batch, H]), [batch, H]);
    const hs: Variable[] = [];
    const cs: Variable[] = [];
    let sequence = x;
    for (let l = 0; l < this.numLayers; l++) {
      const outputs: Variable[] = [];
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const slabs = recurrence(this.#mode, sequence, this.#weights[k]!, {
          ...(h0 === null ? {} : { h0: slab(h0, k) }),
          ...(c0 === null ? {} : { c0: slab(c0, k) }),
          ...(packing === null ? {} : { batchSizes: packing.batchSizes }),
          reverse: d === 1,
        });
        outputs.push(slice(slabs, [0, 0, 0], [steps, batch, H]));
        hs.push(slice(slabs, [steps, 0, 0], [steps + 1, batch, H]));
        if (this.#mode === "lstm") cs.push(slice(slabs, [steps + 1, 0, 0], [steps + 2, batch, H]));
      }
      sequence = D === 1 ? outputs[0]! : concat(outputs, 2);
      if (l < this.numLayers - 1 && this.dropout > 0 && this.training) {
        sequence = dropout(sequence, this.dropout, { generator: this.generator ?? defaultGenerator() });
      }
    }
    let output = sequence;
    let h = hs.length === 1 ? hs[0]! : concat(hs, 0);
    let c = cs.length === 0 ? null : cs.length === 1 ? cs[0]! : concat(cs, 0);
    if (packing?.inverse) {
      output = gather(output, packing.inverse, 1);
      h = gather(h, packing.inverse, 1);
      if (c !== null) c = gather(c, packing.inverse, 1);
    }
    if (this.batchFirst) output = transpose(output, [1, 0, 2]);
    return { output, h, c };
  }

  /** The checked input as a [T, B, inputSize] Variable. */
  private timeMajor(layer: string, input: unknown): Variable {
    if (!(input instanceof Variable || input instanceof Tensor)) {
      throw new Error(`${layer}: input must be a Variable or Tensor ${this.expectedInput()}, got ${describe(input)}`);
    }
    const shape = input.shape;
    if (shape.length !== 3 || shape[2] !== this.inputSize) {
      const hint =
        shape.length === 2 && shape[1] === this.inputSize ? " (add a batch axis of 1 for a single sequence)" : "";
      throw new Error(`${layer}: input has shape ${formatShape(shape)}, expected ${this.expectedInput()}${hint}`);
    }
    const x = input instanceof Variable ? input : new Variable(input);
    return this.batchFirst ? transpose(x, [1, 0, 2]) : x;
  }

  private expectedInput(): string {
    return this.batchFirst ? `[B, T, ${this.inputSize}] (batchFirst)` : `[T, B, ${this.inputSize}]`;
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}→${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push("bias=false");
    if (this.batchFirst) parts.push("batchFirst");
    if (this.bidirectional) parts.push("bidirectional");
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    return parts.join(", ");
  }
}

/** Checks `lengths` and sorts the batch longest first (stable), as pack_padded_sequence does. */
function pack(layer: string, lengths: unknown, steps: number, batch: number, enforceSorted: boolean): Packing {
  let values: ArrayLike<number>;
  if (lengths instanceof Tensor) {
    if (lengths.dtype !== "int32" || lengths.rank !== 1) {
      throw new Error(
        `${layer}: lengths must be a number[] or a 1-D int32 Tensor of ${batch} entries, got a ${lengths.dtype} Tensor of shape ${formatShape(lengths.shape)}`,
      );
    }
    values = lengths.data;
  } else if (Array.isArray(lengths)) {
    values = lengths as number[];
  } else {
    throw new Error(
      `${layer}: lengths must be a number[] or a 1-D int32 Tensor of ${batch} entries, got ${describe(lengths)}`,
    );
  }
  if (values.length !== batch)
    throw new Error(`${layer}: lengths has ${values.length} entries, expected one per sequence (B = ${batch})`);
  for (let b = 0; b < batch; b++) {
    const n = values[b]!;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > steps) {
      const what = typeof n === "number" ? String(n) : describe(n);
      throw new Error(`${layer}: lengths[${b}] is ${what}, expected an integer from 1 to the sequence length ${steps}`);
    }
    if (enforceSorted && b > 0 && n > values[b - 1]!) {
      throw new Error(
        `${layer}: lengths are not sorted longest first (lengths[${b - 1}] = ${values[b - 1]}, lengths[${b}] = ${n}) and enforceSorted is set: sort the batch by length, or leave enforceSorted unset`,
      );
    }
  }
  const order = Array.from({ length: batch }, (_, b) => b).sort((a, b) => values[b]! - values[a]! || a - b);
  const sorted = order.every((b, i) => b === i);
  const batchSizes = new Int32Array(steps);
  for (let t = 0; t < steps; t++) {
    let n = 0;
    while (n < batch && values[order[n]!]! > t) n++;
    batchSizes[t] = n;
  }
  if (sorted) return { order: null, inverse: null, batchSizes };
  const inverse = new Array<number>(batch);
  order.forEach((b, i) => {
    inverse[b] = i;
  });
  return { order, inverse, batchSizes };
}

/**
 * Elman RNN, PyTorch's nn.RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh or relu.
 * `forward(input, { h0?, lengths? })` returns { output, h }.
 */
export class RNN extends Recurrent<RecurrentResult> {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    checkOptions("RNN", options, [...recurrentOptionNames, "nonlinearity"]);
    const nonlinearity = options.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new Error(`RNN: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`);
    }
    super(nonlinearity === "tanh" ? "rnnTanh" : "rnnRelu", inputSize, hiddenSize, options, [
      ...recurrentOptionNames,
      "nonlinearity",
    ]);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Variable | Tensor, options: RecurrentForwardOptions = {}): RecurrentResult {
    const { output, h } = this.run(input, options, forwardOptionNames);
    return { output, h };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === "relu" ? ", nonlinearity=relu" : ""}`;
  }
}

/**
 * Long short-term memory, PyTorch's nn.LSTM (gates i, f, g, o): c_t = f·c_{t−1} + i·g,
 * h_t = o·tanh(c_t). `forward(input, { h0?, c0?, lengths? })` returns { output, h, c }.
 */
export class LSTM extends Recurrent<LSTMResult> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super("lstm", inputSize, hiddenSize, options, recurrentOptionNames);
  }

  forward(input: Variable | Tensor, options: LSTMForwardOptions = {}): LSTMResult {
    const { output, h, c } = this.run(input, options, [...forwardOptionNames, "c0"]);
    return { output, h, c: c! };
  }
}

/**
 * Gated recurrent unit, PyTorch's nn.GRU (gates r, z, n): n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)),
 * h_t = (1 − z)·n + z·h_{t−1}. `forward(input, { h0?, lengths? })` returns { output, h }.
 */
export class GRU extends Recurrent<RecurrentResult> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super("gru", inputSize, hiddenSize, options, recurrentOptionNames);
  }

  forward(input: Variable | Tensor, options: RecurrentForwardOptions = {}): RecurrentResult {
    const { output, h } = this.run(input, options, forwardOptionNames);
    return { output, h };
  }
}
