import { readFileSync } from "node:fs";
import { gradcheck, mul, sum, Variable } from "@nabla/autograd";
import {
  Generator,
  manualSeed,
  maxAbsDiff,
  type NestedArray,
  ones,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Dense, Embedding, embedding, Sequential } from "../src/index.js";

/** PyTorch 1.13's values, written by reference/embedding.py. */
interface Reference {
  torch: string;
  cases: {
    paddingIdx: number | null;
    weight: NestedArray;
    indices: NestedArray;
    shape: number[];
    y: NestedArray;
    gradOutput: NestedArray;
    dweight: NestedArray;
  }[];
}
const reference = JSON.parse(
  readFileSync(new URL("../reference/embedding.json", import.meta.url), "utf8"),
) as Reference;

const f64 = (values: NestedArray): Tensor => tensor(values, undefined, "float64");
const ids = (values: NestedArray): Tensor => tensor(values, undefined, "int32");

describe("embedding against PyTorch 1.13", () => {
  for (const c of reference.cases) {
    it(`indices ${JSON.stringify(c.shape)}, paddingIdx ${c.paddingIdx}: output and weight gradient`, () => {
      const weight = new Variable(f64(c.weight), { requiresGrad: true });
      const y = embedding(ids(c.indices), weight, c.paddingIdx === null ? {} : { paddingIdx: c.paddingIdx });
      expect(y.shape).toEqual([...c.shape, weight.shape[1]]);
      expect(maxAbsDiff(y.value, f64(c.y))).toBe(0);
      sum(mul(y, f64(c.gradOutput))).backward();
      expect(maxAbsDiff(weight.grad!, f64(c.dweight))).toBeLessThan(1e-12);
    });
  }
});

describe("embedding gradient", () => {
  it("passes gradcheck with repeated indices (a row used three times gets the sum)", () => {
    const indices = ids([
      [4, 0, 4],
      [2, 4, 1],
    ]);
    gradcheck((w) => embedding(indices, w), [randn([5, 3], { generator: new Generator(1), dtype: "float64" })]);
  });

  it("gives the paddingIdx row no gradient and every other row the same gradient as without it", () => {
    const indices = ids([3, 0, 3, 1, 0]);
    const weightValue = randn([4, 2], { generator: new Generator(2), dtype: "float64" });
    const grads = [undefined, 0].map((paddingIdx) => {
      const w = new Variable(weightValue.clone(), { requiresGrad: true });
      const y = embedding(indices, w, paddingIdx === undefined ? {} : { paddingIdx });
      sum(mul(y, randn([5, 2], { generator: new Generator(3), dtype: "float64" }))).backward();
      return Array.from(w.grad!.data);
    });
    const [plain, padded] = grads as [number[], number[]];
    expect(padded.slice(0, 2)).toEqual([0, 0]);
    expect(plain.slice(0, 2).some((g) => g !== 0)).toBe(true);
    expect(padded.slice(2)).toEqual(plain.slice(2));
  });
});

describe("Embedding", () => {
  it("starts from N(0, 1) draws of the seeded generator, with the padding row zero", () => {
    manualSeed(7);
    const a = new Embedding(200, 50);
    manualSeed(7);
    const b = new Embedding(200, 50, { paddingIdx: -1 });
    expect(b.paddingIdx).toBe(199);
    expect(Array.from(b.weight.value.data.subarray(0, 199 * 50))).toEqual(
      Array.from(a.weight.value.data.subarray(0, 199 * 50)),
    );
    expect(Array.from(b.weight.value.data.subarray(199 * 50)).every((v) => v === 0)).toBe(true);
    const d = Array.from(a.weight.value.data);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it("takes int32 ids as a Tensor or inside a Variable, so it can open a Sequential", () => {
    manualSeed(0);
    const model = new Sequential(new Embedding(10, 4), new Dense(4, 3));
    const y = model.forward(
      new Variable(
        ids([
          [1, 2],
          [3, 9],
        ]),
      ),
    );
    expect(y.shape).toEqual([2, 2, 3]);
    y.backward(ones([2, 2, 3]));
    expect(model.namedParameters().map(([name]) => name)).toEqual(["0.weight", "1.weight", "1.bias"]);
    const grad = model.parameters()[0]!.grad!;
    // Rows 0 and 4-8 were not looked up.
    for (const row of [0, 4, 5, 6, 7, 8])
      expect(Array.from(grad.data.subarray(row * 4, row * 4 + 4))).toEqual([0, 0, 0, 0]);
    expect(new Embedding(10, 4, { paddingIdx: 0 }).toString()).toBe("Embedding(10, 4, paddingIdx=0)");
  });

  it("names the index, its position and the range when an id is out of range", () => {
    const layer = new Embedding(10, 4);
    expect(() =>
      layer.forward(
        ids([
          [1, 2, 3],
          [4, 10, 5],
        ]),
      ),
    ).toThrow("Embedding(10, 4): index 10 at position [1,1] is out of range for 10 embeddings (expected 0..9)");
    expect(() => layer.forward(ids([-1]))).toThrow(
      "Embedding(10, 4): index -1 at position 0 is out of range for 10 embeddings (expected 0..9)",
    );
  });

  it("rejects float ids, bad sizes, a bad paddingIdx and unknown options", () => {
    const layer = new Embedding(10, 4);
    expect(() => layer.forward(tensor([1, 2]))).toThrow(
      "Embedding(10, 4): indices must be an int32 Tensor, got a float32 Tensor of shape [2] (use cast(t, 'int32'))",
    );
    expect(() => layer.forward([1, 2] as unknown as Tensor)).toThrow(
      "Embedding(10, 4): indices must be an int32 Tensor, got an array",
    );
    expect(() => new Embedding(0, 4)).toThrow("Embedding: numEmbeddings must be a positive integer, got 0");
    expect(() => new Embedding(10, 2.5)).toThrow("Embedding: embeddingDim must be a positive integer, got 2.5");
    expect(() => new Embedding(10, 4, { paddingIdx: 10 })).toThrow(
      "Embedding: paddingIdx must be an integer in -10..9 for 10 embeddings, got 10",
    );
    expect(() => new Embedding(10, 4, { padding_idx: 0 } as never)).toThrow(
      "Embedding: unknown option 'padding_idx' (did you mean 'paddingIdx'?)",
    );
    expect(() => embedding(ids([0]), zeros([3]))).toThrow(
      "embedding: weight must be 2-D [numEmbeddings,embeddingDim], got shape [3]",
    );
  });
});
