import * as autograd from "@nabla/autograd";
import * as data from "@nabla/data";
import * as dataNode from "@nabla/data/node";
import * as layers from "@nabla/layers";
import * as losses from "@nabla/losses";
import * as optim from "@nabla/optim";
import * as tensorPackage from "@nabla/tensor";
import * as trainer from "@nabla/trainer";
import * as trainerNode from "@nabla/trainer/node";
import { describe, expect, it } from "vitest";
import * as nabla from "../src/index.js";
import {
  Adam,
  add,
  DataLoader,
  Dense,
  matmul,
  ReLU,
  Sequential,
  softmaxCrossEntropy,
  Tensor,
  TensorDataset,
  Trainer,
  tensorOps,
  Variable,
} from "../src/index.js";
import * as nablaNode from "../src/node.js";

describe("nabla", () => {
  it("exports everything the README imports", () => {
    for (const f of [Sequential, Dense, ReLU, softmaxCrossEntropy, Adam, DataLoader, Trainer, nablaNode.loadMnist])
      expect(typeof f).toBe("function");
  });

  it("nabla/node is nabla plus the Node entries, with the Trainer that prints and writes files", () => {
    for (const [name, value] of Object.entries(nabla)) {
      if (name !== "Trainer") expect((nablaNode as Record<string, unknown>)[name], name).toBe(value);
    }
    for (const pkg of [dataNode, trainerNode]) {
      for (const [name, value] of Object.entries(pkg))
        expect((nablaNode as Record<string, unknown>)[name], name).toBe(value);
    }
    expect(nablaNode.Trainer).toBe(trainerNode.Trainer);
    expect(Object.getPrototypeOf(nablaNode.Trainer)).toBe(Trainer);
    expect(typeof nablaNode.saveOnnx).toBe("function");
  });

  it("re-exports every public name of every package", () => {
    const exported = new Set(Object.keys(nabla));
    for (const pkg of [autograd, layers, losses, optim, data, trainer]) {
      for (const name of Object.keys(pkg)) {
        expect(exported.has(name), name).toBe(true);
        expect((nabla as Record<string, unknown>)[name], name).toBe((pkg as Record<string, unknown>)[name]);
      }
    }
    // The tensor package: under its own name unless autograd has a differentiable op of that name.
    for (const name of Object.keys(tensorPackage)) {
      const value = (nabla as Record<string, unknown>)[name];
      const expected =
        name in autograd
          ? (autograd as Record<string, unknown>)[name]
          : (tensorPackage as Record<string, unknown>)[name];
      expect(value, name).toBe(expected);
    }
    expect(Object.keys(tensorOps).sort()).toEqual(Object.keys(tensorPackage).sort());
  });

  it("plain op names are differentiable and accept Tensors; tensorOps has the Tensor-only ops", () => {
    const a = new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(add(a, a)).toBeInstanceOf(Variable);
    expect(matmul(a, a).value.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    const t = tensorOps.matmul(a, a);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  it("a first network in a few lines", async () => {
    const { manualSeed, randn, argmax } = nabla;
    manualSeed(0);
    const x = randn([256, 2]);
    const labels = new Int32Array(256);
    for (let i = 0; i < 256; i++) labels[i] = x.data[2 * i]! * x.data[2 * i + 1]! > 0 ? 1 : 0;
    const y = new Tensor(labels, [256]);
    const model = new Sequential(new Dense(2, 32), new ReLU(), new Dense(32, 2));
    const fit = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new Adam(model.parameters(), { lr: 0.02 }),
    });
    const history = await fit.fit(new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true }), {
      epochs: 30,
      progress: "none",
    });
    expect(history.last!.accuracy).toBeGreaterThan(0.9);
    expect(argmax(fit.predict(x), 1).shape).toEqual([256]);
  });
});
