import { Variable } from "@nabla/autograd";
import { describe, formatShape, type Generator, rand, Tensor } from "@nabla/tensor";
import { Parameter } from "../module.js";

/** The Parameters of one direction of one layer (or of a cell). */
export interface DirectionWeights {
  weightIH: Parameter;
  weightHH: Parameter;
  biasIH?: Parameter;
  biasHH?: Parameter;
}

/**
 * Creates W_ih [G·H, in], W_hh [G·H, H] and (with bias) b_ih, b_hh [G·H] on `owner` under PyTorch's
 * names (`weight_ih` + suffix, ...), drawn in that order from U(−1/√H, 1/√H) as PyTorch does. They
 * are enumerable own properties, so Module finds them and namedParameters()/stateDict() carry
 * PyTorch's names ("weight_ih_l0_reverse").
 */
export function createWeights(
  owner: object,
  suffix: string,
  gates: number,
  inputSize: number,
  hiddenSize: number,
  bias: boolean,
  generator: Generator,
): DirectionWeights {
  const bound = 1 / Math.sqrt(hiddenSize);
  const make = (name: string, shape: number[]): Parameter => {
    const p = new Parameter(rand(shape, { generator, low: -bound, high: bound }));
    Object.defineProperty(owner, `${name}${suffix}`, {
      value: p,
      enumerable: true,
      writable: false,
      configurable: false,
    });
    return p;
  };
  const weightIH = make("weight_ih", [gates * hiddenSize, inputSize]);
  const weightHH = make("weight_hh", [gates * hiddenSize, hiddenSize]);
  if (!bias) return { weightIH, weightHH };
  return {
    weightIH,
    weightHH,
    biasIH: make("bias_ih", [gates * hiddenSize]),
    biasHH: make("bias_hh", [gates * hiddenSize]),
  };
}

/** Throws unless each value is a positive integer; its key names it in the message. */
export function checkSizes(layer: string, sizes: Record<string, unknown>): void {
  for (const [what, n] of Object.entries(sizes)) {
    if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
      throw new Error(`${layer}: ${what} must be a positive integer, got ${typeof n === "number" ? n : describe(n)}`);
    }
  }
}

/** Throws unless each value is a boolean; its key names it in the message. */
export function checkFlags(layer: string, flags: Record<string, unknown>): void {
  for (const [what, flag] of Object.entries(flags)) {
    if (typeof flag !== "boolean") throw new Error(`${layer}: ${what} must be true or false, got ${describe(flag)}`);
  }
}

/** The Variable of a forward argument that must be a Variable or Tensor of `expected` shape. */
export function stateArgument(layer: string, what: string, value: unknown, expected: readonly number[]): Variable {
  if (!(value instanceof Variable || value instanceof Tensor)) {
    throw new Error(`${layer}: ${what} must be a Variable or Tensor ${formatShape(expected)}, got ${describe(value)}`);
  }
  const shape = value.shape;
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${layer}: ${what} has shape ${formatShape(shape)}, expected ${formatShape(expected)}`);
  }
  return value instanceof Variable ? value : new Variable(value);
}
