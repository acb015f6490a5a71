import { sum, variable } from "@nabla/autograd";
import { tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Dense } from "../src/index.js";

// loadStateDict overwrites parameters in place, so it bumps their versions like any in-place write.

describe("loadStateDict and the in-place check", () => {
  it("bumps the version of every tensor it overwrites: a pending backward throws", () => {
    const layer = new Dense(2, 3);
    const state = layer.stateDict();
    const loss = sum(layer.forward(variable(tensor([[1, 2]]))));
    layer.loadStateDict(state);
    expect(layer.weight.value.version).toBe(1);
    expect(() => loss.backward()).toThrow(
      /^backward: a \[2,3\] float32 tensor that 'linear' saved for its gradient was modified in place/,
    );
  });
});
