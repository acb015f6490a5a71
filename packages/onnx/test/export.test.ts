import { readdirSync, readFileSync } from "node:fs";
import { loadMnist } from "@nabla/data/node";
import { BatchNorm1d, BatchNorm2d, Conv2d, Dense, ReLU, Sequential } from "@nabla/layers";
import { Generator, randn, Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { exportOnnx, ONNX_OPSET } from "../src/index.js";
import { checkerViolations, decodeModel, maxScaledDiff, openSession, runNabla, runOnnx } from "./ort.js";
import { FAMILIES, randomModel } from "./random-models.js";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const BATCHES = [1, 37];

// The first 37 test images, flat and as NCHW: the real inputs the exported models must agree on.
const mnist = loadMnist({ limitTrain: 1, limitTest: 37 }).test.images;
function mnistBatch(shape: readonly number[], n: number): Tensor {
  return new Tensor(mnist.data.slice(0, n * 784), [n, ...shape]);
}

describe("random models of every exportable layer run in onnxruntime as in Nabla", () => {
  const cases = FAMILIES.flatMap((family) => SEEDS.map((seed) => [family, seed] as const));
  it.each(cases)("%s model, seed %i, batches of 1 and 37, random and MNIST inputs", async (family, seed) => {
    const { model, inputShape } = randomModel(seed, family);
    const bytes = exportOnnx(model, { inputShape });
    expect(checkerViolations(decodeModel(bytes))).toEqual([]);
    const session = await openSession(bytes);
    const g = new Generator(100 + seed);
    for (const n of BATCHES) {
      const inputs = [randn([n, ...inputShape], { generator: g })];
      if (inputShape.length === 1 || inputShape[1] === 28) inputs.push(mnistBatch(inputShape, n));
      for (const x of inputs) {
        const expected = runNabla(model, x);
        const got = await runOnnx(session, x);
        expect(got.shape).toEqual(expected.shape);
        expect(maxScaledDiff(got, expected)).toBeLessThan(1e-5);
      }
    }
  });

  it("between them, the random models use every layer and every way of writing it", () => {
    const layers = new Set<string>();
    const ops = new Set<string>();
    for (const [family, seed] of cases) {
      const { model, inputShape } = randomModel(seed, family);
      for (const m of model.modules()) layers.add(m.constructor.name);
      for (const node of decodeModel(exportOnnx(model, { inputShape })).nodes) {
        const countIncludePad = node.attributes.get("count_include_pad");
        ops.add(
          countIncludePad === undefined ? node.opType : `${node.opType}(count_include_pad=${String(countIncludePad)})`,
        );
      }
    }
    expect([...layers].sort()).toEqual([
      "AvgPool2d",
      "BatchNorm1d",
      "BatchNorm2d",
      "Conv2d",
      "Dense",
      "Dropout",
      "Flatten",
      "LeakyReLU",
      "LogSoftmax",
      "MaxPool2d",
      "ReLU",
      "Sequential",
      "Sigmoid",
      "Softmax",
      "Tanh",
    ]);
    // Gemm and MatMul + Add for Dense; ReduceMean for BatchNorm without running statistics; Reshape for Flatten(0) and Flatten(2).
    for (const op of [
      "Gemm",
      "MatMul",
      "Add",
      "ReduceMean",
      "Reshape",
      "Flatten",
      "AveragePool(count_include_pad=0)",
      "AveragePool(count_include_pad=1)",
      "MaxPool",
      "Identity",
    ]) {
      expect(ops).toContain(op);
    }
  });
});

describe("the ONNX file", () => {
  const build = (): Sequential => {
    const generator = new Generator(3);
    return new Sequential(
      new Conv2d(1, 4, 3, { generator }),
      new BatchNorm2d(4),
      new ReLU(),
      new Sequential(new Dense(24, 5, { generator }), new Sequential(new ReLU())),
    );
  };

  it("is opset 17 with a dynamic batch axis, and its initializers carry the state dict's names", () => {
    const model = build();
    const file = decodeModel(exportOnnx(model, { inputShape: [1, 26, 26] }));
    expect(file.opset).toEqual([["", ONNX_OPSET]]);
    expect(ONNX_OPSET).toBeGreaterThanOrEqual(17);
    expect(file.inputs).toEqual([{ name: "input", shape: ["batch", 1, 26, 26] }]);
    expect(file.outputs).toEqual([{ name: "output", shape: ["batch", 4, 24, 5] }]);
    const floatState = [...model.stateDict()].filter(([, t]) => t.dtype !== "int32").map(([k]) => k);
    expect(file.initializers.map((t) => t.name).sort()).toEqual(floatState.sort());
    expect(file.nodes.map((n) => n.name)).toEqual([
      "model.0",
      "model.1",
      "model.2",
      "model.3.0/MatMul",
      "model.3.0",
      "model.3.1.0",
    ]);
    expect(checkerViolations(file)).toEqual([]);
  });

  it("is a plain Uint8Array, the same bytes for the same model", () => {
    const bytes = exportOnnx(build(), { inputShape: [1, 26, 26] });
    expect(bytes.constructor).toBe(Uint8Array);
    expect(exportOnnx(build(), { inputShape: [1, 26, 26] })).toEqual(bytes);
  });

  it("is made without Node: only saveOnnx (src/node.ts) may touch files", () => {
    const src = new URL("../src/", import.meta.url);
    const core = readdirSync(src).filter((f) => f !== "node.ts");
    expect(core).toContain("export.ts");
    for (const file of core)
      expect(readFileSync(new URL(file, src), "utf8")).not.toMatch(/from "(node:[^"]*|@nabla\/trainer)"/);
  });

  it("holds the parameters' values, in Nabla's layout", () => {
    const model = build();
    const file = decodeModel(exportOnnx(model, { inputShape: [1, 26, 26] }));
    for (const [name, p] of model.namedParameters()) {
      const init = file.initializers.find((t) => t.name === name)!;
      expect(init.dims).toEqual(p.shape);
      const raw = init.rawData;
      expect(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))).toEqual(p.value.data);
    }
  });

  it("stores a weight shared by two layers once, under its first name", async () => {
    const generator = new Generator(5);
    const shared = new Dense(6, 6, { generator });
    const model = new Sequential(shared, new ReLU(), shared);
    const bytes = exportOnnx(model, { inputShape: [6] });
    const file = decodeModel(bytes);
    expect(file.initializers.map((t) => t.name)).toEqual(["0.weight", "0.bias"]);
    expect(file.nodes.map((n) => [n.name, n.input.join(",")])).toEqual([
      ["model.0", "input,0.weight,0.bias"],
      ["model.1", "model.0/output"],
      ["model.2", "model.1/output,0.weight,0.bias"],
    ]);
    const x = randn([37, 6], { generator });
    expect(maxScaledDiff(await runOnnx(await openSession(bytes), x), runNabla(model, x))).toBeLessThan(1e-5);
  });

  it("names the input and output as asked, and an empty Sequential is the identity", async () => {
    const bytes = exportOnnx(new Sequential(), { inputShape: [3], inputName: "pixels", outputName: "logits" });
    const session = await openSession(bytes);
    expect([session.inputNames, session.outputNames]).toEqual([["pixels"], ["logits"]]);
    const x = randn([2, 3], { generator: new Generator(0) });
    expect((await runOnnx(session, x)).data).toEqual(x.data);
  });

  it("is the model in eval mode, and leaves a model in training mode as it was", async () => {
    const generator = new Generator(9);
    const model = new Sequential(new Dense(4, 3, { generator }), new BatchNorm1d(3), new ReLU()).train();
    model.loadStateDict({
      ...Object.fromEntries(model.stateDict()),
      "1.runningMean": new Tensor(new Float32Array([0.5, -1, 2]), [3]),
    });
    const before = model.stateDict();
    const bytes = exportOnnx(model, { inputShape: [4] });
    expect(model.modules().every((m) => m.training)).toBe(true);
    for (const [k, t] of model.stateDict()) expect(t.data).toEqual(before.get(k)!.data);
    const x = randn([37, 4], { generator });
    expect(maxScaledDiff(await runOnnx(await openSession(bytes), x), runNabla(model, x))).toBeLessThan(1e-5);
  });
});
