import { add, gradcheck, mean, square, sub, sum, topologicalOrder, variable } from "@nabla/autograd";
import { Generator, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { mse, type Reduction } from "../src/index.js";
import { expectClose, flat, loadReference, type Nested, toTensor } from "./reference.js";

const rand = (shape: number[], seed: number): Tensor =>
  randn(shape, { generator: new Generator(seed), dtype: "float64" });
const reductions: Reduction[] = ["mean", "sum", "none"];

describe("mse", () => {
  it.each(reductions)("gradcheck in both operands (%s)", (reduction) => {
    expect(gradcheck((p, t) => mse(p, t, { reduction }), [rand([3, 4], 1), rand([3, 4], 2)]).ok).toBe(true);
  });

  it.each(reductions)("agrees with the composed mean((p − t)²) (%s)", (reduction) => {
    const composed = (p: Tensor, t: Tensor) => {
      const d = square(sub(p, t));
      return reduction === "none" ? d : reduction === "sum" ? sum(d) : mean(d);
    };
    const p = rand([2, 5], 3);
    const t = rand([2, 5], 4);
    expectClose(mse(p, t, { reduction }).value.data, composed(p, t).value.data, 1e-12, "loss");
  });

  it("is one node, and a Tensor target is a constant", () => {
    const p = variable(rand([4], 1), { requiresGrad: true });
    const out = mse(add(p, 1), rand([4], 2));
    expect(topologicalOrder(out).filter((v) => v.node?.op === "mse")).toHaveLength(1);
    expect(out.node!.inputs[1]!.requiresGrad).toBe(false);
    out.backward();
    expect(p.grad!.shape).toEqual([4]);
  });

  it("differentiates a Variable target: ∂/∂t = −∂/∂p", () => {
    const p = variable(rand([3], 1), { requiresGrad: true });
    const t = variable(rand([3], 2), { requiresGrad: true });
    mse(p, t).backward();
    expect(Array.from(t.grad!.data)).toEqual(Array.from(p.grad!.data, (g) => -g));
  });

  it("keeps the prediction's dtype; an empty mean is NaN as in PyTorch", () => {
    expect(mse(tensor([1, 2]), tensor([0, 0])).dtype).toBe("float32");
    expect(mse(tensor([1, 2]), tensor([0, 0])).item()).toBeCloseTo(2.5, 6);
    expect(mse(tensor([], [0]), tensor([], [0])).item()).toBeNaN();
  });

  it("is finite and exact at ±1000", () => {
    const out = mse(tensor([1000, -1000], undefined, "float32"), tensor([-1000, 1000], undefined, "float32"), {
      reduction: "none",
    });
    expect(Array.from(out.value.data)).toEqual([4e6, 4e6]);
  });

  interface MseCase {
    name: string;
    dtype: "float32" | "float64";
    shape: number[];
    prediction: Nested;
    target: Nested;
    reduction: Reduction;
    loss: Nested;
    gradOutput: Nested;
    gradPrediction: Nested;
    gradTarget: Nested;
  }
  const reference = loadReference<MseCase>("mse.json");
  it.each(reference.cases.map((c) => [c.name, c] as const))("agrees with PyTorch: %s", (_, c) => {
    const p = variable(toTensor(c.prediction, c.shape, c.dtype), { requiresGrad: true });
    const t = variable(toTensor(c.target, c.shape, c.dtype), { requiresGrad: true });
    const out = mse(p, t, { reduction: c.reduction });
    const tol = c.dtype === "float64" ? 1e-6 : 1e-5;
    expectClose(out.value.data, flat(c.loss), tol, "loss");
    out.backward(c.reduction === "none" ? toTensor(c.gradOutput, c.shape, c.dtype) : undefined);
    expectClose(p.grad!.data, flat(c.gradPrediction), tol, "gradient of the prediction");
    expectClose(t.grad!.data, flat(c.gradTarget), tol, "gradient of the target");
  });

  const errors: Array<[string, () => unknown, string]> = [
    [
      "shapes differ",
      () => mse(tensor([[1, 2]]), tensor([1, 2])),
      "mse: prediction [1,2] and target [2] differ in shape; expected equal shapes",
    ],
    [
      "no broadcasting",
      () => mse(tensor([[1], [2]]), tensor([1, 2])),
      "mse: prediction [2,1] and target [2] differ in shape; expected equal shapes",
    ],
    [
      "int32 prediction",
      () => mse(tensor([1], undefined, "int32"), tensor([1])),
      "mse: prediction must be float32 or float64, got int32",
    ],
    [
      "number target",
      () => mse(tensor([1]), 1 as unknown as Tensor),
      "mse: target must be a Variable or Tensor, got the number 1",
    ],
    [
      "unknown reduction",
      () => mse(tensor([1]), tensor([1]), { reduction: "max" as Reduction }),
      "mse: unknown reduction 'max'; expected 'mean', 'sum' or 'none'",
    ],
  ];
  it.each(errors)("error: %s", (_, fn, message) => {
    expect(fn).toThrow(new Error(message));
  });

  it("weights the squared error as a Variable would: 2(p − t)·g", () => {
    const p = variable(tensor([1, 2, 3], undefined, "float64"), { requiresGrad: true });
    const out = mse(p, tensor([0, 0, 0], undefined, "float64"), { reduction: "none" });
    out.backward(tensor([1, 10, 100], undefined, "float64"));
    expect(Array.from(p.grad!.data)).toEqual([2, 40, 600]);
  });
});
