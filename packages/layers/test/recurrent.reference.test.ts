import { readFileSync } from "node:fs";
import { add, mul, sum, Variable } from "@nabla/autograd";
import { type NestedArray, type Tensor, tensor } from "@nabla/tensor";
import { expectClose } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { GRU, GRUCell, LSTM, LSTMCell, type Module, RNN, RNNCell } from "../src/index.js";

/** PyTorch 1.13's values, written by reference/generate_recurrent.py. */
interface Case {
  name: string;
  inputSize: number;
  hiddenSize: number;
  parameters: Record<string, NestedArray>;
  x: NestedArray;
  h0: NestedArray;
  c0?: NestedArray;
  h: NestedArray;
  c?: NestedArray;
  gradH: NestedArray;
  gradC?: NestedArray;
  grads: Record<string, NestedArray>;
}
interface LayerCase extends Case {
  kind: "RNN" | "LSTM" | "GRU";
  options: {
    numLayers?: number;
    bias?: boolean;
    batchFirst?: boolean;
    bidirectional?: boolean;
    nonlinearity?: "tanh" | "relu";
  };
  lengths: number[] | null;
  output: NestedArray;
  gradOutput: NestedArray;
}
interface CellCase extends Case {
  kind: "RNNCell" | "LSTMCell" | "GRUCell";
  options: { bias?: boolean; nonlinearity?: "tanh" | "relu" };
}

const reference = JSON.parse(readFileSync(new URL("../reference/recurrent.json", import.meta.url), "utf8")) as {
  layers: LayerCase[];
  cells: CellCase[];
};
const f64 = (v: NestedArray): Tensor => tensor(v, undefined, "float64");
const leaf = (v: NestedArray): Variable => new Variable(f64(v), { requiresGrad: true });

// float64 throughout: the values agree to rounding, so the bound is tight.
function expectTensorClose(got: Tensor | null, want: NestedArray, what: string): void {
  expect(got, what).not.toBeNull();
  const w = f64(want);
  expect(got!.shape, what).toEqual(w.shape);
  expectClose(got!.data, w.data, 1e-12, what);
}

/** Loads the case's parameters and checks that the names and their order are PyTorch's. */
function load(module: Module<unknown>, c: Case): void {
  module.to("float64");
  expect(module.namedParameters().map(([n]) => n)).toEqual(Object.keys(c.parameters));
  module.loadStateDict(new Map(Object.entries(c.parameters).map(([n, v]) => [n, f64(v)])));
}

function expectGradients(module: Module<unknown>, c: Case, x: Variable, h0: Variable, c0: Variable | null): void {
  for (const [n, p] of module.namedParameters()) expectTensorClose(p.grad, c.grads[n]!, `d${n}`);
  expectTensorClose(x.grad, c.grads.x!, "dx");
  expectTensorClose(h0.grad, c.grads.h0!, "dh0");
  if (c0 !== null) expectTensorClose(c0.grad, c.grads.c0!, "dc0");
}

describe("recurrent layers against PyTorch", () => {
  it.each(reference.layers.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const layer =
      c.kind === "RNN"
        ? new RNN(c.inputSize, c.hiddenSize, c.options)
        : new (c.kind === "LSTM" ? LSTM : GRU)(c.inputSize, c.hiddenSize, c.options);
    load(layer, c);
    const x = leaf(c.x);
    const h0 = leaf(c.h0);
    const c0 = c.c0 === undefined ? null : leaf(c.c0);
    const lengths = c.lengths ?? undefined;
    const result: { output: Variable; h: Variable; c?: Variable } =
      layer instanceof LSTM ? layer.forward(x, { h0, c0: c0!, lengths }) : layer.forward(x, { h0, lengths });
    expectTensorClose(result.output.value, c.output, "output");
    expectTensorClose(result.h.value, c.h, "h");
    let loss = add(sum(mul(result.output, f64(c.gradOutput))), sum(mul(result.h, f64(c.gradH))));
    if (result.c !== undefined) {
      expectTensorClose(result.c.value, c.c!, "c");
      loss = add(loss, sum(mul(result.c, f64(c.gradC!))));
    }
    loss.backward();
    expectGradients(layer, c, x, h0, c0);
  });
});

describe("recurrent cells against PyTorch", () => {
  it.each(reference.cells.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const x = leaf(c.x);
    const h0 = leaf(c.h0);
    if (c.kind === "LSTMCell") {
      const cell = new LSTMCell(c.inputSize, c.hiddenSize, c.options);
      load(cell, c);
      const c0 = leaf(c.c0!);
      const { h, c: cNew } = cell.forward(x, { h: h0, c: c0 });
      expectTensorClose(h.value, c.h, "h");
      expectTensorClose(cNew.value, c.c!, "c");
      add(sum(mul(h, f64(c.gradH))), sum(mul(cNew, f64(c.gradC!)))).backward();
      expectGradients(cell, c, x, h0, c0);
      return;
    }
    const cell =
      c.kind === "RNNCell"
        ? new RNNCell(c.inputSize, c.hiddenSize, c.options)
        : new GRUCell(c.inputSize, c.hiddenSize, c.options);
    load(cell, c);
    const h = cell.forward(x, h0);
    expectTensorClose(h.value, c.h, "h");
    sum(mul(h, f64(c.gradH))).backward();
    expectGradients(cell, c, x, h0, null);
  });
});
