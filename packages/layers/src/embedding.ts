import { asVariable, type Input, record, Variable } from "@nabla/autograd";
import {
  allocate,
  checkOptions,
  defaultGenerator,
  describe,
  formatPosition,
  formatShape,
  type Generator,
  randn,
  Tensor,
} from "@nabla/tensor";
import { Module, Parameter } from "./module.js";

export interface EmbeddingOptions {
  /**
   * A row that stays zero and never receives gradient (e.g. the padding token); negative counts from
   * the end, as in PyTorch. Default: none.
   */
  paddingIdx?: number;
  /** Source of the initial N(0, 1) weights; the global generator by default, so `manualSeed` makes them reproducible. */
  generator?: Generator;
}

/**
 * Looks up rows of `weight` [numEmbeddings, dim]: int32 indices of any shape give
 * [...indices.shape, dim], as torch.nn.functional.embedding. The weight's gradient adds up the
 * output gradients of every position that used a row (a row used twice gets both), except the
 * `paddingIdx` row, which gets none. Indices must lie in 0..numEmbeddings-1.
 */
export function embedding(indices: Tensor, weight: Input, options: { paddingIdx?: number } = {}): Variable {
  const w = asVariable(weight, undefined, "embedding");
  if (w.rank !== 2)
    throw new Error(`embedding: weight must be 2-D [numEmbeddings,embeddingDim], got shape ${formatShape(w.shape)}`);
  checkOptions("embedding", options, ["paddingIdx"]);
  const padding = options.paddingIdx === undefined ? null : paddingRow("embedding", options.paddingIdx, w.shape[0]!);
  return lookup("embedding", indices, w, padding);
}

/** The embedding op; `op` names the caller in errors, `padding` is the row that gets no gradient. */
function lookup(op: string, indices: Tensor, w: Variable, padding: number | null): Variable {
  const [count, dim] = w.shape as [number, number];
  const given: unknown = indices;
  if (!(given instanceof Tensor) || given.dtype !== "int32") {
    throw new Error(
      `${op}: indices must be an int32 Tensor, got ${describe(given)}${given instanceof Tensor ? " (use cast(t, 'int32'))" : ""}`,
    );
  }
  // A private copy: the caller may reuse its index buffer before backward runs.
  const idx = Int32Array.from(indices.data);
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j]!;
    if (v < 0 || v >= count) {
      throw new Error(
        `${op}: index ${v} at position ${formatPosition(j, indices.shape)} is out of range for ${count} embeddings (expected 0..${count - 1})`,
      );
    }
  }
  const src = w.value.data;
  const out = allocate(w.dtype, idx.length * dim);
  for (let j = 0; j < idx.length; j++) out.set(src.subarray(idx[j]! * dim, (idx[j]! + 1) * dim), j * dim);

  return record(op, [w], new Tensor(out, [...indices.shape, dim]), (g) => {
    const gd = g.data;
    const dw = allocate(g.dtype, count * dim);
    for (let j = 0; j < idx.length; j++) {
      const row = idx[j]!;
      if (row === padding) continue;
      const from = j * dim;
      const to = row * dim;
      for (let k = 0; k < dim; k++) dw[to + k] += gd[from + k]!;
    }
    return [new Tensor(dw, w.shape)];
  });
}

/** The paddingIdx as a row number in 0..count-1. */
function paddingRow(op: string, paddingIdx: number, count: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -count || paddingIdx >= count) {
    throw new Error(
      `${op}: paddingIdx must be an integer in ${-count}..${count - 1} for ${count} embeddings, got ${paddingIdx}`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + count : paddingIdx;
}

/**
 * A lookup table of learned vectors, one per token id, as PyTorch's nn.Embedding: `weight`
 * [numEmbeddings, embeddingDim] starts as N(0, 1) draws, with the `paddingIdx` row (if any) zero.
 * `forward` takes int32 ids of any shape (a Tensor, or a Variable holding one, as a Trainer passes
 * its batches) and returns [...ids.shape, embeddingDim].
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row in 0..numEmbeddings-1 (a negative paddingIdx counted from the end), or null. */
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    for (const [what, n] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`Embedding: ${what} must be a positive integer, got ${n}`);
    }
    checkOptions("Embedding", options, ["paddingIdx", "generator"]);
    const { paddingIdx, generator = defaultGenerator() } = options;
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx === undefined ? null : paddingRow("Embedding", paddingIdx, numEmbeddings);
    const weight = randn([numEmbeddings, embeddingDim], { generator });
    if (this.paddingIdx !== null)
      weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = new Parameter(weight);
  }

  forward(indices: Variable | Tensor): Variable {
    const ids: unknown = indices instanceof Variable ? indices.value : indices;
    if (!(ids instanceof Tensor))
      throw new Error(`${this.toString()}: indices must be an int32 Tensor, got ${describe(indices)}`);
    return lookup(this.toString(), ids, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
