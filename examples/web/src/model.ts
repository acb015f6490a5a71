import { Dense, type Generator, loadModelFromBytes, noGrad, ReLU, Sequential, Tensor, Variable } from "nabla";

/** examples/mnist's default model, so that its checkpoints load here. */
export const MLP_DESCRIPTION = "Dense 784→128, ReLU, Dense 128→10";

export function buildMlp(generator: Generator): Sequential {
  return new Sequential(new Dense(784, 128, { generator }), new ReLU(), new Dense(128, 10, { generator }));
}

/** A model's parameters as plain arrays: what the worker posts to the page (structured-cloneable). */
export type Weights = Record<string, { shape: number[]; data: Float32Array }>;

/** A copy of the model's parameters. */
export function weightsOf(model: Sequential): Weights {
  const out: Weights = {};
  for (const [name, p] of model.namedParameters()) {
    out[name] = { shape: [...p.shape], data: Float32Array.from(p.value.data) };
  }
  return out;
}

/** Copies `weights` into `model`; a record that does not fit throws and leaves the model as it was. */
export function setWeights(model: Sequential, weights: Weights): void {
  const state = new Map<string, Tensor>();
  for (const [name, { shape, data }] of Object.entries(weights)) state.set(name, new Tensor(data, shape));
  model.loadStateDict(state);
}

/**
 * Loads the weights of a safetensors file (a checkpoint `pnpm example:mnist` writes, or a file of
 * `saveModel`) into `model`; a training checkpoint's optimizer and data-order state are left out.
 * A file that is not safetensors, or whose weights belong to another architecture, throws an Error
 * naming `source`, and the model keeps its weights.
 */
export function loadWeights(model: Sequential, bytes: Uint8Array, source: string): void {
  try {
    loadModelFromBytes(model, bytes, { source });
  } catch (e) {
    const message = (e as Error).message;
    // A sound file whose tensors do not fit the model: say which model the page expects.
    if (!message.includes("loadStateDict:")) throw e;
    throw new Error(
      `${message}: this page runs the MLP ${MLP_DESCRIPTION}, which pnpm example:mnist trains by default`,
    );
  }
}

/** The ten class probabilities the model gives one 28×28 image (pixels in [0, 1], row-major). */
export function classify(model: Sequential, pixels: Float32Array): Float32Array {
  if (pixels.length !== 784) throw new Error(`classify: expected 784 pixels (28×28), got ${pixels.length}`);
  const logits = noGrad(() => model.forward(new Variable(new Tensor(pixels, [1, 784])))).value.data;
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
