import { arange, Generator, manualSeed, scalar, Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { collate, DataLoader, type Dataset, TensorDataset } from "../src/index.js";

/** n examples: x[i] = [i, 10i, 100i] (float32), y[i] = i (int32). */
function indexed(n: number): TensorDataset {
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) x.set([i, 10 * i, 100 * i], 3 * i);
  return new TensorDataset(new Tensor(x, [n, 3]), arange(n, undefined, 1, "int32"));
}

/** The label order of one epoch. */
function epoch(loader: DataLoader): number[] {
  const seen: number[] = [];
  for (const [, y] of loader) seen.push(...y!.data);
  return seen;
}

describe("TensorDataset", () => {
  it("returns rows with get and stacked rows with batch", () => {
    const ds = indexed(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x!.shape).toEqual([3]);
    expect(Array.from(x!.data)).toEqual([3, 30, 300]);
    expect(y!.shape).toEqual([]);
    expect(y!.item()).toBe(3);
    const [bx, by] = ds.batch(Int32Array.from([4, 0, 2]));
    expect(bx!.shape).toEqual([3, 3]);
    expect(Array.from(bx!.data)).toEqual([4, 40, 400, 0, 0, 0, 2, 20, 200]);
    expect(by!.dtype).toBe("int32");
    expect(Array.from(by!.data)).toEqual([4, 0, 2]);
    const [cx] = ds.batch(Int32Array.from([1, 2]));
    expect(Array.from(cx!.data)).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it("copies rows, so batches do not alias the dataset", () => {
    const ds = indexed(4);
    const [bx] = ds.batch(Int32Array.from([0, 1]));
    bx!.data.fill(-1);
    const [x] = ds.get(0);
    x!.data.fill(-1);
    expect(Array.from(ds.tensors[0]!.data.subarray(0, 6))).toEqual([0, 0, 0, 1, 10, 100]);
  });

  it("keeps trailing dimensions", () => {
    const images = new Tensor(
      Float32Array.from({ length: 2 * 1 * 2 * 2 }, (_, i) => i),
      [2, 1, 2, 2],
    );
    const [b] = new TensorDataset(images).batch(Int32Array.from([1]));
    expect(b!.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(b!.data)).toEqual([4, 5, 6, 7]);
  });

  it("rejects tensors with different first dimensions, naming the shapes", () => {
    expect(() => new TensorDataset(new Tensor(new Float32Array(6), [3, 2]), arange(4))).toThrow(
      "TensorDataset: tensors differ in their first dimension: [3,2], [4]; expected the same number of rows in each",
    );
    expect(() => new TensorDataset()).toThrow("TensorDataset: expected at least one tensor, got none");
    expect(() => new TensorDataset(tensor(1))).toThrow("TensorDataset: got a scalar tensor (shape [])");
  });

  it("rejects indices out of range", () => {
    const ds = indexed(3);
    expect(() => ds.get(3)).toThrow("TensorDataset.get: index 3 is out of range for a dataset of length 3");
    expect(() => ds.get(-1)).toThrow("TensorDataset.get: index -1 is out of range");
    expect(() => ds.batch(Int32Array.from([0, 7]))).toThrow(
      "TensorDataset.batch: index 7 is out of range for a dataset of length 3",
    );
  });
});

describe("collate", () => {
  it("stacks single tensors and tuples", () => {
    const [a] = collate([tensor([1, 2]), tensor([3, 4])]);
    expect(a!.shape).toEqual([2, 2]);
    expect(Array.from(a!.data)).toEqual([1, 2, 3, 4]);
    const [x, y] = collate([
      [tensor([1]), scalar(0, "int32")],
      [tensor([2]), scalar(1, "int32")],
    ]);
    expect(x!.shape).toEqual([2, 1]);
    expect(y!.shape).toEqual([2]);
    expect(y!.dtype).toBe("int32");
  });

  it("names the example that does not match", () => {
    expect(() => collate([tensor([1, 2]), tensor([3])])).toThrow(
      "collate: field 0 of example 1 has shape [1] float32, example 0 has [2] float32; examples must match to be stacked",
    );
    expect(() => collate([[tensor([1])], [tensor([1]), tensor([2])]])).toThrow(
      "collate: example 1 has 2 fields, example 0 has 1",
    );
  });
});

describe("DataLoader", () => {
  it("counts batches with and without dropLast", () => {
    const ds = indexed(10);
    const sizes = (loader: DataLoader): number[] => [...loader].map(([x]) => x!.shape[0]!);
    const keep = new DataLoader(ds, { batchSize: 4 });
    expect(keep.length).toBe(3);
    expect(sizes(keep)).toEqual([4, 4, 2]);
    const drop = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(drop.length).toBe(2);
    expect(sizes(drop)).toEqual([4, 4]);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds).length).toBe(1);
    expect(new DataLoader(ds, { batchSize: 1 }).length).toBe(10);
  });

  it("walks the dataset in order without shuffle, keeping x and y together", () => {
    const loader = new DataLoader(indexed(7), { batchSize: 3 });
    expect(epoch(loader)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const [x, y] of loader) {
      for (let i = 0; i < y!.size; i++) expect(x!.data[3 * i + 1]).toBe(10 * y!.data[i]!);
    }
  });

  it("sees every index exactly once per shuffled epoch, with a new order each epoch", () => {
    const loader = new DataLoader(indexed(103), { batchSize: 8, shuffle: true, seed: 1 });
    const orders = [epoch(loader), epoch(loader), epoch(loader)];
    for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual([...Array(103).keys()]);
    expect(orders[0]).not.toEqual([...Array(103).keys()]);
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
    expect(loader.epoch).toBe(3);
    for (const [x, y] of loader) {
      for (let i = 0; i < y!.size; i++) expect(x!.data[3 * i + 2]).toBe(100 * y!.data[i]!);
    }
  });

  it("drops a different remainder each shuffled epoch with dropLast", () => {
    const loader = new DataLoader(indexed(10), { batchSize: 4, shuffle: true, seed: 3, dropLast: true });
    const a = epoch(loader);
    expect(a.length).toBe(8);
    expect(new Set(a).size).toBe(8);
  });

  it("repeats the same sequence of epochs for the same seed, and differs for another", () => {
    const run = (seed: number | string): number[][] => {
      const loader = new DataLoader(indexed(50), { batchSize: 7, shuffle: true, seed });
      return [epoch(loader), epoch(loader), epoch(loader)];
    };
    expect(run(42)).toEqual(run(42));
    expect(run("abc")).toEqual(run("abc"));
    expect(run(42)[0]).not.toEqual(run(43)[0]);
    expect(run(42)[1]).not.toEqual(run(43)[1]);
  });

  it("uses a given generator, and manualSeed when given neither seed nor generator", () => {
    const a = new DataLoader(indexed(30), { shuffle: true, generator: new Generator(9) });
    const b = new DataLoader(indexed(30), { shuffle: true, generator: new Generator(9) });
    expect(epoch(a)).toEqual(epoch(b));
    manualSeed(5);
    const c = epoch(new DataLoader(indexed(30), { shuffle: true }));
    manualSeed(5);
    const d = epoch(new DataLoader(indexed(30), { shuffle: true }));
    expect(c).toEqual(d);
  });

  it("saves and restores its state so a resumed run reshuffles identically", () => {
    const options = { batchSize: 16, shuffle: true, seed: 7 };
    const original = new DataLoader(indexed(100), options);
    epoch(original);
    epoch(original);
    const state = JSON.parse(JSON.stringify(original.getState())) as ReturnType<DataLoader["getState"]>;
    expect(state.epoch).toBe(2);
    const third = epoch(original);
    const fourth = epoch(original);

    const resumed = new DataLoader(indexed(100), options);
    resumed.setState(state);
    expect(resumed.epoch).toBe(2);
    expect(epoch(resumed)).toEqual(third);
    expect(epoch(resumed)).toEqual(fourth);

    original.setState(state);
    expect(epoch(original)).toEqual(third);
  });

  it("has a null generator state without shuffle", () => {
    const loader = new DataLoader(indexed(4), { batchSize: 2 });
    epoch(loader);
    expect(loader.getState()).toEqual({ epoch: 1, generator: null });
    const shuffled = new DataLoader(indexed(4), { shuffle: true, seed: 0 });
    expect(() => loader.setState(shuffled.getState())).toThrow(
      "DataLoader.setState: the state has a generator but this loader does not shuffle",
    );
    expect(() => shuffled.setState(loader.getState())).toThrow(
      "DataLoader.setState: this loader shuffles but the state has no generator state",
    );
    expect(() => loader.setState({ epoch: -1, generator: null })).toThrow(
      "DataLoader.setState: expected { epoch: non-negative integer",
    );
  });

  it("stacks get(i) for datasets without batch, matching TensorDataset", () => {
    const fast = indexed(9);
    const slow: Dataset<Tensor[]> = { length: 9, get: (i) => fast.get(i) };
    const a = [...new DataLoader(fast, { batchSize: 4, shuffle: true, seed: 11 })];
    const b = [...new DataLoader(slow, { batchSize: 4, shuffle: true, seed: 11 })];
    expect(b.length).toBe(3);
    for (let k = 0; k < a.length; k++) {
      for (let j = 0; j < 2; j++) {
        expect(b[k]![j]!.shape).toEqual(a[k]![j]!.shape);
        expect(b[k]![j]!.dtype).toBe(a[k]![j]!.dtype);
        expect(Array.from(b[k]![j]!.data)).toEqual(Array.from(a[k]![j]!.data));
      }
    }
    const single: Dataset<Tensor> = { length: 3, get: (i) => tensor([i, -i]) };
    const [[x]] = [...new DataLoader(single, { batchSize: 3 })];
    expect(x!.shape).toEqual([3, 2]);
    expect(Array.from(x!.data)).toEqual([0, -0, 1, -1, 2, -2]);
  });

  it("validates its options and its dataset", () => {
    const ds = indexed(10);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      "DataLoader: batchSize must be a positive integer, got 0",
    );
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow(
      "DataLoader: batchSize must be a positive integer, got 2.5",
    );
    expect(() => new DataLoader(ds, { batch_size: 4 } as never)).toThrow(
      "DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?); expected one of batchSize, shuffle, seed, generator, dropLast",
    );
    expect(() => new DataLoader(ds, { shuffle: "yes" } as never)).toThrow(
      'DataLoader: shuffle must be a boolean, got "yes"',
    );
    expect(() => new DataLoader(ds, { dropLast: 1 } as never)).toThrow("DataLoader: dropLast must be a boolean, got 1");
    expect(() => new DataLoader(ds, { shuffle: true, seed: 1, generator: new Generator(1) })).toThrow(
      "DataLoader: pass either seed or generator, not both",
    );
    expect(() => new DataLoader(ds, { seed: NaN })).toThrow(
      "DataLoader: seed must be a finite number or a string, got NaN",
    );
    expect(() => new DataLoader(ds, { generator: {} as never })).toThrow(
      "DataLoader: generator must be a Generator from @nabla/tensor",
    );
    expect(() => new DataLoader(ds, { batchSize: 11, dropLast: true })).toThrow(
      "DataLoader: dropLast with batchSize 11 and a dataset of 10 examples yields no batches",
    );
    expect(() => new DataLoader({ length: 0, get: () => tensor([1]) })).toThrow(
      "DataLoader: the dataset is empty (length 0); expected at least one example",
    );
    expect(() => new DataLoader(new TensorDataset(new Tensor(new Float32Array(0), [0, 3])))).toThrow(
      "DataLoader: the dataset is empty (length 0)",
    );
    expect(() => new DataLoader({ length: 1.5, get: () => tensor([1]) })).toThrow(
      "DataLoader: dataset.length must be a non-negative integer, got 1.5",
    );
    expect(() => new DataLoader(null as never)).toThrow(
      "DataLoader: expected a dataset with length and get(i), got null",
    );
  });

  it("covers an MNIST-sized dataset through TensorDataset.batch", () => {
    const n = 6000;
    const ds = new TensorDataset(new Tensor(new Float32Array(n * 784), [n, 784]), new Tensor(new Int32Array(n), [n]));
    let rows = 0;
    for (const [x] of new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0 })) rows += x!.shape[0]!;
    expect(rows).toBe(n);
  });
});
