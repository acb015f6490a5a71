import { add, gradcheck, log, mean, mul, neg, sigmoid, sub, sum, topologicalOrder, variable } from "@nabla/autograd";
import { Generator, rand, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { bceWithLogits, type Reduction } from "../src/index.js";
import { expectClose, flat, loadReference, type Nested, toTensor } from "./reference.js";

const logits = (): Tensor => randn([4, 3], { generator: new Generator(1), dtype: "float64", std: 3 });
const targets = (): Tensor => rand([4, 3], { generator: new Generator(2), dtype: "float64" });
const reductions: Reduction[] = ["mean", "sum", "none"];
const posWeights: Array<[string, Tensor | undefined]> = [
  ["no posWeight", undefined],
  ["posWeight [3]", tensor([0.5, 2, 4], undefined, "float64")],
  ["posWeight [4,1]", tensor([[0.5], [1], [2], [3]], undefined, "float64")],
];
const combos = reductions.flatMap((reduction) =>
  posWeights.map(([name, posWeight]) => [`${reduction}, ${name}`, reduction, posWeight] as const),
);

describe("bceWithLogits", () => {
  it.each(combos)("gradcheck in logits and target (%s)", (_, reduction, posWeight) => {
    const report = gradcheck(
      (x, t) => bceWithLogits(x, t, { reduction, ...(posWeight ? { posWeight } : {}) }),
      [logits(), targets()],
    );
    expect(report.ok).toBe(true);
  });

  it.each(combos)("agrees with the composed −p·t·log σ(x) − (1 − t)·log(1 − σ(x)) (%s)", (_, reduction, posWeight) => {
    const x = logits();
    const t = targets();
    const p = posWeight ?? 1;
    const perElement = neg(add(mul(mul(p, t), log(sigmoid(x))), mul(sub(1, t), log(sub(1, sigmoid(x))))));
    const composed = reduction === "none" ? perElement : reduction === "sum" ? sum(perElement) : mean(perElement);
    const fused = bceWithLogits(x, t, { reduction, ...(posWeight ? { posWeight } : {}) });
    expectClose(fused.value.data, composed.value.data, 1e-10, "loss");
  });

  it("is stable at ±1000: exact losses, finite gradients σ(x) − t", () => {
    const x = variable(tensor([1000, -1000, 1000, -1000], undefined, "float32"), { requiresGrad: true });
    const out = bceWithLogits(x, tensor([1, 1, 0, 0]), { reduction: "none" });
    expect(Array.from(out.value.data)).toEqual([0, 1000, 1000, 0]);
    out.backward(tensor([1, 1, 1, 1]));
    expect(Array.from(x.grad!.data)).toEqual([0, -1, 1, 0]);
  });

  it("is one node", () => {
    const x = variable(logits(), { requiresGrad: true });
    const out = bceWithLogits(mul(x, 2), targets());
    expect(topologicalOrder(out).filter((v) => v.node?.op === "bceWithLogits")).toHaveLength(1);
    expect(out.node!.op).toBe("bceWithLogits");
  });

  interface BceCase {
    name: string;
    dtype: "float32" | "float64";
    shape: number[];
    logits: Nested;
    target: Nested;
    reduction: Reduction;
    posWeight: { shape: number[]; data: Nested } | null;
    loss: Nested;
    gradOutput: Nested;
    gradLogits: Nested;
    gradTarget: Nested;
  }
  const reference = loadReference<BceCase>("bce-with-logits.json");
  it.each(reference.cases.map((c) => [c.name, c] as const))("agrees with PyTorch: %s", (_, c) => {
    const x = variable(toTensor(c.logits, c.shape, c.dtype), { requiresGrad: true });
    const t = variable(toTensor(c.target, c.shape, c.dtype), { requiresGrad: true });
    const posWeight = c.posWeight === null ? undefined : toTensor(c.posWeight.data, c.posWeight.shape, c.dtype);
    const out = bceWithLogits(x, t, { reduction: c.reduction, ...(posWeight ? { posWeight } : {}) });
    const tol = c.dtype === "float64" ? 1e-6 : 1e-5;
    expectClose(out.value.data, flat(c.loss), tol, "loss");
    out.backward(c.reduction === "none" ? toTensor(c.gradOutput, c.shape, c.dtype) : undefined);
    expectClose(x.grad!.data, flat(c.gradLogits), tol, "gradient of the logits");
    expectClose(t.grad!.data, flat(c.gradTarget), tol, "gradient of the target");
  });

  const errors: Array<[string, () => unknown, string]> = [
    [
      "shapes differ",
      () => bceWithLogits(tensor([[1, 2]]), tensor([1, 0])),
      "bceWithLogits: logits [1,2] and target [2] differ in shape; expected equal shapes",
    ],
    [
      "int32 logits",
      () => bceWithLogits(tensor([1], undefined, "int32"), tensor([1])),
      "bceWithLogits: logits must be float32 or float64, got int32",
    ],
    [
      "posWeight that does not broadcast",
      () => bceWithLogits(tensor([[1, 2]]), tensor([[1, 0]]), { posWeight: tensor([1, 2, 3]) }),
      "bceWithLogits: posWeight [3] does not broadcast to the logits' shape [1,2]",
    ],
    [
      "posWeight of higher rank",
      () => bceWithLogits(tensor([1, 2]), tensor([1, 0]), { posWeight: tensor([[1, 2]]) }),
      "bceWithLogits: posWeight [1,2] does not broadcast to the logits' shape [2]",
    ],
    [
      "posWeight not a tensor",
      () => bceWithLogits(tensor([1, 2]), tensor([1, 0]), { posWeight: 2 as unknown as Tensor }),
      "bceWithLogits: posWeight must be a Tensor, got the number 2",
    ],
    [
      "unknown reduction",
      () => bceWithLogits(tensor([1]), tensor([1]), { reduction: "avg" as Reduction }),
      "bceWithLogits: unknown reduction 'avg'; expected 'mean', 'sum' or 'none'",
    ],
  ];
  it.each(errors)("error: %s", (_, fn, message) => {
    expect(fn).toThrow(new Error(message));
  });
});
