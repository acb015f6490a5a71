import { gradcheck, mul, variable } from "@nabla/autograd";
import { Generator, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { type SoftmaxCrossEntropyOptions, softmaxCrossEntropy } from "../src/index.js";
import { expectClose, flat, loadReference, type Nested, toTensor } from "./reference.js";

// Two paths of the fused loss no other test ran (issue 14 item 8, surviving mutants): its backward
// under an upstream gradient other than 1, and masked -Infinity logits without label smoothing.

interface EdgeCase {
  kind: "upstream" | "masked";
  name: string;
  dtype: "float32" | "float64";
  shape: [number, number];
  logits: Nested;
  labels: Nested;
  options: { reduction: "mean" | "sum" | "none"; labelSmoothing: number; weight: Nested | null };
  scale: number;
  gradOutput: Nested;
  loss: Nested;
  grad: Nested;
}

const reference = loadReference<EdgeCase>("cross-entropy-edges.json");
const logits = (dtype: "float32" | "float64"): Tensor => randn([4, 5], { generator: new Generator(3), dtype, std: 2 });
const labels = [1, 4, 0, 2];

/** d(scale · loss)/dz through the graph: mul(loss, scale).backward(). */
function scaledGradient(z: Tensor, scale: number, options: SoftmaxCrossEntropyOptions): Tensor {
  const v = variable(z.clone(), { requiresGrad: true });
  mul(softmaxCrossEntropy(v, labels, options), scale).backward();
  return v.grad!;
}

describe("softmaxCrossEntropy under an upstream gradient other than 1", () => {
  it.each([
    ["mean", "float64"],
    ["sum", "float64"],
    ["mean", "float32"],
    ["sum", "float32"],
  ] as const)("mul(loss, 3).backward() gives 3× the gradient (%s, %s)", (reduction, dtype) => {
    const z = logits(dtype);
    const once = scaledGradient(z, 1, { reduction });
    const thrice = scaledGradient(z, 3, { reduction });
    const halved = scaledGradient(z, -0.5, { reduction });
    // Within one rounding of the product in the logits' dtype.
    const ulp = dtype === "float64" ? 2 ** -52 : 2 ** -23;
    for (let k = 0; k < z.size; k++) {
      const g = once.data[k]!;
      expect(g).not.toBe(0);
      expect(Math.abs(thrice.data[k]! - 3 * g)).toBeLessThanOrEqual(ulp * Math.abs(3 * g));
      expect(Math.abs(halved.data[k]! + 0.5 * g)).toBeLessThanOrEqual(ulp * Math.abs(0.5 * g));
    }
  });

  it.each([
    { reduction: "mean" },
    { reduction: "sum" },
    { reduction: "mean", labelSmoothing: 0.1, weight: tensor([0.5, 1, 2, 1.5, 0.3], undefined, "float64") },
  ] as SoftmaxCrossEntropyOptions[])("passes a gradient check of 3·loss with %j", (options) => {
    const report = gradcheck((z) => mul(softmaxCrossEntropy(z!, labels, options), 3), [logits("float64")], {
      raise: false,
    });
    expect(report.checked).toBe(20);
    expect(report.ok).toBe(true);
  });
});

describe("softmaxCrossEntropy with masked -Infinity logits, no label smoothing", () => {
  /** Row 0 masks class 3 and row 1 class 2, neither of them the row's label. */
  const masked = (): Tensor => {
    const z = logits("float64");
    z.data[3] = -Infinity;
    z.data[7] = -Infinity;
    return z;
  };

  it.each(["mean", "sum", "none"] as const)(
    "keeps the loss finite and the masked logits' gradient 0 (%s)",
    (reduction) => {
      const z = variable(masked(), { requiresGrad: true });
      const loss = softmaxCrossEntropy(z, labels, { reduction });
      for (const v of loss.value.data) expect(Number.isFinite(v)).toBe(true);
      loss.backward(reduction === "none" ? tensor([1, -2, 0.5, 3], undefined, "float64") : undefined);
      const grad = z.grad!.data;
      // A negative upstream gradient makes these -0: zero either way.
      expect([Math.abs(grad[3]!), Math.abs(grad[7]!)]).toEqual([0, 0]);
      for (const g of grad) expect(Number.isFinite(g)).toBe(true);
    },
  );

  it("passes a gradient check (a masked logit stays -Infinity under ±eps, so its numeric gradient is 0)", () => {
    const report = gradcheck((z) => softmaxCrossEntropy(z!, labels), [masked()], { raise: false });
    expect(report.ok).toBe(true);
  });
});

describe("softmaxCrossEntropy edges agree with PyTorch", () => {
  it("the reference was written by PyTorch 1.13 and holds both kinds", () => {
    expect(reference.torch).toMatch(/^1\.13/);
    expect(reference.cases.filter((c) => c.kind === "upstream").length).toBeGreaterThanOrEqual(8);
    expect(reference.cases.filter((c) => c.kind === "masked").length).toBeGreaterThanOrEqual(4);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const { dtype, shape } = c;
    const z = variable(toTensor(c.logits, shape, dtype), { requiresGrad: true });
    const { reduction, labelSmoothing } = c.options;
    const options: SoftmaxCrossEntropyOptions = { reduction, labelSmoothing };
    if (c.options.weight !== null) options.weight = toTensor(c.options.weight, [shape[1]], dtype);
    const loss = softmaxCrossEntropy(z, flat(c.labels), options);
    const tol = dtype === "float64" ? 1e-6 : 1e-5;
    expectClose(loss.value.data, flat(c.loss), tol, "loss");
    if (reduction === "none") loss.backward(toTensor(c.gradOutput, [shape[0]], dtype));
    else mul(loss, c.scale).backward();
    expectClose(z.grad!.data, flat(c.grad), tol, "gradient");
    if (c.kind === "masked") {
      const expected = flat(c.grad);
      flat(c.logits).forEach((v, k) => {
        if (v === -Infinity) expect([Math.abs(z.grad!.data[k]!), Math.abs(expected[k]!)]).toEqual([0, 0]);
      });
    }
  });
});
