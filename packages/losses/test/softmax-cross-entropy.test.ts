import {
  div,
  gradcheck,
  linear,
  logSoftmax,
  mul,
  neg,
  noGrad,
  sum,
  topologicalOrder,
  type Variable,
  variable,
} from "@nabla/autograd";
import { type DType, Generator, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { type ClassTarget, type SoftmaxCrossEntropyOptions, softmaxCrossEntropy } from "../src/index.js";
import { expectClose, flat, loadReference, type Nested, toTensor } from "./reference.js";

const B = 5;
const C = 4;
const logits64 = (seed = 1, rows = B, cols = C, scale = 2): Tensor =>
  randn([rows, cols], { generator: new Generator(seed), dtype: "float64", std: scale });
const labels = [2, 0, 3, 3, 1];
const withIgnored = [2, -100, 3, -100, 1];
const probs = (): Tensor => {
  const z = randn([B, C], { generator: new Generator(7), dtype: "float64" }).data;
  const q = new Float64Array(B * C);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += q[i * C + c] = Math.exp(z[i * C + c]!);
    for (let c = 0; c < C; c++) q[i * C + c]! /= s;
  }
  return tensor(q, [B, C]);
};
const weight = tensor([0.5, 2, 1, 3], undefined, "float64");

type Kind = "labels" | "labels with ignored rows" | "labels, ignoreIndex 3" | "probabilities";
const kinds: Kind[] = ["labels", "labels with ignored rows", "labels, ignoreIndex 3", "probabilities"];
const targetOf = (kind: Kind): { target: ClassTarget; ignoreIndex: number } =>
  kind === "labels"
    ? { target: labels, ignoreIndex: -100 }
    : kind === "labels with ignored rows"
      ? { target: withIgnored, ignoreIndex: -100 }
      : kind === "labels, ignoreIndex 3"
        ? { target: labels, ignoreIndex: 3 }
        : { target: probs(), ignoreIndex: -100 };

const combos = kinds.flatMap((kind) =>
  (["mean", "sum", "none"] as const).flatMap((reduction) =>
    [0, 0.3].flatMap((labelSmoothing) =>
      [false, true].map((weighted) => ({ kind, reduction, labelSmoothing, weighted })),
    ),
  ),
);
const comboName = (c: (typeof combos)[number]): string =>
  `${c.kind}, ${c.reduction}, labelSmoothing ${c.labelSmoothing}${c.weighted ? ", weighted" : ""}`;

/**
 * The same loss composed from autograd ops, -(q̃ · logSoftmax(z)).sum(1), with q̃ the weighted,
 * smoothed target written out as a dense [B, C] constant and PyTorch's denominators for 'mean'.
 */
function composed(z: Variable, target: ClassTarget, options: SoftmaxCrossEntropyOptions): Variable {
  const [rows, cols] = z.shape as [number, number];
  const { reduction = "mean", labelSmoothing: eps = 0, weight: w, ignoreIndex = -100 } = options;
  const wc = (c: number): number => (w === undefined ? 1 : w.data[c]!);
  const q = new Float64Array(rows * cols);
  let denominator = 0;
  if (Array.isArray(target)) {
    target.forEach((y, i) => {
      if (y === ignoreIndex) return;
      for (let c = 0; c < cols; c++) q[i * cols + c] = wc(c) * ((1 - eps) * (c === y ? 1 : 0) + eps / cols);
      denominator += wc(y);
    });
  } else {
    const p = (target as Tensor).data;
    for (let k = 0; k < q.length; k++) q[k] = wc(k % cols) * ((1 - eps) * p[k]! + eps / cols);
    denominator = rows;
  }
  const perRow = neg(sum(mul(tensor(q, [rows, cols]), logSoftmax(z, 1)), 1));
  return reduction === "none" ? perRow : reduction === "sum" ? sum(perRow) : div(sum(perRow), denominator);
}

const optionsOf = (c: (typeof combos)[number]): SoftmaxCrossEntropyOptions => ({
  reduction: c.reduction,
  labelSmoothing: c.labelSmoothing,
  ignoreIndex: targetOf(c.kind).ignoreIndex,
  ...(c.weighted ? { weight } : {}),
});

describe("softmaxCrossEntropy: gradients", () => {
  it.each(combos.map((c) => [comboName(c), c] as const))("gradcheck: %s", (_, c) => {
    const { target } = targetOf(c.kind);
    const report = gradcheck((z) => softmaxCrossEntropy(z, target, optionsOf(c)), [logits64()], {
      atol: 1e-7,
      rtol: 1e-6,
    });
    expect(report.ok).toBe(true);
  });

  it.each(combos.map((c) => [comboName(c), c] as const))(
    "agrees with the composed -(q·logSoftmax(z)).sum: %s",
    (_, c) => {
      const { target } = targetOf(c.kind);
      const options = optionsOf(c);
      const seed = c.reduction === "none" ? randn([B], { generator: new Generator(3), dtype: "float64" }) : undefined;
      const run = (f: typeof composed): { value: Tensor; grad: Tensor } => {
        const z = variable(logits64(), { requiresGrad: true });
        const out = f(z, target, options);
        out.backward(seed);
        return { value: out.value, grad: z.grad! };
      };
      const fused = run(softmaxCrossEntropy);
      const reference = run(composed);
      expect(fused.value.shape).toEqual(reference.value.shape);
      expectClose(fused.value.data, reference.value.data, 1e-6, "loss");
      expectClose(fused.grad.data, reference.grad.data, 1e-6, "gradient");
    },
  );

  it.each(combos.map((c) => [comboName(c), c] as const))("gradient rows sum to zero: %s", (_, c) => {
    const { target } = targetOf(c.kind);
    const z = variable(logits64(), { requiresGrad: true });
    const out = softmaxCrossEntropy(z, target, optionsOf(c));
    out.backward(c.reduction === "none" ? randn([B], { generator: new Generator(4), dtype: "float64" }) : undefined);
    const g = z.grad!.data;
    for (let i = 0; i < B; i++) {
      let s = 0;
      let size = 0;
      for (let c2 = 0; c2 < C; c2++) {
        s += g[i * C + c2]!;
        size += Math.abs(g[i * C + c2]!);
      }
      expect(Math.abs(s)).toBeLessThanOrEqual(1e-15 * Math.max(size, 1) * C);
    }
  });

  it("is softmax − onehot over B for plain labels under 'mean'", () => {
    const zt = logits64();
    const z = variable(zt, { requiresGrad: true });
    softmaxCrossEntropy(z, labels).backward();
    const g = z.grad!.data;
    for (let i = 0; i < B; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(zt.data[i * C + c]!);
      for (let c = 0; c < C; c++) {
        const expected = (Math.exp(zt.data[i * C + c]!) / s - (c === labels[i] ? 1 : 0)) / B;
        expect(g[i * C + c]).toBeCloseTo(expected, 14);
      }
    }
  });

  it("float32 logits give float32 losses and gradients", () => {
    const z = variable(
      tensor([
        [1, 2, 3],
        [3, 2, 1],
      ]),
      { requiresGrad: true },
    );
    const out = softmaxCrossEntropy(z, [2, 2]);
    expect(out.dtype).toBe("float32");
    out.backward();
    expect(z.grad!.dtype).toBe("float32");
    expect(out.item()).toBeCloseTo((Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) * 2 - 3 - 1) / 2, 6);
  });

  it.each([
    ["class indices", {}],
    ["label smoothing and class weights", { labelSmoothing: 0.2, weight: [0.5, 2, 1, 1.5, 0.25, 1, 3] }],
    ["ignored rows, sum", { ignoreIndex: 2, reduction: "sum" }],
    ["per-row losses", { reduction: "none" }],
    ["probabilities", { probabilities: true }],
  ] as const)("float32 (the wasm kernel) agrees with float64 (the gradient-checked path): %s", (_what, o) => {
    const B = 9;
    const C = 7;
    const z64 = randn([B, C], { generator: new Generator(31), dtype: "float64" }).data.map((v) => v * 6);
    const z32 = Float32Array.from(z64);
    const labels = [0, 2, 6, 3, 2, 1, 5, 4, 2];
    const probs = Array.from({ length: B * C }, (_, i) => ((i * 7) % 5) + 1).map((v, i, all) => {
      const row = Math.floor(i / C) * C;
      return v / all.slice(row, row + C).reduce((a, b) => a + b, 0);
    });
    const run = (dtype: DType, data: ArrayLike<number>) => {
      const z = variable(tensor(Array.from(data), [B, C], dtype), { requiresGrad: true });
      const options: SoftmaxCrossEntropyOptions = {};
      if ("labelSmoothing" in o) options.labelSmoothing = o.labelSmoothing;
      if ("weight" in o) options.weight = tensor([...o.weight], [C], dtype);
      if ("ignoreIndex" in o) options.ignoreIndex = o.ignoreIndex;
      if ("reduction" in o) options.reduction = o.reduction;
      const target: ClassTarget = "probabilities" in o ? tensor(probs, [B, C], dtype) : labels;
      const out = softmaxCrossEntropy(z, target, options);
      out.backward(
        out.size === 1
          ? undefined
          : tensor(
              Array.from({ length: B }, (_, i) => i - 3),
              [B],
              dtype,
            ),
      );
      return { loss: Array.from(out.value.data), grad: Array.from(z.grad!.data) };
    };
    const f32 = run("float32", z32);
    const f64 = run("float64", Float32Array.from(z32));
    for (let i = 0; i < f64.loss.length; i++)
      expect(Math.abs(f32.loss[i]! - f64.loss[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(f64.loss[i]!)));
    for (let i = 0; i < f64.grad.length; i++)
      expect(Math.abs(f32.grad[i]! - f64.grad[i]!)).toBeLessThan(2e-6 * (1 + Math.abs(f64.grad[i]!)));
  });

  it.each(["float32", "float64"] as const)(
    "a retained graph's second backward gives the same gradient, even after the first was changed in place (%s)",
    (dtype) => {
      const z = variable(randn([4, 5], { generator: new Generator(8), dtype }), { requiresGrad: true });
      for (const reduction of ["mean", "sum", "none"] as const) {
        z.grad = null;
        const out = softmaxCrossEntropy(z, [0, 4, 2, 2], { reduction, labelSmoothing: 0.1 });
        const seed = reduction === "none" ? tensor([1, 2, 3, 4], [4], dtype) : undefined;
        out.backward(seed, { retainGraph: true });
        const first = [...z.grad!.data];
        z.grad!.data.fill(0);
        out.backward(seed);
        expect([...z.grad!.data]).toEqual(first);
      }
    },
  );
});

describe("softmaxCrossEntropy: one graph node", () => {
  it("appears exactly once, with the logits as its only input", () => {
    const x = variable(randn([3, 6], { generator: new Generator(2), dtype: "float64" }));
    const w = variable(randn([6, 4], { generator: new Generator(3), dtype: "float64" }), { requiresGrad: true });
    const out = softmaxCrossEntropy(linear(x, w), [0, 3, 1], { labelSmoothing: 0.1, weight });
    const ops = topologicalOrder(out).flatMap((v) => (v.node === null ? [] : [v.node.op]));
    expect(ops.filter((op) => op === "softmaxCrossEntropy")).toHaveLength(1);
    expect(ops).not.toContain("logSoftmax");
    expect(ops).not.toContain("softmax");
    expect(ops).not.toContain("log");
    expect(ops).not.toContain("exp");
    expect(out.node!.op).toBe("softmaxCrossEntropy");
    expect(out.node!.inputs).toHaveLength(1);
    expect(out.node!.inputs[0]!.node!.op).toBe("linear");
  });

  it("makes no node for constant logits or under noGrad", () => {
    expect(softmaxCrossEntropy(logits64(), labels).node).toBeNull();
    const z = variable(logits64(), { requiresGrad: true });
    expect(noGrad(() => softmaxCrossEntropy(z, labels)).node).toBeNull();
    expect(softmaxCrossEntropy(z, labels).requiresGrad).toBe(true);
  });

  it("accepts class indices as an int32 Tensor, an Int32Array or number[]", () => {
    const z = logits64();
    const expected = softmaxCrossEntropy(z, labels).item();
    expect(softmaxCrossEntropy(z, new Int32Array(labels)).item()).toBe(expected);
    expect(softmaxCrossEntropy(z, tensor(labels, undefined, "int32")).item()).toBe(expected);
  });
});

describe("softmaxCrossEntropy: numerics", () => {
  const extreme = [
    [1e4, -1e4, 0, 1e4 - 3],
    [-1e4, 1e4, 1e4 - 0.5, -1e4],
    [1e4, 1e4, 1e4, 1e4],
    [-1e4, -1e4 + 1, -1e4 + 2, -1e4 + 0.25],
  ];
  /** −log softmax(z)_y, written out independently in float64. */
  const truth = (row: number[], y: number): number => {
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    return m - row[y]! + Math.log(s);
  };

  it.each(["float32", "float64"] as const)("is finite and accurate at logits of ±1e4 (%s)", (dtype: DType) => {
    const z = variable(tensor(extreme, undefined, dtype), { requiresGrad: true });
    const out = softmaxCrossEntropy(z, [0, 1, 2, 3], { reduction: "none" });
    out.backward(tensor([1, 1, 1, 1], undefined, dtype));
    const values = tensor(extreme, undefined, dtype).toArray() as number[][]; // the values as stored
    for (let i = 0; i < 4; i++) {
      const expected = truth(values[i]!, i);
      expect(Math.abs(out.value.data[i]! - expected) / expected).toBeLessThan(dtype === "float32" ? 1e-6 : 1e-14);
    }
    expect(Array.from(z.grad!.data).every(Number.isFinite)).toBe(true);
    expect(out.value.data[2]).toBeCloseTo(Math.log(4), dtype === "float32" ? 6 : 14);
  });

  it("is finite at ±1e4 with probability targets, smoothing and weights (float32)", () => {
    const z = variable(tensor(extreme), { requiresGrad: true });
    const q = tensor([
      [0.5, 0.5, 0, 0],
      [0, 0, 0, 1],
      [0.25, 0.25, 0.25, 0.25],
      [1, 0, 0, 0],
    ]);
    const out = softmaxCrossEntropy(z, q, { labelSmoothing: 0.1, weight: tensor([1, 2, 3, 4]) });
    out.backward();
    expect(Number.isFinite(out.item())).toBe(true);
    expect(Array.from(z.grad!.data).every(Number.isFinite)).toBe(true);
  });

  it("rows of equal logits give log C and gradient (1/C − onehot)/B", () => {
    const z = variable(
      tensor(
        [
          [3, 3, 3, 3, 3],
          [-7, -7, -7, -7, -7],
        ],
        undefined,
        "float64",
      ),
      { requiresGrad: true },
    );
    const out = softmaxCrossEntropy(z, [1, 4]);
    expect(out.item()).toBeCloseTo(Math.log(5), 15);
    out.backward();
    expect(z.grad!.toArray()).toEqual([
      [0.1, 0.1 - 0.5, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1, 0.1, 0.1 - 0.5],
    ]);
  });

  it("a very confident wrong answer costs its margin instead of overflowing to Infinity", () => {
    const out = softmaxCrossEntropy(tensor([[0, 5000]], undefined, "float32"), [0]);
    expect(out.item()).toBe(5000);
  });

  it.each(combos.map((c) => [comboName(c), c] as const))("adding a constant to a row changes nothing: %s", (_, c) => {
    const { target } = targetOf(c.kind);
    const z = logits64();
    const shifted = z.clone();
    for (let k = 0; k < C; k++) shifted.data[2 * C + k]! += 1000; // row 2
    for (let k = 0; k < C; k++) shifted.data[4 * C + k]! -= 37.5; // row 4
    const run = (t: Tensor): { value: Tensor; grad: Tensor } => {
      const v = variable(t, { requiresGrad: true });
      const out = softmaxCrossEntropy(v, target, optionsOf(c));
      out.backward(c.reduction === "none" ? tensor([1, 2, 3, 4, 5], undefined, "float64") : undefined);
      return { value: out.value, grad: v.grad! };
    };
    const a = run(z);
    const b = run(shifted);
    expectClose(b.value.data, a.value.data, 1e-12, "loss");
    expectClose(b.grad.data, a.grad.data, 1e-12, "gradient");
  });
});

describe("softmaxCrossEntropy: PyTorch's semantics", () => {
  it("label smoothing with class weights: (1−ε)·w_y·nll + (ε/C)·Σ_c w_c·(−log p_c), 'mean' over Σ w_y", () => {
    const z = tensor(
      [
        [1, 2, 0.5],
        [0, -1, 3],
      ],
      undefined,
      "float64",
    );
    const w = tensor([1, 2, 4], undefined, "float64");
    const eps = 0.3;
    const logp = (i: number, c: number): number => {
      const row = [0, 1, 2].map((k) => z.data[i * 3 + k]!);
      return row[c]! - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    };
    const y = [1, 2];
    const perRow = y.map(
      (yi, i) =>
        -(1 - eps) * w.data[yi]! * logp(i, yi) - (eps / 3) * [0, 1, 2].reduce((s, c) => s + w.data[c]! * logp(i, c), 0),
    );
    const none = softmaxCrossEntropy(z, y, { weight: w, labelSmoothing: eps, reduction: "none" });
    expectClose(none.value.data, perRow, 1e-14, "none");
    const mean = softmaxCrossEntropy(z, y, { weight: w, labelSmoothing: eps });
    expect(mean.item()).toBeCloseTo((perRow[0]! + perRow[1]!) / (w.data[1]! + w.data[2]!), 14);
  });

  it("probability targets: 'mean' divides by B, not by the weights", () => {
    const z = logits64();
    const q = probs();
    const sumLoss = softmaxCrossEntropy(z, q, { weight, reduction: "sum" }).item();
    expect(softmaxCrossEntropy(z, q, { weight }).item()).toBeCloseTo(sumLoss / B, 14);
  });

  it("ignored rows give 0 under 'none' and leave the mean's denominator", () => {
    const z = logits64();
    const none = softmaxCrossEntropy(z, withIgnored, { reduction: "none" }).value.data;
    expect(none[1]).toBe(0);
    expect(none[3]).toBe(0);
    const kept = softmaxCrossEntropy(z, withIgnored, { reduction: "sum" }).item();
    expect(softmaxCrossEntropy(z, withIgnored).item()).toBeCloseTo(kept / 3, 14);
  });

  it("every row ignored: 'mean' is 0/0 = NaN (as in PyTorch), 'sum' is 0, and the gradient is 0", () => {
    const z = variable(logits64(), { requiresGrad: true });
    const out = softmaxCrossEntropy(z, [-100, -100, -100, -100, -100], { labelSmoothing: 0.2, weight });
    expect(out.item()).toBeNaN();
    out.backward();
    expect(Array.from(z.grad!.data)).toEqual(new Array(B * C).fill(0));
    expect(softmaxCrossEntropy(z, [-100, -100, -100, -100, -100], { reduction: "sum" }).item()).toBe(0);
  });

  it("an empty batch: 'mean' is NaN, 'sum' is 0, 'none' is []", () => {
    const empty = tensor([], [0, 3], "float64");
    expect(softmaxCrossEntropy(empty, []).item()).toBeNaN();
    expect(softmaxCrossEntropy(empty, tensor([], [0, 3], "float64")).item()).toBeNaN();
    expect(softmaxCrossEntropy(empty, [], { reduction: "sum" }).item()).toBe(0);
    expect(softmaxCrossEntropy(empty, [], { reduction: "none" }).shape).toEqual([0]);
  });

  interface CrossEntropyCase {
    name: string;
    dtype: "float32" | "float64";
    shape: [number, number];
    logits: Nested;
    targetKind: "classes" | "probabilities";
    target: Nested;
    options: { reduction: "mean" | "sum" | "none"; labelSmoothing: number; weight: Nested | null; ignoreIndex: number };
    loss: Nested;
    gradOutput: Nested;
    grad: Nested;
  }
  const reference = loadReference<CrossEntropyCase>("cross-entropy.json");

  it("the reference was written by PyTorch 1.13", () => {
    expect(reference.torch).toMatch(/^1\.13/);
    expect(reference.cases.length).toBeGreaterThan(100);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))("agrees with PyTorch: %s", (_, c) => {
    const { dtype, shape } = c;
    const z = variable(toTensor(c.logits, shape, dtype), { requiresGrad: true });
    const target = c.targetKind === "classes" ? flat(c.target) : toTensor(c.target, shape, dtype);
    const { reduction, labelSmoothing, ignoreIndex } = c.options;
    const options: SoftmaxCrossEntropyOptions = { reduction, labelSmoothing, ignoreIndex };
    if (c.options.weight !== null) options.weight = toTensor(c.options.weight, [shape[1]], dtype);
    const out = softmaxCrossEntropy(z, target, options);
    const tol = dtype === "float64" ? 1e-6 : 1e-5;
    expectClose(out.value.data, flat(c.loss), tol, "loss");
    out.backward(reduction === "none" ? toTensor(c.gradOutput, [shape[0]], dtype) : undefined);
    expectClose(z.grad!.data, flat(c.grad), tol, "gradient");
  });
});

describe("softmaxCrossEntropy: errors", () => {
  const z = logits64();
  const cases: Array<[string, () => unknown, string]> = [
    [
      "1-D logits",
      () => softmaxCrossEntropy(tensor([1, 2, 3]), [0]),
      "softmaxCrossEntropy: logits have shape [3]; expected 2-D [batch, classes]",
    ],
    [
      "3-D logits",
      () => softmaxCrossEntropy(tensor([[[1]]]), [0]),
      "softmaxCrossEntropy: logits have shape [1,1,1]; expected 2-D [batch, classes]",
    ],
    [
      "no classes",
      () => softmaxCrossEntropy(tensor([], [2, 0]), [0, 0]),
      "softmaxCrossEntropy: logits have shape [2,0]: no classes",
    ],
    [
      "int32 logits",
      () => softmaxCrossEntropy(tensor([[1, 2]], undefined, "int32"), [0]),
      "softmaxCrossEntropy: logits must be float32 or float64, got int32",
    ],
    [
      "logits not a tensor",
      () => softmaxCrossEntropy([[1, 2]] as unknown as Tensor, [0]),
      "softmaxCrossEntropy: logits must be a Variable or Tensor, got an array of length 1",
    ],
    [
      "too few labels",
      () => softmaxCrossEntropy(z, [0, 1, 2]),
      "softmaxCrossEntropy: target has 3 labels but logits have 5 rows",
    ],
    [
      "too many labels",
      () => softmaxCrossEntropy(z, new Int32Array(6)),
      "softmaxCrossEntropy: target has 6 labels but logits have 5 rows",
    ],
    [
      "label ≥ C",
      () => softmaxCrossEntropy(logits64(1, 5, 10), [0, 1, 2, 10, 4]),
      "softmaxCrossEntropy: label 10 at row 3 is outside [0, 10)",
    ],
    [
      "negative label",
      () => softmaxCrossEntropy(z, [0, -1, 0, 0, 0]),
      "softmaxCrossEntropy: label -1 at row 1 is outside [0, 4)",
    ],
    [
      "-100 when ignoreIndex is moved",
      () => softmaxCrossEntropy(z, withIgnored, { ignoreIndex: 0 }),
      "softmaxCrossEntropy: label -100 at row 1 is outside [0, 4)",
    ],
    [
      "fractional label",
      () => softmaxCrossEntropy(z, [0, 1, 2.5, 0, 0]),
      "softmaxCrossEntropy: label 2.5 at row 2 is not an integer",
    ],
    [
      "NaN label",
      () => softmaxCrossEntropy(z, [NaN, 1, 2, 0, 0]),
      "softmaxCrossEntropy: label NaN at row 0 is not an integer",
    ],
    [
      "float class indices",
      () => softmaxCrossEntropy(z, tensor(labels)),
      "softmaxCrossEntropy: target is float32 [5]; expected int32 class indices [5] or float probabilities [5,4]",
    ],
    [
      "3-D target",
      () => softmaxCrossEntropy(z, tensor([[[0]]], undefined, "int32")),
      "softmaxCrossEntropy: target is int32 [1,1,1]; expected int32 class indices [5] or float probabilities [5,4]",
    ],
    [
      "target of another type",
      () => softmaxCrossEntropy(z, "cat" as unknown as number[]),
      'softmaxCrossEntropy: target must be a Tensor, Int32Array or number[], got "cat"',
    ],
    [
      "probabilities of another shape",
      () => softmaxCrossEntropy(z, tensor([[0.5, 0.5]], undefined, "float64")),
      "softmaxCrossEntropy: probability target has shape [1,2]; expected the logits' shape [5,4]",
    ],
    [
      "int32 probabilities",
      () => softmaxCrossEntropy(z, tensor([[0, 1, 0, 0]], undefined, "int32")),
      "softmaxCrossEntropy: target is int32 [1,4]; expected int32 class indices [5] or float probabilities [5,4]",
    ],
    [
      "labels as a column",
      () => softmaxCrossEntropy(z, tensor([[0], [1], [2], [3], [0]], undefined, "int32")),
      "softmaxCrossEntropy: target is int32 [5,1]; expected int32 class indices [5] or float probabilities [5,4]",
    ],
    [
      "ignoreIndex with probabilities",
      () => softmaxCrossEntropy(z, probs(), { ignoreIndex: 0 }),
      "softmaxCrossEntropy: ignoreIndex 0 applies to class-index targets only, not to probabilities",
    ],
    [
      "fractional ignoreIndex",
      () => softmaxCrossEntropy(z, labels, { ignoreIndex: 0.5 }),
      "softmaxCrossEntropy: ignoreIndex must be an integer, got 0.5",
    ],
    [
      "weight of the wrong length",
      () => softmaxCrossEntropy(z, labels, { weight: tensor([1, 2, 3]) }),
      "softmaxCrossEntropy: weight has shape [3]; expected [4], one per class",
    ],
    [
      "2-D weight",
      () => softmaxCrossEntropy(z, labels, { weight: tensor([[1, 2, 3, 4]]) }),
      "softmaxCrossEntropy: weight has shape [1,4]; expected [4], one per class",
    ],
    [
      "weight not a tensor",
      () => softmaxCrossEntropy(z, labels, { weight: [1, 2, 3, 4] as unknown as Tensor }),
      "softmaxCrossEntropy: weight must be a Tensor of shape [4], got an array of length 4",
    ],
    [
      "labelSmoothing > 1",
      () => softmaxCrossEntropy(z, labels, { labelSmoothing: 1.5 }),
      "softmaxCrossEntropy: labelSmoothing must be in [0, 1], got 1.5",
    ],
    [
      "labelSmoothing < 0",
      () => softmaxCrossEntropy(z, labels, { labelSmoothing: -0.1 }),
      "softmaxCrossEntropy: labelSmoothing must be in [0, 1], got -0.1",
    ],
    [
      "labelSmoothing NaN",
      () => softmaxCrossEntropy(z, labels, { labelSmoothing: NaN }),
      "softmaxCrossEntropy: labelSmoothing must be in [0, 1], got NaN",
    ],
    [
      "unknown reduction",
      () => softmaxCrossEntropy(z, labels, { reduction: "avg" as "mean" }),
      "softmaxCrossEntropy: unknown reduction 'avg'; expected 'mean', 'sum' or 'none'",
    ],
  ];
  it.each(cases)("%s", (_, fn, message) => {
    expect(fn).toThrow(new Error(message));
  });
});
