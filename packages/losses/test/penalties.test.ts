import { gradcheck, topologicalOrder, type Variable, variable } from "@nabla/autograd";
import { Generator, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { type HasNamedParameters, l1Penalty, l2Penalty } from "../src/index.js";

const param = (values: number[][] | number[], dtype: "float32" | "float64" = "float64"): Variable =>
  variable(tensor(values, undefined, dtype), { requiresGrad: true });

/** A stand-in for a Module: losses must not import @nabla/layers. */
const model = (): HasNamedParameters & { w: Variable; b: Variable; v: Variable } => {
  const w = param([
    [1, -2],
    [0, 3],
  ]);
  const b = param([10, -10]);
  const v = param([-0.5]);
  return {
    w,
    b,
    v,
    namedParameters: () => [
      ["0.weight", w],
      ["0.bias", b],
      ["1.weight", v],
    ],
  };
};

describe("penalties", () => {
  it("l2Penalty is Σ w² over a module's weights, skipping biases (no 1/2)", () => {
    const m = model();
    const out = l2Penalty(m);
    expect(out.item()).toBe(1 + 4 + 0 + 9 + 0.25);
    out.backward();
    expect(m.w.grad!.toArray()).toEqual([
      [2, -4],
      [0, 6],
    ]);
    expect(m.v.grad!.toArray()).toEqual([-1]);
    expect(m.b.grad).toBeNull();
  });

  it("l1Penalty is Σ |w| with gradient sign(w), 0 at 0", () => {
    const m = model();
    const out = l1Penalty(m);
    expect(out.item()).toBe(1 + 2 + 0 + 3 + 0.5);
    out.backward();
    expect(m.w.grad!.toArray()).toEqual([
      [1, -1],
      [0, 1],
    ]);
    expect(m.b.grad).toBeNull();
  });

  it("takes any iterable of Variables, biases included, as one node", () => {
    const a = param([1, 2]);
    const b = param([3]);
    function* params(): IterableIterator<Variable> {
      yield a;
      yield b;
    }
    const out = l2Penalty(params());
    expect(out.item()).toBe(14);
    expect(out.node!.op).toBe("l2Penalty");
    expect(topologicalOrder(out).filter((v) => v.node !== null)).toHaveLength(1);
  });

  it("gradcheck", () => {
    const x = (seed: number): Tensor => randn([3, 2], { generator: new Generator(seed), dtype: "float64" });
    expect(gradcheck((a, b) => l2Penalty([a, b]), [x(1), x(2)]).ok).toBe(true);
    expect(gradcheck((a, b) => l1Penalty([a, b]), [x(3), x(4)]).ok).toBe(true);
  });

  it("is float32 for float32 weights, float64 if any is float64, and 0 for no weights", () => {
    expect(l2Penalty([param([1], "float32")]).dtype).toBe("float32");
    expect(l2Penalty([param([1], "float32"), param([1])]).dtype).toBe("float64");
    const none = l1Penalty([]);
    expect(none.item()).toBe(0);
    expect(none.node).toBeNull();
  });

  it("errors", () => {
    expect(() => l2Penalty(3 as unknown as Variable[])).toThrow(
      new Error(
        "l2Penalty: expected parameters (an iterable of Variables) or a module with namedParameters(), got the number 3",
      ),
    );
    expect(() => l1Penalty([tensor([1])] as unknown as Variable[])).toThrow(
      new Error("l1Penalty: parameter 0 is a float32 Tensor of shape [1], expected a Variable"),
    );
    expect(() => l2Penalty([variable(tensor([1], undefined, "int32"))])).toThrow(
      new Error("l2Penalty: parameter 0 is int32; expected float32 or float64"),
    );
  });
});
