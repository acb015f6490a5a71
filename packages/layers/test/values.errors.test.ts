import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { AvgPool2d, BatchNorm1d, Conv2d, Dense, Dropout, Flatten, init, LeakyReLU, Softmax } from "../src/index.js";

// A value a user passed shows as it was passed: `"784"` (a string read from a command line or a
// JSON file) must not print as 784, or the message contradicts itself.

describe("layer arguments of the wrong type are shown as they were given", () => {
  it("strings are quoted, numbers are not", () => {
    expect(messageOf(() => new Dense("784" as never, 10))).toBe(
      'Dense: inFeatures must be a positive integer, got "784"',
    );
    expect(messageOf(() => new Dense(784, 12.5))).toBe("Dense: outFeatures must be a positive integer, got 12.5");
    expect(messageOf(() => new Conv2d("1" as never, 4, 3))).toBe(
      'Conv2d: inChannels must be a positive integer, got "1"',
    );
    expect(messageOf(() => new Conv2d(1, 4, "3" as never))).toBe(
      'Conv2d: kernelSize must be a positive integer or a pair [height, width] of them, got "3"',
    );
    expect(messageOf(() => new Conv2d(1, 4, 3, { padding: ["1", 1] as never }))).toBe(
      'Conv2d: padding must be a non-negative integer or a pair [height, width] of them, got ["1",1]',
    );
    expect(messageOf(() => new AvgPool2d(2, { stride: [NaN, 1] as never }))).toBe(
      "AvgPool2d: stride must be a positive integer or a pair [height, width] of them, got [NaN,1]",
    );
    expect(messageOf(() => new Dropout("0.5" as never))).toBe('Dropout: p must be a probability in [0, 1], got "0.5"');
    expect(messageOf(() => new Softmax("-1" as never))).toBe('Softmax: axis must be an integer, got "-1"');
    expect(messageOf(() => new Flatten("1" as never))).toBe('Flatten: startAxis must be an integer, got "1"');
    expect(messageOf(() => new LeakyReLU("0.1" as never))).toBe('LeakyReLU: slope must be a finite number, got "0.1"');
    expect(messageOf(() => new BatchNorm1d("16" as never))).toBe(
      'BatchNorm1d: numFeatures must be a positive integer, got "16"',
    );
    expect(messageOf(() => new BatchNorm1d(16, { eps: "1e-5" as never }))).toBe(
      'BatchNorm1d: eps must be a non-negative number, got "1e-5"',
    );
    expect(messageOf(() => init.heNormal([2, 3], { fanIn: NaN }))).toBe(
      "heNormal: fanIn and fanOut must be positive, got NaN and 3",
    );
    expect(messageOf(() => new Dense(4, 2).summary(["4"] as never))).toBe(
      'summary: inputShape must be an array of positive integers without the batch axis, got ["4"]',
    );
  });
});

describe("layers too large to allocate", () => {
  it("name the initialiser, the parameter's shape and its bytes instead of a bare RangeError", () => {
    expect(messageOf(() => new Dense(1e6, 1e5))).toBe(
      "randn: cannot allocate a float32 tensor of shape [1000000,100000] (100,000,000,000 elements, 400,000,000,000 bytes (372.5 GiB)): " +
        "more than the 4,294,967,296 elements a tensor can hold",
    );
    expect(messageOf(() => new Dense(1e6, 1e5, { init: "xavier" }))).toMatch(
      /^rand: cannot allocate a float32 tensor of shape \[1000000,100000\]/,
    );
    expect(messageOf(() => new Conv2d(1e5, 1e5, 3))).toMatch(
      /^rand: cannot allocate a float32 tensor of shape \[100000,100000,3,3\] \(90,000,000,000 elements/,
    );
  });
});

describe("loadStateDict given a path instead of a state dict", () => {
  it("shows the string it got", () => {
    expect(messageOf(() => new Dense(2, 3).loadStateDict("model.safetensors" as never))).toBe(
      'loadStateDict: expected a Map or object of Tensors as stateDict() returns, got "model.safetensors"',
    );
  });
});
