import { checkOptions, defaultGenerator, describe, formatValue, Generator, Tensor } from "@nabla/tensor";
import { type Batch, collate, type Dataset, isBatched, type Sample } from "./dataset.js";

export interface DataLoaderOptions {
  /** Examples per batch (the last batch may be smaller unless `dropLast`). Default 32. */
  batchSize?: number;
  /** Draw a new permutation of the dataset at the start of every epoch. Default false. */
  shuffle?: boolean;
  /** Seed for the loader's own Generator (exclusive with `generator`). */
  seed?: number | string;
  /** A Generator to draw permutations from (shared with its other users; exclusive with `seed`). */
  generator?: Generator;
  /** Skip the final batch when it would be smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

/** The state of the loader's Generator, JSON-serialisable. */
export type GeneratorSnapshot = ReturnType<Generator["getState"]>;

/** What `getState()` returns: restoring it makes the following epochs shuffle exactly as before. */
export interface DataLoaderState {
  /** Epochs started so far. */
  epoch: number;
  /** The shuffling Generator's state; null when the loader does not shuffle. */
  generator: GeneratorSnapshot | null;
}

const OPTION_NAMES = ["batchSize", "shuffle", "seed", "generator", "dropLast"];

function isGenerator(g: unknown): g is Generator {
  const c = g as Partial<Generator> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.permutation === "function" &&
    typeof c.getState === "function" &&
    typeof c.setState === "function"
  );
}

/**
 * Iterates over a dataset in batches: `for (const [x, y] of loader)`. Each batch is an array of
 * Tensors with a leading batch dimension, gathered by `dataset.batch(indices)` when the dataset has
 * it (TensorDataset does) and otherwise by stacking `dataset.get(i)` results.
 *
 * Shuffling is seeded: a loader built with the same seed yields the same sequence of epochs, each
 * epoch with a fresh permutation. Without `seed` or `generator` the loader seeds its own Generator
 * from `defaultGenerator()`, so `manualSeed()` makes it reproducible too.
 */
export class DataLoader<S extends Sample = Sample> implements Iterable<Batch<S>> {
  readonly dataset: Dataset<S>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | null;
  private epochs = 0;

  constructor(dataset: Dataset<S>, options: DataLoaderOptions = {}) {
    if (typeof dataset !== "object" || dataset === null || typeof dataset.get !== "function") {
      const hint =
        dataset instanceof Tensor || Array.isArray(dataset)
          ? " (wrap tensors in new TensorDataset(images, labels))"
          : "";
      throw new Error(`DataLoader: expected a dataset with length and get(i), got ${describe(dataset)}${hint}`);
    }
    const length = dataset.length;
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`DataLoader: dataset.length must be a non-negative integer, got ${formatValue(length)}`);
    }
    if (length === 0) throw new Error("DataLoader: the dataset is empty (length 0); expected at least one example");
    checkOptions("DataLoader", options, OPTION_NAMES);
    const { batchSize = 32, shuffle = false, dropLast = false, seed, generator } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${formatValue(batchSize)}`);
    }
    if (typeof shuffle !== "boolean")
      throw new Error(`DataLoader: shuffle must be a boolean, got ${formatValue(shuffle)}`);
    if (typeof dropLast !== "boolean")
      throw new Error(`DataLoader: dropLast must be a boolean, got ${formatValue(dropLast)}`);
    if (seed !== undefined && generator !== undefined) {
      throw new Error("DataLoader: pass either seed or generator, not both");
    }
    if (seed !== undefined && !(typeof seed === "string" || (typeof seed === "number" && Number.isFinite(seed)))) {
      throw new Error(`DataLoader: seed must be a finite number or a string, got ${formatValue(seed)}`);
    }
    if (generator !== undefined && !isGenerator(generator)) {
      throw new Error("DataLoader: generator must be a Generator from @nabla/tensor");
    }
    if (dropLast && length < batchSize) {
      throw new Error(
        `DataLoader: dropLast with batchSize ${batchSize} and a dataset of ${length} examples yields no batches`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = !shuffle ? null : (generator ?? new Generator(seed ?? defaultGenerator().int(0, 2 ** 31 - 1)));
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Epochs started so far (each iteration of the loader is one epoch). */
  get epoch(): number {
    return this.epochs;
  }

  *[Symbol.iterator](): IterableIterator<Batch<S>> {
    const dataset = this.dataset;
    const n = dataset.length;
    if (n === 0) throw new Error("DataLoader: the dataset is empty (length 0); expected at least one example");
    const order = this.generator === null ? identity(n) : this.generator.permutation(n);
    this.epochs++;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      yield isBatched(dataset) ? dataset.batch(indices) : collate(Array.from(indices, (i) => dataset.get(i)));
    }
  }

  /**
   * The loader's position between epochs. Taken after epoch k and restored (into this loader or a
   * fresh one built with the same options), the next epoch is shuffled as epoch k+1 was.
   * With a shared `generator`, restoring also resets that generator for its other users.
   */
  getState(): DataLoaderState {
    return { epoch: this.epochs, generator: this.generator === null ? null : this.generator.getState() };
  }

  setState(state: DataLoaderState): void {
    if (typeof state !== "object" || state === null || !Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new Error(
        "DataLoader.setState: expected { epoch: non-negative integer, generator }, as getState() returns",
      );
    }
    if (this.generator === null) {
      if (state.generator !== null) {
        throw new Error("DataLoader.setState: the state has a generator but this loader does not shuffle");
      }
    } else {
      if (typeof state.generator !== "object" || state.generator === null) {
        throw new Error("DataLoader.setState: this loader shuffles but the state has no generator state");
      }
      this.generator.setState(state.generator);
    }
    this.epochs = state.epoch;
  }
}

function identity(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
