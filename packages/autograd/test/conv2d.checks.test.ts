import { cast, full, maxAbsDiff, pad, sum as sumTensor, zeros } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  type Conv2dOptions,
  conv2d,
  conv2dOutputShape,
  gradcheck,
  type Pair,
  sum,
  Variable,
  variable,
} from "../src/index.js";

// Gaps found by mutation testing (docs/mutation.md): conv2d keeps one im2col buffer per dtype for
// every call, so a padded convolution must zero its padding rows and columns itself, whatever an
// earlier convolution left there; and each argument check must hold on its own.

const pairOf = (p: Pair): [number, number] => (typeof p === "number" ? [p, p] : [p[0], p[1]]);

/** Fills conv2d's shared scratch buffer with large non-zero values (an unpadded conv of the same or a larger size). */
function dirtyScratch(dtype: "float32" | "float64", size: number): void {
  conv2d(full([1, 1, size, size], 1e3, dtype), full([1, 1, 1, 1], 1, dtype));
}

/** conv2d with padding, checked against the same conv on an explicitly zero-padded input with no padding. */
function checkPadded(
  xShape: number[],
  wShape: number[],
  options: Conv2dOptions & { padding: Pair },
  dtype: "float32" | "float64",
): void {
  const [pH, pW] = pairOf(options.padding);
  const x = normal(xShape, 1, { dtype });
  const w = normal(wShape, 2, { dtype });
  const padded = pad(x, [
    [0, 0],
    [0, 0],
    [pH, pH],
    [pW, pW],
  ]);
  dirtyScratch(dtype, 64);
  const xv = variable(x, { requiresGrad: true });
  const wv = variable(w, { requiresGrad: true });
  const got = conv2d(xv, wv, null, options);
  sum(got).backward();
  const wantW = variable(w, { requiresGrad: true });
  const want = conv2d(padded, wantW, null, { ...options, padding: 0 });
  sum(want).backward();
  const tolerance = dtype === "float32" ? 1e-4 : 1e-12;
  expect(got.shape).toEqual(want.shape);
  expect(maxAbsDiff(got.value, want.value)).toBeLessThan(tolerance);
  // dW is built from the im2col of the same buffer, so it sees stale padding too.
  expect(maxAbsDiff(wv.grad!, wantW.grad!)).toBeLessThan(tolerance);
}

describe("conv2d's reused scratch buffer", () => {
  const cases: [string, number[], number[], Conv2dOptions & { padding: Pair }][] = [
    ["padding on all four sides", [2, 2, 5, 6], [3, 2, 3, 3], { padding: 1 }],
    [
      "more padding below than one kernel row reaches (bottom rows all padding)",
      [1, 1, 4, 4],
      [2, 1, 2, 2],
      { padding: 2 },
    ],
    ["padding with a stride", [2, 1, 7, 5], [2, 1, 3, 2], { padding: [2, 1], stride: [2, 1] }],
    ["padding with a dilation", [1, 2, 6, 6], [2, 2, 2, 3], { padding: [1, 2], dilation: [2, 1] }],
    ["padding wider than the input", [1, 1, 2, 2], [1, 1, 3, 3], { padding: 3 }],
  ];
  for (const [label, xShape, wShape, options] of cases) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${label} (${dtype}): a padded conv after another conv reads zeros, not the previous conv's values`, () => {
        checkPadded(xShape, wShape, options, dtype);
      });
    }
  }

  it("with a bias, the row of ones is rebuilt each call", () => {
    const x = normal([1, 1, 3, 3], 3);
    const w = normal([2, 1, 2, 2], 4);
    const b = normal([2], 5);
    const first = conv2d(x, w, b, { padding: 1 }).value;
    dirtyScratch("float64", 64);
    expect(maxAbsDiff(conv2d(x, w, b, { padding: 1 }).value, first)).toBe(0);
  });
});

describe("conv2d's argument checks, one at a time", () => {
  const x = zeros([1, 2, 5, 4]);
  const w = zeros([3, 2, 3, 3]);

  it("each entry of a padding, stride or dilation pair is checked", () => {
    expect(() => conv2d(x, w, null, { padding: [1, -1] })).toThrow(
      "conv2d: padding must be a non-negative integer or a pair [height, width] of them, got [1,-1]",
    );
    expect(() => conv2d(x, w, null, { padding: [-1, 1] })).toThrow(
      "conv2d: padding must be a non-negative integer or a pair",
    );
    expect(() => conv2d(x, w, null, { stride: [1, 0] })).toThrow(
      "conv2d: stride must be a positive integer or a pair [height, width] of them, got [1,0]",
    );
    expect(() => conv2d(x, w, null, { dilation: [2, 1.5] })).toThrow(
      "conv2d: dilation must be a positive integer or a pair [height, width] of them, got [2,1.5]",
    );
    expect(() => conv2d(x, w, null, { padding: [1] as unknown as Pair })).toThrow(
      "conv2d: padding must be a non-negative integer or a pair [height, width] of them, got [1]",
    );
    expect(() => conv2d(x, w, null, { padding: "1" as unknown as Pair })).toThrow(
      'conv2d: padding must be a non-negative integer or a pair [height, width] of them, got "1"',
    );
    // Zero padding and unit stride and dilation are allowed, given as pairs too.
    expect(conv2d(x, w, null, { padding: [0, 0], stride: [1, 1], dilation: [1, 1] }).shape).toEqual([1, 3, 3, 2]);
  });

  it("a kernel larger than the padded input in one direction only", () => {
    expect(() => conv2d(zeros([1, 1, 5, 2]), zeros([1, 1, 1, 3]))).toThrow(
      "conv2d: kernel 1×3 is larger than the padded input 5×2 (input 5×2, padding 0×0, input shape [1,1,5,2]); the output would be empty",
    );
    expect(() => conv2d(zeros([1, 1, 2, 5]), zeros([1, 1, 3, 1]))).toThrow(
      "conv2d: kernel 3×1 is larger than the padded input 2×5 (input 2×5, padding 0×0, input shape [1,1,2,5]); the output would be empty",
    );
    expect(() => conv2d(zeros([1, 1, 5, 2]), zeros([1, 1, 1, 3]), null, { dilation: [1, 2] })).toThrow(
      "conv2d: kernel 1×3 (dilation 1×2: spans 1×5) is larger than the padded input 5×2",
    );
    expect(() => conv2d(zeros([1, 1, 2, 5]), zeros([1, 1, 2, 1]), null, { dilation: [2, 1] })).toThrow(
      new Error(
        "conv2d: kernel 2×1 (dilation 2×1: spans 3×1) is larger than the padded input 2×5 (input 2×5, padding 0×0, input shape [1,1,2,5]); the output would be empty",
      ),
    );
    expect(() => conv2d(zeros([1, 1, 1, 2]), zeros([1, 1, 4, 3]), null, { padding: [1, 0] })).toThrow(
      new Error(
        "conv2d: kernel 4×3 is larger than the padded input 3×2 (input 1×2, padding 1×0, input shape [1,1,1,2]); the output would be empty",
      ),
    );
    expect(() => conv2d(zeros([1, 1, 2, 1]), zeros([1, 1, 1, 4]), null, { padding: [0, 1] })).toThrow(
      new Error(
        "conv2d: kernel 1×4 is larger than the padded input 2×3 (input 2×1, padding 0×1, input shape [1,1,2,1]); the output would be empty",
      ),
    );
    expect(() => conv2dOutputShape([1, 1, 2, 2], [1, 1, 3, 3])).toThrow(
      new Error(
        "conv2d: kernel 3×3 is larger than the padded input 2×2 (input 2×2, padding 0×0, input shape [1,1,2,2]); the output would be empty",
      ),
    );
    // Exactly as large as the padded input fits: one output per axis.
    expect(conv2d(zeros([1, 1, 2, 3]), zeros([1, 1, 4, 3]), null, { padding: [1, 0] }).shape).toEqual([1, 1, 1, 1]);
  });

  it("a weight with an empty axis, wherever it is", () => {
    for (const shape of [
      [0, 2, 3, 3],
      [3, 0, 3, 3],
      [3, 2, 0, 3],
      [3, 2, 3, 0],
    ]) {
      expect(() => conv2d(x, zeros(shape))).toThrow(
        `conv2d: weight must be 4-D [out,in,kH,kW] with no empty axis, got shape [${shape.join(",")}]`,
      );
    }
    expect(() => conv2d(x, zeros([3, 2, 3, 3, 1]))).toThrow(
      "conv2d: weight must be 4-D [out,in,kH,kW] with no empty axis, got shape [3,2,3,3,1]",
    );
  });

  it("a bias of the right size but the wrong rank", () => {
    expect(() => conv2d(x, w, zeros([3, 1]))).toThrow(
      "conv2d: bias must have shape [3] for weight [3,2,3,3], got [3,1]",
    );
    expect(() => conv2d(x, w, zeros([]))).toThrow("conv2d: bias must have shape [3] for weight [3,2,3,3], got []");
    expect(conv2d(x, w, zeros([3])).shape).toEqual([1, 3, 3, 2]);
  });

  it("the input's own checks: rank and channels", () => {
    expect(() => conv2d(zeros([2, 5, 4]), w)).toThrow(
      "conv2d: input must be 4-D [N,C,H,W], got shape [2,5,4]; add a batch axis with unsqueeze(x, 0)",
    );
    expect(() => conv2d(zeros([1, 1, 2, 5, 4]), w)).toThrow(
      new Error("conv2d: input must be 4-D [N,C,H,W], got shape [1,1,2,5,4]"),
    );
    expect(() => conv2dOutputShape([1, 2, 5, 4], [3, 2, 3, 3], { padding: [1, -1] }, "Conv2d(2→3, 3×3)")).toThrow(
      "Conv2d(2→3, 3×3): padding must be a non-negative integer or a pair [height, width] of them, got [1,-1]",
    );
  });
});

describe("conv2d's gradients when only some inputs need them", () => {
  const x = normal([2, 2, 5, 4], 6);
  const w = normal([3, 2, 3, 2], 7);
  const b = normal([3], 8);
  const options = { padding: 1, stride: [2, 1] as const };
  /** Gradients with every input requiring one: the reference for the partial cases. */
  const all = (() => {
    const [xv, wv, bv] = [x, w, b].map((t) => variable(t, { requiresGrad: true })) as [Variable, Variable, Variable];
    sum(conv2d(xv, wv, bv, options)).backward();
    return { dx: xv.grad!, dw: wv.grad!, db: bv.grad! };
  })();

  it("only the input (frozen weights, with and without a bias)", () => {
    const xv = variable(x, { requiresGrad: true });
    sum(conv2d(xv, w, b, options)).backward();
    expect(maxAbsDiff(xv.grad!, all.dx)).toBe(0);
    const xNoBias = variable(x, { requiresGrad: true });
    sum(conv2d(xNoBias, w, null, options)).backward();
    expect(maxAbsDiff(xNoBias.grad!, all.dx)).toBe(0);
  });

  it("only the bias: the sum of the upstream gradient over batch and positions", () => {
    const bv = variable(b, { requiresGrad: true });
    const out = conv2d(x, w, bv, options);
    sum(out).backward();
    expect(maxAbsDiff(bv.grad!, all.db)).toBe(0);
    expect(Array.from(bv.grad!.data)).toEqual(Array(3).fill(out.shape[0]! * out.shape[2]! * out.shape[3]!));
  });

  it("only the weight, with a constant bias", () => {
    const wv = variable(w, { requiresGrad: true });
    sum(conv2d(new Variable(x), wv, b, options)).backward();
    expect(maxAbsDiff(wv.grad!, all.dw)).toBe(0);
  });
});

describe("conv2d's element types", () => {
  const x = normal([1, 2, 4, 4], 9, { dtype: "float32" });
  const w = normal([2, 2, 2, 2], 10, { dtype: "float32" });

  it("float64 anywhere makes the whole convolution float64, as the elementwise ops promote", () => {
    const reference = conv2d(
      cast(x, "float64"),
      cast(w, "float64"),
      cast(normal([2], 11, { dtype: "float32" }), "float64"),
    );
    for (const [xi, wi, bi] of [
      [cast(x, "float64"), w, normal([2], 11, { dtype: "float32" })],
      [x, cast(w, "float64"), normal([2], 11, { dtype: "float32" })],
      [x, w, cast(normal([2], 11, { dtype: "float32" }), "float64")],
    ] as const) {
      const out = conv2d(xi, wi, bi);
      expect(out.dtype).toBe("float64");
      expect(maxAbsDiff(out.value, reference.value)).toBe(0);
    }
  });

  it("an int32 input computes in float32", () => {
    const pixels = cast(full([1, 2, 4, 4], 3, "float32"), "int32");
    const out = conv2d(pixels, w);
    expect(out.dtype).toBe("float32");
    expect(maxAbsDiff(out.value, conv2d(full([1, 2, 4, 4], 3, "float32"), w).value)).toBe(0);
    expect(sumTensor(out.value).item()).not.toBe(0);
  });
});

describe("conv2d's input gradient with vertical dilation and padding", () => {
  it("gradcheck (col2im's window ranges use the dilated tap offset)", () => {
    const w = normal([2, 1, 3, 2], 12);
    gradcheck((x) => conv2d(x, w, null, { padding: [2, 1], dilation: [2, 1] }), [normal([1, 1, 6, 4], 13)]);
  });
});

describe("conv2d names itself for options and inputs it cannot use", () => {
  it("an unknown option and a non-Variable input", () => {
    const w = zeros([1, 1, 1, 1]);
    expect(() => conv2d(zeros([1, 1, 2, 2]), w, null, { pad: 1 } as never)).toThrow(
      new Error("conv2d: unknown option 'pad'; expected one of stride, padding, dilation"),
    );
    expect(() => conv2d([1, 2] as never, w)).toThrow(/^conv2d: /);
    expect(() => conv2d(zeros([1, 1, 2, 2]), "w" as never)).toThrow(/^conv2d: /);
    expect(() => conv2d(zeros([1, 1, 2, 2]), w, "b" as never)).toThrow(/^conv2d: /);
  });
});
