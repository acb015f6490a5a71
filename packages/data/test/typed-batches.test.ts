import { type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Batch, collate, DataLoader, type Dataset, TensorDataset } from "../src/index.js";

// The types are checked by `pnpm typecheck` (tsc over the tests); the runtime checks say the
// types tell the truth.

const images = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
const labels = tensor([0, 1, 0], [3], "int32");

describe("typed batches", () => {
  it("a two-tensor dataset yields [Tensor, Tensor] pairs", () => {
    const dataset = new TensorDataset(images, labels);
    expectTypeOf(dataset.get(0)).toEqualTypeOf<[Tensor, Tensor]>();
    const loader = new DataLoader(dataset, { batchSize: 2 });
    expectTypeOf(loader).toEqualTypeOf<DataLoader<[Tensor, Tensor]>>();
    const batches = [...loader];
    expectTypeOf(batches).toEqualTypeOf<[Tensor, Tensor][]>();
    const [x, y] = batches[0]!;
    expect(x.shape).toEqual([2, 2]);
    expect(y.dtype).toBe("int32");
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
  });

  it("a one-tensor dataset yields [Tensor]", () => {
    const batches = [...new DataLoader(new TensorDataset(images), { batchSize: 3 })];
    expectTypeOf(batches[0]!).toEqualTypeOf<[Tensor]>();
    expect(batches[0]).toHaveLength(1);
  });

  it("a dataset of lone Tensors or of triples, batched by collate, keeps its arity", () => {
    const single: Dataset<Tensor> = { length: 2, get: (i) => tensor([i, i]) };
    const [only] = [...new DataLoader(single)];
    expectTypeOf(only!).toEqualTypeOf<[Tensor]>();
    expect(only![0]!.shape).toEqual([2, 2]);
    const triples: Dataset<readonly [Tensor, Tensor, Tensor]> = {
      length: 2,
      get: (i) => [tensor([i]), tensor([2 * i]), tensor([3 * i])],
    };
    const [batch] = [...new DataLoader(triples)];
    expectTypeOf(batch!).toEqualTypeOf<[Tensor, Tensor, Tensor]>();
    expect(batch!.map((t) => t.toArray())).toEqual([
      [[0], [1]],
      [[0], [2]],
      [[0], [3]],
    ]);
    expectTypeOf(collate([images, images])).toEqualTypeOf<Batch<Tensor>>();
  });
});
