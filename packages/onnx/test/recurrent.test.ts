import { noGrad, Variable } from "@nabla/autograd";
import { loadMnist } from "@nabla/data/node";
import { GRU, LSTM, type LSTMResult, type RecurrentOptions, type RecurrentResult, RNN } from "@nabla/layers";
import { Generator, randn, Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../src/index.js";
import { checkerViolations, decodeModel, maxScaledDiff, openSession, runOnnxOutputs } from "./ort.js";

type Layer = RNN | LSTM | GRU;

const CONFIGS: [string, RecurrentOptions][] = [
  ["one layer", {}],
  ["bidirectional", { bidirectional: true }],
  ["two layers, batchFirst", { numLayers: 2, batchFirst: true }],
  ["two bidirectional layers without bias", { numLayers: 2, bidirectional: true, bias: false }],
];
const LAYERS: [string, (options: RecurrentOptions) => Layer][] = [
  ["RNN (tanh)", (o) => new RNN(3, 5, o)],
  ["RNN (relu)", (o) => new RNN(3, 5, { ...o, nonlinearity: "relu" })],
  ["LSTM", (o) => new LSTM(3, 5, o)],
  ["GRU", (o) => new GRU(3, 5, o)],
];

/** Nabla's output sequence and final states, by the graph's output names. */
function nablaOutputs(layer: Layer, x: Tensor): Map<string, Tensor> {
  const result = noGrad(() => layer.eval().forward(new Variable(x))) as RecurrentResult | LSTMResult;
  const out = new Map([
    ["output", result.output.value],
    ["h", result.h.value],
  ]);
  if ("c" in result) out.set("c", result.c.value);
  return out;
}

async function expectAgreement(layer: Layer, inputs: Tensor[], inputShape: number[]): Promise<void> {
  const bytes = exportOnnx(layer, { inputShape });
  expect(checkerViolations(decodeModel(bytes))).toEqual([]);
  const session = await openSession(bytes);
  for (const x of inputs) {
    const expected = nablaOutputs(layer, x);
    const got = await runOnnxOutputs(session, x);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const [name, value] of expected) {
      expect(got.get(name)!.shape).toEqual(value.shape);
      expect(maxScaledDiff(got.get(name)!, value)).toBeLessThan(1e-5);
    }
  }
}

describe("recurrent layers run in onnxruntime as in Nabla: output sequence and final states", () => {
  const cases = LAYERS.flatMap(([name, make]) =>
    CONFIGS.map(([config, options]) => [name, config, make, options] as const),
  );
  it.each(cases)("%s, %s: batches of 1 and 37, 4 and 9 steps", async (_, __, make, options) => {
    const g = new Generator(11);
    const layer = make({ ...options, generator: g });
    const shape = (batch: number, steps: number): number[] =>
      options.batchFirst ? [batch, steps, 3] : [steps, batch, 3];
    // The graph's time axis is dynamic too: exported for 4 steps, it runs 9.
    const inputs = [1, 37].flatMap((n) => [randn(shape(n, 4), { generator: g }), randn(shape(n, 9), { generator: g })]);
    await expectAgreement(layer, inputs, [4, 3]);
  });

  it("an LSTM and a GRU reading MNIST test images row by row", async () => {
    const images = loadMnist({ limitTrain: 1, limitTest: 37 }).test.images;
    for (const make of [
      (g: Generator) => new LSTM(28, 16, { batchFirst: true, generator: g }),
      (g: Generator) => new GRU(28, 16, { batchFirst: true, generator: g }),
    ]) {
      const layer = make(new Generator(3));
      const batches = [1, 37].map((n) => new Tensor(images.data.slice(0, n * 784), [n, 28, 28]));
      await expectAgreement(layer, batches, [28, 28]);
    }
  });

  it("keeps the Parameters' names and PyTorch's layout; Gather nodes put the gates in ONNX's order", () => {
    const layer = new LSTM(3, 2, { bidirectional: true, generator: new Generator(1) });
    const file = decodeModel(exportOnnx(layer, { inputShape: [4, 3] }));
    const params = layer.namedParameters();
    const named = file.initializers
      .filter((t) => !t.name.startsWith("model/"))
      .map((t): [string, number[]] => [t.name, t.dims]);
    expect(new Map(named)).toEqual(new Map(params.map(([name, p]) => [name, p.shape])));
    expect(named).toHaveLength(params.length);
    // PyTorch's i, f, g, o blocks of 2 rows become ONNX's i, o, f, c.
    const rows = file.initializers.find((t) => t.name === "model/gate_rows")!;
    expect([...new BigInt64Array(rows.rawData.slice().buffer)].map(Number)).toEqual([0, 1, 6, 7, 2, 3, 4, 5]);
    expect(file.inputs).toEqual([{ name: "input", shape: ["sequence", "batch", 3] }]);
    expect(file.outputs).toEqual([
      { name: "output", shape: ["sequence", "batch", 4] },
      { name: "h", shape: [2, "batch", 2] },
      { name: "c", shape: [2, "batch", 2] },
    ]);
    const lstm = file.nodes.find((n) => n.opType === "LSTM")!;
    expect(lstm.attributes.get("hidden_size")).toBe(2);
  });

  it("GRU is written with linear_before_reset = 1, PyTorch's form of the reset gate", () => {
    const file = decodeModel(exportOnnx(new GRU(3, 2, { generator: new Generator(1) }), { inputShape: [4, 3] }));
    expect(file.nodes.find((n) => n.opType === "GRU")!.attributes.get("linear_before_reset")).toBe(1);
  });
});
