import { allocate, describe, formatShape, Tensor, type TypedArray, valueOfVariable } from "@nabla/tensor";

/** Anything indexable from 0 to length-1. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** What a DataLoader can batch: each example is one Tensor or a tuple of Tensors. */
export type Sample = Tensor | readonly Tensor[];

/**
 * The batch made of examples of type S: one Tensor per field, each with a leading batch
 * dimension. A tuple example gives a tuple of the same length (`[Tensor, Tensor]` for an
 * (image, label) pair), a lone Tensor gives `[Tensor]`.
 */
export type Batch<S extends Sample> = S extends Tensor ? [Tensor] : { -readonly [K in keyof S]: Tensor };

/** A dataset that can gather many examples at once, faster than calling `get` per example. */
export interface BatchedDataset<S extends Sample = Sample> extends Dataset<S> {
  batch(indices: Int32Array): Batch<S>;
}

export function isBatched<S extends Sample>(dataset: Dataset<S>): dataset is BatchedDataset<S> {
  return typeof (dataset as Partial<BatchedDataset<S>>).batch === "function";
}

/** How to turn what TensorDataset got into the Tensor it wanted. */
function tensorHint(x: unknown): string {
  if (Array.isArray(x)) return " (make a Tensor with tensor(...))";
  return valueOfVariable(x) === undefined ? "" : " (pass its .value)";
}

function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new Error(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  }
}

/**
 * Rows of one or more tensors that share their first dimension: example i is
 * `[t0[i], t1[i], ...]`, e.g. `new TensorDataset(images, labels)`, whose examples and batches
 * are typed `[Tensor, Tensor]`.
 */
// A BatchedDataset<T> for every concrete T (TypeScript cannot prove that T is Batch<T> for a generic T).
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  readonly tensors: Readonly<T>;
  readonly length: number;
  /** Elements per row of each tensor. */
  private readonly rowSizes: number[];

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new Error("TensorDataset: expected at least one tensor, got none");
    for (const t of tensors) {
      if (!(t instanceof Tensor)) {
        throw new Error(`TensorDataset: expected Tensors, got ${describe(t)}${tensorHint(t)}`);
      }
      if (t.rank === 0)
        throw new Error("TensorDataset: got a scalar tensor (shape []); every tensor needs a first dimension to index");
    }
    const length = tensors[0]!.shape[0]!;
    if (tensors.some((t) => t.shape[0] !== length)) {
      throw new Error(
        `TensorDataset: tensors differ in their first dimension: ${tensors.map((t) => formatShape(t.shape)).join(", ")}; ` +
          `expected the same number of rows in each`,
      );
    }
    this.tensors = Object.freeze([...tensors] as T);
    this.length = length;
    this.rowSizes = tensors.map((t) => (length === 0 ? 0 : t.size / length));
  }

  /** Example `index`: one row of each tensor (copies, shape without the first dimension). */
  get(index: number): T {
    checkIndex("TensorDataset.get", index, this.length);
    return this.perTensor((t, row) => new Tensor(t.data.slice(index * row, (index + 1) * row), t.shape.slice(1)));
  }

  /** The rows at `indices` of every tensor, stacked: shapes [indices.length, ...rest]. */
  batch(indices: Int32Array | readonly number[]): T {
    const n = this.length;
    const m = indices.length;
    let contiguous = true;
    for (let i = 0; i < m; i++) {
      const index = indices[i]!;
      checkIndex("TensorDataset.batch", index, n);
      if (index !== indices[0]! + i) contiguous = false;
    }
    return this.perTensor((t, row) => {
      const src = t.data;
      let out: TypedArray;
      if (contiguous && m > 0) {
        out = src.slice(indices[0]! * row, (indices[0]! + m) * row);
      } else {
        out = allocate(t.dtype, m * row);
        for (let i = 0; i < m; i++) {
          const start = indices[i]! * row;
          out.set(src.subarray(start, start + row), i * row);
        }
      }
      return new Tensor(out, [m, ...t.shape.slice(1)]);
    });
  }

  /** One Tensor made from each of `tensors` (given with its elements per row), in order. */
  private perTensor(make: (t: Tensor, row: number) => Tensor): T {
    return this.tensors.map((t, k) => make(t, this.rowSizes[k]!)) as T;
  }
}

/** Stacks examples (each a Tensor or a tuple of Tensors) into batch tensors [B, ...shape]. */
export function collate<S extends Sample>(samples: readonly S[]): Batch<S> {
  if (samples.length === 0) throw new Error("collate: expected at least one example, got none");
  const tuples = samples.map((s: Sample): readonly Tensor[] => (s instanceof Tensor ? [s] : s));
  const width = tuples[0]!.length;
  const out: Tensor[] = [];
  for (let k = 0; k < width; k++) {
    const first = tuples[0]![k];
    if (!(first instanceof Tensor)) throw new Error(`collate: field ${k} of example 0 is not a Tensor`);
    const data = allocate(first.dtype, samples.length * first.size);
    for (let i = 0; i < tuples.length; i++) {
      const tuple = tuples[i]!;
      if (tuple.length !== width) {
        throw new Error(`collate: example ${i} has ${tuple.length} fields, example 0 has ${width}`);
      }
      const t = tuple[k];
      if (!(t instanceof Tensor)) throw new Error(`collate: field ${k} of example ${i} is not a Tensor`);
      if (t.dtype !== first.dtype || t.size !== first.size || formatShape(t.shape) !== formatShape(first.shape)) {
        throw new Error(
          `collate: field ${k} of example ${i} has shape ${formatShape(t.shape)} ${t.dtype}, ` +
            `example 0 has ${formatShape(first.shape)} ${first.dtype}; examples must match to be stacked`,
        );
      }
      data.set(t.data, i * first.size);
    }
    out.push(new Tensor(data, [samples.length, ...first.shape]));
  }
  // One stacked Tensor per field of the examples, which is what Batch<S> spells.
  return out as Batch<S>;
}
