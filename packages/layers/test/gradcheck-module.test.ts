import { mul, Variable } from "@nabla/autograd";
import { Generator } from "@nabla/tensor";
import { messageOf, normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Dense, gradcheckModule, Module, Parameter, Sequential, Tanh } from "../src/index.js";

/** x·scale, where forward forgets to let the gradient reach `scale`: the bug gradcheckModule is for. */
class DetachedScale extends Module {
  readonly scale = new Parameter(normal([3], 7));

  forward(x: Variable): Variable {
    return mul(x, new Variable(this.scale.value));
  }
}

describe("gradcheckModule", () => {
  it("passes a module whose backward is right, and leaves it in float64", () => {
    const model = new Sequential(
      new Dense(4, 3, { generator: new Generator(1) }),
      new Tanh(),
      new Dense(3, 2, { generator: new Generator(2) }),
    );
    gradcheckModule(model, normal([5, 4], 3));
    for (const p of model.parameters()) expect(p.dtype).toBe("float64");
  });

  it("names the parameter and element whose gradient is wrong", () => {
    const message = messageOf(() => gradcheckModule(new DetachedScale(), normal([2, 3], 4)));
    expect(message).toMatch(/^gradcheckLeaves: gradient mismatch at 'scale' element 0: analytic 0, numeric /);
  });

  it("says what it got when it is not given a Module or a Tensor", () => {
    expect(messageOf(() => gradcheckModule({} as Module, normal([1])))).toBe(
      "gradcheckModule: expected a Module, got an object",
    );
    expect(messageOf(() => gradcheckModule(new Tanh(), [1, 2] as never))).toBe(
      "gradcheckModule: x must be a float64 Tensor, got an array of length 2",
    );
    expect(messageOf(() => gradcheckModule(new Tanh(), normal([1]), { atoll: 1 } as never))).toBe(
      "gradcheckModule: unknown option 'atoll'; expected one of eps, atol, rtol, seed",
    );
  });
});
