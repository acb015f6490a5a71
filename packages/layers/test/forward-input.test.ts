import { Variable } from "@nabla/autograd";
import { type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, expectTypeOf, it } from "vitest";
import { Dense, Flatten, type Module, ReLU, Sequential, Softmax } from "../src/index.js";

// forward is typed as wide as it behaves: every layer takes a Tensor as a constant input.

describe("Module.forward takes a Variable or a Tensor", () => {
  it("is declared so on Module, and layers return Variables for Tensor input", () => {
    expectTypeOf<Module["forward"]>().parameter(0).toEqualTypeOf<Variable | Tensor>();
    const x = tensor([
      [1, -2],
      [3, 4],
    ]);
    const model = new Sequential(new Dense(2, 3), new ReLU(), new Flatten(), new Softmax());
    const y = model.forward(x);
    expect(y).toBeInstanceOf(Variable);
    expect(y.shape).toEqual([2, 3]);
    expect(new ReLU().forward(x).toArray()).toEqual([
      [1, 0],
      [3, 4],
    ]);
  });

  it("an empty Sequential gives its Tensor input back as a Variable, as declared", () => {
    const x = tensor([1, 2]);
    const y = new Sequential().forward(x);
    expect(y).toBeInstanceOf(Variable);
    expect(y.value).toBe(x);
    const v = new Variable(x);
    expect(new Sequential().forward(v)).toBe(v);
  });
});
