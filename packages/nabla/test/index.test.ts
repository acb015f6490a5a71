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
import * as extend from "../src/extend.js";
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
import * as kernels from "../src/kernels.js";
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
    // What the Node entries add is in nabla/node (extender helpers such as isBatched stay in nabla/extend).
    for (const pkg of [dataNode, trainerNode]) {
      for (const [name, value] of Object.entries(pkg)) {
        const home = name in nablaNode ? nablaNode : extend;
        if (name !== "Trainer" && name !== "isGzip" && name !== "concatBytes")
          expect((home as Record<string, unknown>)[name], name).toBe(value);
      }
    }
    expect(nablaNode.Trainer).toBe(trainerNode.Trainer);
    expect(Object.getPrototypeOf(nablaNode.Trainer)).toBe(Trainer);
    expect(typeof nablaNode.saveOnnx).toBe("function");
  });

  it("reaches every public name of every package from one entry point, as the package's own value", () => {
    const entries: Record<string, Record<string, unknown>> = { nabla, extend, kernels, tensorOps, node: nablaNode };
    // Internal on purpose: a helper of the IDX reader.
    const internal = new Set(["isGzip", "concatBytes"]);
    const packages = { autograd, data, layers, losses, optim, tensorPackage, trainer, dataNode, trainerNode };
    for (const [pkgName, pkg] of Object.entries(packages)) {
      for (const [name, value] of Object.entries(pkg as Record<string, unknown>)) {
        if (internal.has(name)) continue;
        const homes = Object.entries(entries).filter(([, entry]) => name in entry);
        expect(homes.length, `${pkgName}.${name} is in no entry point`).toBeGreaterThan(0);
        for (const [entryName, entry] of homes) {
          // tensorOps holds the tensor package's ops; elsewhere a shared name is the differentiable op.
          // nabla/node's Trainer is the Node one (it prints and writes files); the core's is the root's.
          if (name === "Trainer") continue;
          const expected =
            entryName === "tensorOps"
              ? (tensorPackage as Record<string, unknown>)[name]
              : name in autograd
                ? (autograd as Record<string, unknown>)[name]
                : value;
          expect(entry[name], `${entryName}.${name}`).toBe(expected);
        }
      }
    }
  });

  it("keeps plumbing out of the root", () => {
    for (const name of ["checkOptions", "record", "describe", "topologicalOrder", "allocate", "kernels", "isGzip"])
      expect(name in nabla, name).toBe(false);
    expect(typeof extend.record).toBe("function");
    expect(typeof kernels.setKernels).toBe("function");
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
