import { mul, type Variable } from "@nabla/autograd";
import { BatchNorm1d, Conv2d, Dense, Flatten, GRU, LSTM, Module, ReLU, Sequential } from "@nabla/layers";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../src/index.js";
import { saveOnnx } from "../src/node.js";

// What a user can get wrong when exporting, and the exact message each gets (as in docs/when-things-go-wrong.md).

/** A model with a forward of its own: the exporter cannot know what it computes. */
class Residual extends Module {
  fc = new Dense(4, 4);

  forward(x: Variable): Variable {
    return mul(this.fc.forward(x), 2);
  }
}

/** A known layer whose subclass computes something else. */
class ScaledDense extends Dense {
  override forward(x: Variable): Variable {
    return mul(super.forward(x), 2);
  }
}

const KNOWN =
  "Sequential, Dense, Conv2d, MaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Flatten, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, and RNN, LSTM, GRU as the whole model";
const SHAPE =
  "inputShape must be a non-empty array of positive integers, one example's shape without the batch axis (e.g. [784] or [1, 28, 28])";

const catalogue: [string, () => unknown, string][] = [
  [
    "a custom module, named with its path",
    () =>
      exportOnnx(
        new Sequential(new Dense(4, 4), new ReLU(), new Dense(4, 4), new Sequential(new ReLU(), new Residual())),
        { inputShape: [4] },
      ),
    `exportOnnx: cannot export Residual at model.3.1: the exporter knows ${KNOWN} (a subclass only while it keeps its base's forward)`,
  ],
  [
    "a custom model at the root",
    () => exportOnnx(new Residual(), { inputShape: [4] }),
    `exportOnnx: cannot export Residual at model: the exporter knows ${KNOWN} (a subclass only while it keeps its base's forward)`,
  ],
  [
    "a subclass with its own forward",
    () => exportOnnx(new Sequential(new ScaledDense(4, 4)), { inputShape: [4] }),
    `exportOnnx: cannot export ScaledDense at model.0: the exporter knows ${KNOWN} (a subclass only while it keeps its base's forward)`,
  ],
  [
    "images into an MLP",
    () => exportOnnx(new Sequential(new Dense(784, 128), new ReLU()), { inputShape: [1, 28, 28] }),
    "exportOnnx: inputShape [1,28,28] does not fit the model at model.0 (a zero batch of 2 reaches it as [2,1,28,28]): Dense(784→128): input has shape [2,1,28,28], expected [*,784] (put a Flatten layer before it)",
  ],
  [
    "too few channels for a convolution",
    () => exportOnnx(new Sequential(new Conv2d(3, 8, 3), new Flatten()), { inputShape: [1, 28, 28] }),
    "exportOnnx: inputShape [1,28,28] does not fit the model at model.0 (a zero batch of 2 reaches it as [2,1,28,28]): Conv2d(3→8, 3×3): input has 1 channels, expected 3 (input shape [2,1,28,28])",
  ],
  [
    "an image smaller than the kernel",
    () => exportOnnx(new Sequential(new Conv2d(1, 8, 5)), { inputShape: [1, 3, 3] }),
    "exportOnnx: inputShape [1,3,3] does not fit the model at model.0 (a zero batch of 2 reaches it as [2,1,3,3]): Conv2d(1→8, 5×5): kernel 5×5 is larger than the padded input 3×3 (input 3×3, padding 0×0, input shape [2,1,3,3]); the output would be empty",
  ],
  [
    "a recurrent layer inside a Sequential",
    // Sequential takes Variable-in, Variable-out modules: a recurrent layer gets in only around the types.
    () =>
      exportOnnx(new Sequential(new LSTM(28, 16) as unknown as Module, new Dense(16, 10)), { inputShape: [28, 28] }),
    `exportOnnx: cannot export LSTM at model.0: the exporter knows ${KNOWN} (a subclass only while it keeps its base's forward)`,
  ],
  [
    "flat images into a GRU",
    () => exportOnnx(new GRU(28, 16), { inputShape: [784] }),
    "exportOnnx: GRU takes one sequence, inputShape [T, 28] (steps, features; the batch axis goes where the layer has it), got [784]",
  ],
  [
    "rows of the wrong width into an LSTM",
    () => exportOnnx(new LSTM(28, 16, { batchFirst: true }), { inputShape: [28, 27] }),
    "exportOnnx: inputShape [28,27] does not fit the model at model (a zero batch of 2 reaches it as [2,28,27]): LSTM(28→16, batchFirst): input has shape [2,28,27], expected [B, T, 28] (batchFirst)",
  ],
  [
    "an output named like a state",
    () => exportOnnx(new LSTM(28, 16), { inputShape: [28, 28], outputName: "h" }),
    "exportOnnx: LSTM's final states are the graph outputs h and c: choose another name than 'h'",
  ],
  [
    "a -1 for the batch",
    () => exportOnnx(new Sequential(new Dense(784, 10)), { inputShape: [-1, 784] }),
    `exportOnnx: ${SHAPE}, got [-1,784]`,
  ],
  ["a batch axis of 0", () => exportOnnx(new Sequential(), { inputShape: [0, 4] }), `exportOnnx: ${SHAPE}, got [0,4]`],
  ["an empty inputShape", () => exportOnnx(new Sequential(), { inputShape: [] }), `exportOnnx: ${SHAPE}, got []`],
  [
    "no options",
    () => exportOnnx(new Sequential(new Dense(784, 10)), undefined as never),
    `exportOnnx: ${SHAPE}, got undefined`,
  ],
  [
    "a misspelt option",
    () => exportOnnx(new Sequential(), { input_shape: [784] } as never),
    "exportOnnx: unknown option 'input_shape' (did you mean 'inputShape'?); expected one of inputShape, inputName, outputName",
  ],
  [
    "an empty output name",
    () => exportOnnx(new Sequential(), { inputShape: [4], outputName: "" }),
    'exportOnnx: outputName must be a non-empty string, got ""',
  ],
  [
    "the same name twice",
    () => exportOnnx(new Sequential(), { inputShape: [4], outputName: "input" }),
    "exportOnnx: inputName and outputName must differ, both are 'input'",
  ],
  [
    "not a model",
    () => exportOnnx({} as never, { inputShape: [4] }),
    "exportOnnx: model must be a Module, got an object",
  ],
  [
    "saveOnnx: no path",
    () => saveOnnx(new Sequential(), "", { inputShape: [4] }),
    'saveOnnx: path must be a non-empty string, got ""',
  ],
];

describe("exportOnnx refuses what it cannot write", () => {
  it.each(catalogue)("%s", (_, act, message) => {
    expect(act).toThrow(new Error(message));
  });
});

describe("a refused export changes nothing", () => {
  it("restores training mode and leaves the running statistics alone", () => {
    const model = new Sequential(new Dense(4, 3), new BatchNorm1d(3), new Dense(5, 2)).train();
    const before = model.stateDict();
    expect(() => exportOnnx(model, { inputShape: [4] })).toThrow("does not fit the model at model.2");
    expect(model.modules().every((m) => m.training)).toBe(true);
    for (const [k, t] of model.stateDict()) expect(t.data).toEqual(before.get(k)!.data);
  });
});
