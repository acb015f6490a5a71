import { readFileSync } from "node:fs";
import { Variable } from "@nabla/autograd";
import { type DType, Tensor, tensor, zeros } from "@nabla/tensor";
import { expectClose } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { clipGradNorm, clipGradValue } from "../src/index.js";

/** PyTorch 1.13's values, written by reference/clip.py. */
interface Reference {
  torch: string;
  shapes: number[][];
  grads: Record<"float64" | "float32", (number[] | null)[]>;
  norm: ({ normType: number | "Infinity"; maxNorm: number } & Record<
    "float64" | "float32",
    { total: number; grads: (number[] | null)[] }
  >)[];
  value: { clipValue: number; grads: (number[] | null)[] }[];
}
const reference = JSON.parse(readFileSync(new URL("../reference/clip.json", import.meta.url), "utf8")) as Reference;

/** The reference's three parameters with their starting gradients (the third has none). */
function parameters(dtype: "float64" | "float32"): Variable[] {
  return reference.shapes.map((shape, i) => {
    const p = new Variable(zeros(shape, dtype), { requiresGrad: true });
    const g = reference.grads[dtype][i];
    if (g !== null && g !== undefined)
      p.grad = new Tensor(dtype === "float64" ? Float64Array.from(g) : Float32Array.from(g), shape);
    return p;
  });
}

const gradsOf = (params: readonly Variable[]): (number[] | null)[] =>
  params.map((p) => (p.grad === null ? null : Array.from(p.grad.data)));

/** The same parameters have gradients, and those gradients agree within tolerance·(1 + |expected|). */
function expectGradsClose(actual: (number[] | null)[], expected: (number[] | null)[], tolerance: number): void {
  expect(actual.map((g) => g === null)).toEqual(expected.map((g) => g === null));
  actual.forEach((g, i) => {
    if (g !== null) expectClose(g, expected[i]!, tolerance, `gradient ${i}`);
  });
}

describe("clipGradNorm against PyTorch 1.13", () => {
  for (const c of reference.norm) {
    const normType = c.normType === "Infinity" ? Infinity : c.normType;
    for (const [dtype, tolerance] of [
      ["float64", 1e-14],
      ["float32", 1e-6],
    ] as const) {
      it(`normType ${normType}, maxNorm ${c.maxNorm}, ${dtype}: the total norm before clipping and the clipped gradients`, () => {
        const params = parameters(dtype);
        const total = clipGradNorm(params, c.maxNorm, { normType });
        expect(Math.abs(total - c[dtype].total)).toBeLessThanOrEqual(tolerance * c[dtype].total);
        expectGradsClose(gradsOf(params), c[dtype].grads, tolerance);
      });
    }
  }

  it("leaves gradients untouched, bit for bit, when the norm is already within maxNorm", () => {
    const params = parameters("float32");
    const before = gradsOf(params);
    expect(clipGradNorm(params, 100)).toBeLessThan(100);
    expect(gradsOf(params)).toEqual(before);
  });

  it("returns 0 when no parameter has a gradient, and accepts a single Variable", () => {
    expect(clipGradNorm([new Variable(zeros([3]), { requiresGrad: true })], 1)).toBe(0);
    const p = new Variable(zeros([2], "float64"), { requiresGrad: true });
    p.grad = tensor([3, 4], undefined, "float64");
    expect(clipGradNorm(p, 1)).toBe(5);
    expect(Array.from(p.grad.data)).toEqual([3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
  });
});

describe("clipGradValue against PyTorch 1.13", () => {
  for (const c of reference.value) {
    it(`clipValue ${c.clipValue}`, () => {
      const params = parameters("float64");
      clipGradValue(params, c.clipValue);
      expect(gradsOf(params)).toEqual(c.grads);
    });
  }
});

describe("clipping with non-finite gradients", () => {
  const withGrad = (values: number[], dtype: DType = "float64"): Variable => {
    const p = new Variable(zeros([values.length], dtype), { requiresGrad: true });
    p.grad = tensor(values, undefined, dtype);
    return p;
  };

  it("gives a NaN or infinite total as PyTorch does, and throws on it with errorIfNonfinite", () => {
    expect(clipGradNorm([withGrad([1, NaN])], 1)).toBeNaN();
    expect(clipGradNorm([withGrad([NaN, 1])], 1, { normType: Infinity })).toBeNaN();
    expect(clipGradNorm([withGrad([1, Infinity])], 1)).toBe(Infinity);
    expect(() => clipGradNorm([withGrad([1, NaN])], 1, { errorIfNonfinite: true })).toThrow(
      "clipGradNorm: the total 2-norm of the gradients is NaN, so they cannot be clipped; look for a NaN or infinite loss (or pass errorIfNonfinite: false to scale by it anyway)",
    );
  });

  it("clipGradValue clamps infinities and leaves NaN as it is, as torch.clamp does", () => {
    const p = withGrad([Infinity, -Infinity, NaN, 0.25]);
    clipGradValue([p], 1);
    expect(Array.from(p.grad!.data)).toEqual([1, -1, NaN, 0.25]);
  });
});

describe("clipping errors", () => {
  const p = new Variable(zeros([2]), { requiresGrad: true });
  it("name the function, what it got and what it expected", () => {
    expect(() => clipGradNorm([p], -1)).toThrow("clipGradNorm: maxNorm must be a non-negative number, got -1");
    expect(() => clipGradNorm([p], NaN)).toThrow("clipGradNorm: maxNorm must be a non-negative number, got NaN");
    expect(() => clipGradNorm([p], "1" as unknown as number)).toThrow(
      'clipGradNorm: maxNorm must be a non-negative number, got "1"',
    );
    expect(() => clipGradNorm([p], 1, { normType: 0 })).toThrow(
      "clipGradNorm: normType must be a positive number or Infinity, got 0",
    );
    expect(() => clipGradNorm([p], 1, { norm_type: 2 } as never)).toThrow(
      "clipGradNorm: unknown option 'norm_type' (did you mean 'normType'?)",
    );
    expect(() => clipGradNorm([p], 1, { errorIfNonfinite: 1 as unknown as boolean })).toThrow(
      "clipGradNorm: errorIfNonfinite must be true or false, got 1",
    );
    expect(() => clipGradNorm([p, zeros([2]) as unknown as Variable], 1)).toThrow(
      "clipGradNorm: parameter 1 is not a Variable (got a float32 Tensor of shape [2])",
    );
    expect(() => clipGradNorm(3 as unknown as Variable[], 1)).toThrow(
      "clipGradNorm: parameters must be an iterable of Variables such as model.parameters(), got 3",
    );
    expect(() => clipGradValue([p], -0.5)).toThrow("clipGradValue: clipValue must be a non-negative number, got -0.5");
  });
});
