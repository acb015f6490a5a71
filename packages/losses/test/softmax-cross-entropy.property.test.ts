import { gradcheck, logSoftmax, mean, mul, neg, sum, variable } from "@nabla/autograd";
import { full, Generator, rand, randn, type Tensor, tensor } from "@nabla/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ClassTarget, type SoftmaxCrossEntropyOptions, softmaxCrossEntropy } from "../src/index.js";

fc.configureGlobal({ seed: 20240601, numRuns: 200 });

/**
 * A random problem: logits [B, C] (float64, spread up to ±30), a target that is class indices
 * (some rows possibly ignored) or probabilities, and random options (reduction, smoothing, weights).
 */
const problem = fc
  .record({
    B: fc.integer({ min: 1, max: 6 }),
    C: fc.integer({ min: 1, max: 7 }),
    scale: fc.constantFrom(0.1, 1, 5, 30),
    soft: fc.boolean(),
    reduction: fc.constantFrom("mean" as const, "sum" as const, "none" as const),
    labelSmoothing: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
    weighted: fc.boolean(),
    ignore: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ B, C, scale, soft, reduction, labelSmoothing, weighted, ignore, seed }) => {
    const g = new Generator(seed);
    const logits = randn([B, C], { generator: g, dtype: "float64", std: scale });
    let target: ClassTarget;
    if (soft) {
      // Unnormalised on purpose: the invariances hold for any non-negative target.
      target = rand([B, C], { generator: g, dtype: "float64" });
    } else {
      // With `ignore`, the first row is ignored (so at least one row is ignored, and one may remain).
      target = Array.from({ length: B }, (_, i) => (ignore && i === 0 ? -100 : g.int(0, C)));
    }
    const options: SoftmaxCrossEntropyOptions = { reduction, labelSmoothing };
    if (weighted) options.weight = rand([C], { generator: g, dtype: "float64", low: 0.1, high: 3 });
    return { B, C, logits, target, options, plain: !soft };
  });

function lossAndGrad(
  logits: Tensor,
  target: ClassTarget,
  options: SoftmaxCrossEntropyOptions,
): { loss: number[]; grad: number[] } {
  const z = variable(logits, { requiresGrad: true });
  const out = softmaxCrossEntropy(z, target, options);
  // 'none' is summed, so every row's gradient is exercised.
  const scalar = out.size === 1 ? out : sum(out);
  scalar.backward();
  return { loss: Array.from(out.value.data), grad: Array.from(z.grad!.data) };
}

function expectNear(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(a).toBeNaN();
    else expect(Math.abs(a - e)).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
  });
}

describe("softmaxCrossEntropy invariances (property)", () => {
  it("adding a constant to a row changes neither the loss nor the gradient", () => {
    fc.assert(
      fc.property(
        problem,
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (p, shifts) => {
          const shifted = tensor(
            Array.from(p.logits.data, (v, k) => v + shifts[Math.floor(k / p.C)]!),
            p.logits.shape,
            "float64",
          );
          const a = lossAndGrad(p.logits, p.target, p.options);
          const b = lossAndGrad(shifted, p.target, p.options);
          // A shift of 1e3 moves the logits' last bits by ~1e-13: the comparison allows for that, no more.
          expectNear(b.loss, a.loss, 1e-10);
          expectNear(b.grad, a.grad, 1e-10);
        },
      ),
    );
  });

  it("each row of the gradient sums to zero (softmax·Σq − q for plain and soft targets alike)", () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { grad } = lossAndGrad(p.logits, p.target, p.options);
        for (let i = 0; i < p.B; i++) {
          const row = grad.slice(i * p.C, (i + 1) * p.C);
          const scale = Math.max(1, ...row.map(Math.abs));
          expect(Math.abs(row.reduce((s, v) => s + v, 0))).toBeLessThanOrEqual(1e-12 * scale * p.C);
        }
      }),
    );
  });

  it("the loss is never negative, and is finite for logits up to ±1e4", () => {
    fc.assert(
      fc.property(problem, fc.constantFrom(1, 1e2, 1e4), (p, magnitude) => {
        const logits = tensor(
          Array.from(p.logits.data, (v) => (v * magnitude) / 30),
          p.logits.shape,
          "float64",
        );
        const { loss, grad } = lossAndGrad(logits, p.target, { ...p.options, reduction: "none" });
        for (const l of loss) {
          expect(l).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(l)).toBe(true);
        }
        for (const g of grad) expect(Number.isFinite(g)).toBe(true);
      }),
    );
  });

  it("equal logits give log C per row (weighted and smoothed targets scale it by Σq̃), with gradient (1/C·Σq̃ − q̃)·scale", () => {
    fc.assert(
      fc.property(problem, fc.double({ min: -1e4, max: 1e4, noNaN: true }), (p, k) => {
        fc.pre(p.plain);
        const { B, C } = p;
        const labels = (p.target as number[]).map((y) => (y === -100 ? 0 : y));
        const reduction = p.options.reduction === "none" ? "mean" : p.options.reduction!;
        const eps = p.options.labelSmoothing!;
        const w = (c: number): number => (p.options.weight === undefined ? 1 : p.options.weight.data[c]!);
        let spread = 0;
        for (let c = 0; c < C; c++) spread += (eps / C) * w(c);
        const mass = labels.map((y) => spread + (1 - eps) * w(y));
        const denominator = reduction === "mean" ? labels.reduce((s, y) => s + w(y), 0) : 1;
        const { loss, grad } = lossAndGrad(full([B, C], k, "float64"), labels, { ...p.options, reduction });
        expectNear(loss, [(Math.log(C) * mass.reduce((a, b) => a + b, 0)) / denominator], 1e-12);
        if (p.options.weight === undefined && reduction === "mean") expectNear(loss, [Math.log(C)], 1e-12);
        const expected = labels.flatMap((y, i) =>
          Array.from(
            { length: C },
            (_, c) => (mass[i]! / C - (eps / C) * w(c) - (c === y ? (1 - eps) * w(y) : 0)) / denominator,
          ),
        );
        expectNear(grad, expected, 1e-12);
      }),
    );
  });

  it("for plain labels equals −mean(logSoftmax·onehot) built from separate ops", () => {
    const plain = fc.record({ B: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 1, max: 7 }), seed: fc.nat() });
    fc.assert(
      fc.property(plain, ({ B, C, seed }) => {
        const g = new Generator(seed);
        const logits = randn([B, C], { generator: g, dtype: "float64", std: 5 });
        const labels = Array.from({ length: B }, () => g.int(0, C));
        const onehot = tensor(
          labels.flatMap((y) => Array.from({ length: C }, (_, c) => (c === y ? 1 : 0))),
          [B, C],
          "float64",
        );
        const fused = lossAndGrad(logits, labels, {});
        const z = variable(logits, { requiresGrad: true });
        const reference = neg(mean(sum(mul(logSoftmax(z), onehot), 1)));
        reference.backward();
        expectNear(fused.loss, [reference.item()], 1e-12);
        expectNear(fused.grad, Array.from(z.grad!.data), 1e-12);
      }),
    );
  });

  it("its analytic gradient agrees with central differences under every option", () => {
    fc.assert(
      fc.property(problem, (p) => {
        // Every row ignored under 'mean' is 0/0: a NaN loss with a zero gradient, by design (PyTorch's).
        fc.pre(!(p.plain && p.B === 1 && (p.target as number[])[0] === -100 && p.options.reduction === "mean"));
        const report = gradcheck((v) => softmaxCrossEntropy(v!, p.target, p.options), [p.logits], { raise: false });
        if (!report.ok) throw new Error(`${JSON.stringify(p.options)}: ${JSON.stringify(report.worst)}`);
      }),
      { numRuns: 100 },
    );
  });
});
