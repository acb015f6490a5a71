import { type Variable, variable } from "@nabla/autograd";
import { tensor, zeros } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Dropout,
  Flatten,
  init,
  LeakyReLU,
  LogSoftmax,
  MaxPool2d,
  ReLU,
  Sequential,
  Softmax,
} from "../src/index.js";

// What a user can get wrong with layers and models, and the exact message each gets.

const input = (...shape: number[]): Variable => variable(zeros(shape));

const catalogue: [string, () => unknown, string][] = [
  // Shapes
  [
    "Dense: wrong number of input features",
    () => new Dense(784, 10).forward(input(32, 100)),
    "Dense(784→10): input has shape [32,100], expected [*,784]",
  ],
  [
    "Dense: unflattened images",
    () => new Dense(784, 10).forward(input(32, 1, 28, 28)),
    "Dense(784→10): input has shape [32,1,28,28], expected [*,784] (put a Flatten layer before it)",
  ],
  [
    "Dense: a scalar input",
    () => new Dense(3, 2).forward(variable(1)),
    "Dense(3→2): input has shape [], expected [*,3]",
  ],
  [
    "Sequential: layers that do not fit together",
    () => new Sequential(new Dense(784, 128), new ReLU(), new Dense(64, 10)).forward(input(8, 784)),
    "Dense(64→10): input has shape [8,128], expected [*,64]",
  ],
  [
    "Softmax: axis out of range",
    () => new Softmax(2).forward(input(4, 10)),
    "softmax: axis 2 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  [
    "LogSoftmax: axis out of range",
    () => new LogSoftmax(-3).forward(input(4, 10)),
    "logSoftmax: axis -3 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  [
    "Flatten: startAxis beyond the input",
    () => new Flatten(2).forward(input(4, 10)),
    "flatten: axis 2 is out of range for 2 dimensions (expected an integer in [-2, 1])",
  ],
  [
    "loadStateDict: another architecture",
    () => new Dense(2, 3).loadStateDict(new Dense(3, 2).stateDict()),
    "loadStateDict: 'weight' has shape [3,2], expected [2,3]; 'bias' has shape [2], expected [3]",
  ],
  [
    "loadStateDict: missing and unexpected keys",
    () => new Sequential(new Dense(2, 3)).loadStateDict(new Dense(2, 3).stateDict()),
    "loadStateDict: missing keys '0.weight', '0.bias'; unexpected keys 'weight', 'bias'",
  ],
  [
    "loadStateDict: int32 where float is expected",
    () => new Dense(1, 1, { bias: false }).loadStateDict({ weight: tensor([[1]], undefined, "int32") }),
    "loadStateDict: 'weight' has dtype int32, expected float32",
  ],
  // Not a Variable or Tensor
  [
    "Dense: a nested array",
    () => new Dense(3, 2).forward([[1, 2, 3]] as never),
    "Dense(3→2): input must be a Variable or Tensor [*,3], got an array of length 1",
  ],
  [
    "Dense: undefined",
    () => new Dense(3, 2).forward(undefined as never),
    "Dense(3→2): input must be a Variable or Tensor [*,3], got undefined",
  ],
  [
    "Sequential: a nested array",
    () => new Sequential(new Dense(3, 2)).forward([[1, 2, 3]] as never),
    "Dense(3→2): input must be a Variable or Tensor [*,3], got an array of length 1",
  ],
  [
    "ReLU: a nested array",
    () => new ReLU().forward([[1, -1]] as never),
    "relu: expected a Variable, Tensor or number, got an array of length 1 (make a Tensor with tensor(...) or a Variable with variable(...))",
  ],
  [
    "Sequential: an array of layers",
    () => new Sequential([new Dense(3, 2)] as never),
    "Sequential.add: expected a Module, got an array (pass the modules as separate arguments: new Sequential(a, b, c))",
  ],
  [
    "Sequential: a function",
    () => new Sequential((() => null) as never),
    "Sequential.add: expected a Module, got function",
  ],
  [
    "loadStateDict: undefined",
    () => new Dense(2, 3).loadStateDict(undefined as never),
    "loadStateDict: expected a Map or object of Tensors as stateDict() returns, got undefined",
  ],
  [
    "loadStateDict: a Variable as a value",
    () => new Dense(1, 1, { bias: false }).loadStateDict({ weight: variable([[1]]) as never }),
    "loadStateDict: 'weight' is not a Tensor",
  ],
  // Numbers that make no sense
  ["Dense: zero features", () => new Dense(0, 10), "Dense: inFeatures must be a positive integer, got 0"],
  ["Dense: fractional features", () => new Dense(784, 12.5), "Dense: outFeatures must be a positive integer, got 12.5"],
  [
    "Dense: unknown init",
    () => new Dense(3, 2, { init: "glorot" as never }),
    "Dense: unknown init 'glorot': expected 'he', 'xavier', 'lecun' or a function",
  ],
  ["Dropout: NaN", () => new Dropout(NaN), "Dropout: p must be a probability in [0, 1], got NaN"],
  ["Dropout: a percentage", () => new Dropout(50), "Dropout: p must be a probability in [0, 1], got 50"],
  ["LeakyReLU: Infinity", () => new LeakyReLU(Infinity), "LeakyReLU: slope must be a finite number, got Infinity"],
  ["Softmax: fractional axis", () => new Softmax(0.5), "Softmax: axis must be an integer, got 0.5"],
  [
    "heNormal: a 4-D weight without fans",
    () => init.heNormal([8, 3, 3, 3]),
    "heNormal: cannot infer fanIn and fanOut from shape [8,3,3,3]; pass them for weights that are not [in, out]",
  ],
  [
    "summary: input shape with the batch axis 0",
    () => new Dense(3, 2).summary([0, 3]),
    "summary: inputShape must be an array of positive integers without the batch axis, got [0,3]",
  ],
  // Options
  [
    "Dense: use_bias",
    () => new Dense(3, 2, { use_bias: false } as never),
    "Dense: unknown option 'use_bias' (did you mean 'bias'?); expected one of bias, init, generator",
  ],
  [
    "Dense: kernel_initializer",
    () => new Dense(3, 2, { kernel_initializer: "he" } as never),
    "Dense: unknown option 'kernel_initializer'; expected one of bias, init, generator",
  ],
  [
    "Dropout: seed instead of generator",
    () => new Dropout(0.5, { seed: 1 } as never),
    "Dropout: unknown option 'seed'; expected one of generator",
  ],
  [
    "loadStateDict: strict_mode",
    () => new Dense(2, 3).loadStateDict(new Dense(2, 3).stateDict(), { strict_mode: false } as never),
    "loadStateDict: unknown option 'strict_mode'; expected one of strict",
  ],
  [
    "heNormal: fan_in",
    () => init.heNormal([3, 2], { fan_in: 3 } as never),
    "heNormal: unknown option 'fan_in' (did you mean 'fanIn'?); expected one of fanIn, fanOut, generator, dtype",
  ],
];

describe("bad inputs to @nabla/layers get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });

  it("a rejected state dict leaves the model untouched", () => {
    const model = new Sequential(new Dense(2, 3), new Dense(3, 1));
    const before = model.stateDict();
    const bad = new Sequential(new Dense(2, 3), new Dense(3, 2)).stateDict();
    expect(() => model.loadStateDict(bad)).toThrow(
      "loadStateDict: '1.weight' has shape [3,2], expected [3,1]; '1.bias' has shape [2], expected [1]",
    );
    for (const [k, v] of model.stateDict()) expect(Array.from(v.data)).toEqual(Array.from(before.get(k)!.data));
  });

  it("a Tensor input is accepted where a Variable is expected", () => {
    expect(new Dense(3, 2).forward(zeros([4, 3]) as unknown as Variable).shape).toEqual([4, 2]);
  });
});

describe("convolution layers reject unknown options", () => {
  it("names the layer, the option and what it expected", () => {
    expect(() => new Conv2d(1, 8, 3, { pad: 1 } as never)).toThrow(
      "Conv2d: unknown option 'pad'; expected one of stride, padding, dilation, bias, generator",
    );
    expect(() => new MaxPool2d(2, { strides: 1 } as never)).toThrow(
      "MaxPool2d: unknown option 'strides'; expected one of stride, padding",
    );
    expect(() => new AvgPool2d(2, { count_include_pad: false } as never)).toThrow(
      "AvgPool2d: unknown option 'count_include_pad' (did you mean 'countIncludePad'?)",
    );
    expect(() => new BatchNorm2d(4, { track_running_stats: false } as never)).toThrow(
      "BatchNorm2d: unknown option 'track_running_stats' (did you mean 'trackRunningStats'?)",
    );
  });
});
