import type { Variable } from "@nabla/autograd";
import { Generator, manualSeed, zeros } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Dense, Dropout, Flatten, Module, ReLU, Sequential } from "../src/index.js";

describe("summary", () => {
  it("prints a Keras-like table for a 784-128-10 MLP", () => {
    manualSeed(0);
    const model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
    expect(model.summary([784])).toBe(EXPECTED_MLP);
  });

  it("runs in eval mode without drawing random numbers, then restores everything", () => {
    const generator = new Generator(4);
    const dropout = new Dropout(0.5, { generator });
    const model = new Sequential(new Flatten(), new Dense(12, 4), dropout);
    model.at(1).eval();
    const state = JSON.stringify(generator.getState());
    const text = model.summary([3, 4]);
    expect(text).toMatch(/\n0 \(Flatten\) +\[\?, 12\] +0\n/);
    expect(text).toMatch(/\n2 \(Dropout\) +\[\?, 4\] +0\n/);
    expect(JSON.stringify(generator.getState())).toBe(state);
    expect(model.modules().map((m) => m.training)).toEqual([true, true, false, true]);
    for (const m of model.modules()) expect(Object.hasOwn(m, "forward")).toBe(false);
  });

  it("works for any module: children in definition order, frozen parameters and buffers as non-trainable", () => {
    class Net extends Module {
      fc1 = new Dense(4, 8);
      act = new ReLU();
      fc2 = new Dense(8, 2);
      unused = new Dense(2, 2);
      constructor() {
        super();
        this.fc2.weight.requiresGrad = false;
        this.registerBuffer("stat", zeros([3]));
      }
      forward(x: Variable): Variable {
        return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
      }
    }
    const text = new Net().summary([4]);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Model: Net (input [?, 4], float32)");
    expect(text).toMatch(/fc1 \(Dense\) +\[\?, 8\] +40\n/);
    expect(text).toMatch(/act \(ReLU\) +\[\?, 8\] +0\n/);
    expect(text).toMatch(/fc2 \(Dense\) +\[\?, 2\] +18\n/);
    expect(text).toMatch(/unused \(Dense\) +- +6\n/);
    expect(text).toContain("Total params: 67 (268.00 B)");
    expect(text).toContain("Trainable params: 48 (192.00 B)");
    expect(text).toContain("Non-trainable params: 19 (76.00 B)");
  });

  it("summarises a single layer as one row and follows the parameters' dtype", () => {
    const text = new Dense(3, 2).to("float64").summary([3]);
    expect(text).toContain("Model: Dense (input [?, 3], float64)");
    expect(text).toMatch(/\nDense +\[\?, 2\] +8\n/);
    expect(text).toContain("Total params: 8 (64.00 B)");
  });

  it("reports a bad input shape clearly", () => {
    const model = new Sequential(new Dense(784, 10));
    expect(() => model.summary([100])).toThrow("Dense(784→10): input has shape [1,100], expected [*,784]");
    expect(() => model.summary([0])).toThrow(/summary: inputShape must be an array of positive integers/);
    expect(Object.hasOwn(model.at(0), "forward")).toBe(false);
  });
});

const EXPECTED_MLP = [
  "Model: Sequential (input [?, 784], float32)",
  "_________________________________________________________________",
  "Layer (type)                   Output shape               Param #",
  "=================================================================",
  "0 (Dense)                      [?, 128]                   100,480",
  "1 (ReLU)                       [?, 128]                         0",
  "2 (Dense)                      [?, 10]                      1,290",
  "=================================================================",
  "Total params: 101,770 (397.54 KB)",
  "Trainable params: 101,770 (397.54 KB)",
  "Non-trainable params: 0 (0.00 B)",
  "_________________________________________________________________",
].join("\n");
