import { Generator, maxAbsDiff, Tensor, tensor, zeros } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  avgPool2d,
  batchNorm,
  conv2d,
  conv2dOutputShape,
  gradcheck,
  maxPool2d,
  mul,
  type Pair,
  pool2dOutputShape,
  sum,
  Variable,
  variable,
} from "../src/index.js";

const pairOf = (p: Pair | undefined, fallback: number): [number, number] =>
  p === undefined ? [fallback, fallback] : typeof p === "number" ? [p, p] : [p[0], p[1]];

/** The definition, loop by loop: out[n,o,y,x] = b[o] + Σ_c,i,j w[o,c,i,j]·x[n,c,y·s−p+i·d, x·s−p+j·d]. */
function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | null, stride?: Pair, padding?: Pair, dilation?: Pair): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kH, kW] = w.shape as [number, number, number, number];
  const [sH, sW] = pairOf(stride, 1);
  const [pH, pW] = pairOf(padding, 0);
  const [dH, dW] = pairOf(dilation, 1);
  const oH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  const out = zeros([N, O, oH, oW], "float64");
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let y = 0; y < oH; y++)
        for (let z = 0; z < oW; z++) {
          let s = b === null ? 0 : b.data[o]!;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < kH; i++)
              for (let j = 0; j < kW; j++) {
                const ih = y * sH - pH + i * dH;
                const iw = z * sW - pW + j * dW;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += w.data[((o * C + c) * kH + i) * kW + j]! * x.data[((n * C + c) * H + ih) * W + iw]!;
              }
          out.data[((n * O + o) * oH + y) * oW + z] = s;
        }
  return out;
}

/** Max over each window, padding = −∞. */
function naiveMaxPool2d(x: Tensor, k: Pair, stride?: Pair, padding?: Pair): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kH, kW] = pairOf(k, 1);
  const [sH, sW] = pairOf(stride ?? k, 1);
  const [pH, pW] = pairOf(padding, 0);
  const oH = Math.floor((H + 2 * pH - kH) / sH) + 1;
  const oW = Math.floor((W + 2 * pW - kW) / sW) + 1;
  const out = zeros([N, C, oH, oW], "float64");
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < oH; y++)
      for (let z = 0; z < oW; z++) {
        let m = -Infinity;
        for (let i = 0; i < kH; i++)
          for (let j = 0; j < kW; j++) {
            const ih = y * sH - pH + i;
            const iw = z * sW - pW + j;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) m = Math.max(m, x.data[(p * H + ih) * W + iw]!);
          }
        out.data[(p * oH + y) * oW + z] = m;
      }
  return out;
}

/** Distinct values 0.05 apart in random order: no two elements of a window are within a finite-difference step. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = new Generator(seed).permutation(n);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (perm[i]! - n / 2) * 0.05;
  return new Tensor(data, shape);
}

const convCases: { stride?: Pair; padding?: Pair; dilation?: Pair }[] = [
  {},
  { stride: 2 },
  { padding: 1 },
  { stride: 2, padding: 1 },
  { dilation: 2 },
  { stride: [2, 1], padding: [1, 2], dilation: [1, 2] },
  { stride: [1, 3], padding: [2, 0] },
  { stride: 2, padding: [0, 1], dilation: [2, 1] },
];

describe("conv2d", () => {
  for (const opts of convCases) {
    const label = JSON.stringify(opts);
    it(`matches the naive loops ${label}`, () => {
      const x = normal([2, 3, 5, 7], 1);
      const w = normal([4, 3, 3, 2], 2);
      const b = normal([4], 3);
      const got = conv2d(x, w, b, opts).value;
      const want = naiveConv2d(x, w, b, opts.stride, opts.padding, opts.dilation);
      expect(got.shape).toEqual(want.shape);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-12);
      expect(conv2dOutputShape(x.shape, w.shape, opts)).toEqual(want.shape);
    });
    it(`gradcheck with and without bias ${label}`, () => {
      gradcheck((x, w, b) => conv2d(x, w, b, opts), [normal([2, 3, 5, 7], 4), normal([4, 3, 3, 2], 5), normal([4], 6)]);
      gradcheck((x, w) => conv2d(x, w, null, opts), [normal([2, 3, 5, 7], 7), normal([4, 3, 3, 2], 8)]);
    });
  }

  it("float32 forward matches the naive loops on deepnet's layer (1→32, 3×3, padding 1)", () => {
    const x = normal([3, 1, 28, 28], 9, { dtype: "float32" });
    const w = normal([32, 1, 3, 3], 10, { dtype: "float32" });
    const b = normal([32], 11, { dtype: "float32" });
    const got = conv2d(x, w, b, { padding: 1 });
    expect(got.dtype).toBe("float32");
    expect(maxAbsDiff(got.value, naiveConv2d(x, w, b, 1, 1, 1))).toBeLessThan(1e-5);
  });

  it("a 1×1 kernel on one channel and a kernel as large as the padded input", () => {
    gradcheck((x, w, b) => conv2d(x, w, b), [normal([1, 1, 3, 3], 1), normal([2, 1, 1, 1], 2), normal([2], 3)]);
    gradcheck((x, w) => conv2d(x, w, null, { padding: 1 }), [normal([2, 2, 3, 4], 4), normal([3, 2, 5, 6], 5)]);
  });

  it("skips dx when the input needs no gradient (a first layer) and still gives dW and db", () => {
    const x = normal([2, 2, 5, 5], 1);
    const w = variable(normal([3, 2, 3, 3], 2), { requiresGrad: true });
    const b = variable(normal([3], 3), { requiresGrad: true });
    const xv = new Variable(x);
    const out = conv2d(xv, w, b, { padding: 1 });
    expect(out.node!.op).toBe("conv2d");
    sum(mul(out, out)).backward();
    expect(xv.grad).toBeNull();
    const w2 = variable(w.value, { requiresGrad: true });
    const x2 = variable(x, { requiresGrad: true });
    sum(mul(conv2d(x2, w2, b.value, { padding: 1 }), conv2d(x2, w2, b.value, { padding: 1 }))).backward();
    expect(maxAbsDiff(w.grad!, w2.grad!)).toBeLessThan(1e-9);
  });

  it("reuses its scratch buffer safely across interleaved graphs", () => {
    // Two convolutions of different sizes built before either backward: each must rebuild its own im2col.
    const a = variable(normal([1, 1, 6, 6], 1), { requiresGrad: true });
    const b = variable(normal([2, 3, 9, 4], 2), { requiresGrad: true });
    const wa = normal([2, 1, 3, 3], 3);
    const wb = normal([2, 3, 2, 2], 4);
    const ya = conv2d(a, wa);
    const yb = conv2d(b, wb);
    gradcheck((x) => conv2d(x, wa), [a.value]);
    sum(ya).backward();
    sum(yb).backward();
    const a2 = variable(a.value, { requiresGrad: true });
    sum(conv2d(a2, wa)).backward();
    expect(maxAbsDiff(a.grad!, a2.grad!)).toBe(0);
  });

  it("explains what is wrong with its arguments", () => {
    const x = zeros([8, 3, 28, 28]);
    expect(() => conv2d(x, zeros([32, 1, 3, 3]))).toThrow(
      "conv2d: input has 3 channels, expected 1 (input shape [8,3,28,28])",
    );
    expect(() => conv2d(zeros([3, 28, 28]), zeros([32, 3, 3, 3]))).toThrow(
      "conv2d: input must be 4-D [N,C,H,W], got shape [3,28,28]; add a batch axis",
    );
    expect(() => conv2d(x, zeros([32, 3, 3]))).toThrow("conv2d: weight must be 4-D [out,in,kH,kW]");
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 5, 5]))).toThrow(
      "conv2d: kernel 5×5 is larger than the padded input 4×4 (input 4×4, padding 0×0",
    );
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { dilation: 2 })).toThrow(
      "conv2d: kernel 3×3 (dilation 2×2: spans 5×5) is larger than the padded input 4×4",
    );
    expect(() => conv2d(x, zeros([4, 3, 3, 3]), null, { stride: 0 })).toThrow(
      "conv2d: stride must be a positive integer or a pair [height, width] of them, got 0",
    );
    expect(() => conv2d(x, zeros([4, 3, 3, 3]), null, { padding: -1 })).toThrow(
      "conv2d: padding must be a non-negative integer",
    );
    expect(() => conv2d(x, zeros([4, 3, 3, 3]), null, { dilation: 1.5 })).toThrow(
      "conv2d: dilation must be a positive integer",
    );
    expect(() => conv2d(x, zeros([4, 3, 3, 3]), null, { stride: [1, 2, 3] as unknown as Pair })).toThrow(
      "conv2d: stride must be",
    );
    expect(() => conv2d(x, zeros([4, 3, 3, 3]), zeros([3]))).toThrow(
      "conv2d: bias must have shape [4] for weight [4,3,3,3], got [3]",
    );
  });
});

const poolCases: { k: Pair; stride?: Pair; padding?: Pair }[] = [
  { k: 2 },
  { k: 2, stride: 1 },
  { k: 2, stride: [1, 2], padding: 1 },
  { k: 3, stride: 2, padding: 1 },
  { k: [3, 2], stride: [1, 2], padding: [1, 1] },
  { k: [2, 3], stride: [2, 1] },
];

describe("maxPool2d", () => {
  for (const { k, stride, padding } of poolCases) {
    const label = JSON.stringify({ k, stride, padding });
    it(`matches the naive loops and passes gradcheck ${label}`, () => {
      const x = normal([2, 3, 5, 7], 1);
      const got = maxPool2d(x, k, { stride, padding }).value;
      const want = naiveMaxPool2d(x, k, stride, padding);
      expect(got.shape).toEqual(want.shape);
      expect(maxAbsDiff(got, want)).toBe(0);
      expect(pool2dOutputShape(x.shape, k, { stride, padding })).toEqual(want.shape);
      gradcheck((v) => maxPool2d(v, k, { stride, padding }), [distinct([2, 3, 5, 7], 2)]);
    });
  }

  it("sends the gradient of a tie to the first maximal element of the window, as PyTorch", () => {
    const x = variable(
      tensor([
        [
          [
            [1, 1, 0],
            [1, 1, 2],
            [3, 2, 3],
          ],
        ],
      ]),
      { requiresGrad: true },
    );
    const y = maxPool2d(x, 2, { stride: 1 });
    expect(y.toArray()).toEqual([
      [
        [
          [1, 2],
          [3, 3],
        ],
      ],
    ]);
    sum(y).backward();
    // Window (0,0): four 1s → [0,0]. (0,1): 2 at [1,2]. (1,0): 3 at [2,0]. (1,1): 2,3 → 3 at [2,2].
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [1, 0, 0],
          [0, 0, 1],
          [1, 0, 1],
        ],
      ],
    ]);
  });

  it("windows above 16×16 (offsets no longer fit a byte) pool and route gradients correctly", () => {
    const x = normal([1, 2, 19, 18], 1);
    const xv = variable(x, { requiresGrad: true });
    const y = maxPool2d(xv, [17, 16], { stride: [2, 1], padding: [1, 0] });
    expect(maxAbsDiff(y.value, naiveMaxPool2d(x, [17, 16], [2, 1], [1, 0]))).toBe(0);
    sum(y).backward();
    // Each output's gradient of 1 lands on the element holding its maximum.
    const grad = x.data.map(() => 0);
    for (const m of y.value.data) grad[x.data.indexOf(m)]! += 1;
    expect(Array.from(xv.grad!.data)).toEqual(Array.from(grad));
  });

  it("pads with −∞, so an all-negative input never pools to a padded zero", () => {
    const x = tensor([
      [
        [
          [-5, -4],
          [-3, -2],
        ],
      ],
    ]);
    expect(maxPool2d(x, 2, { stride: 1, padding: 1 }).toArray()).toEqual([
      [
        [
          [-5, -4, -4],
          [-3, -2, -2],
          [-3, -2, -2],
        ],
      ],
    ]);
  });

  it("propagates NaN, the first one winning (2×2 windows and others)", () => {
    for (const k of [2, 3]) {
      for (let at = 0; at < k * k; at++) {
        const data = Array.from({ length: k * k }, (_, i) => (i === at ? Number.NaN : i));
        const x = variable(tensor(data, [1, 1, k, k], "float64"), { requiresGrad: true });
        const y = maxPool2d(x, k);
        expect(Number.isNaN(y.item())).toBe(true);
        y.backward();
        expect(Array.from(x.grad!.data).indexOf(1)).toBe(at);
      }
    }
  });

  it("explains what is wrong with its arguments", () => {
    expect(() => maxPool2d(zeros([2, 3, 4]), 2)).toThrow("maxPool2d: input must be 4-D [N,C,H,W], got shape [2,3,4]");
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 5)).toThrow(
      "maxPool2d: kernel 5×5 is larger than the padded input 4×4",
    );
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      "maxPool2d: padding 2×2 must be at most half the kernel 2×2",
    );
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 0)).toThrow("maxPool2d: kernelSize must be a positive integer");
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 2, { stride: -1 })).toThrow(
      "maxPool2d: stride must be a positive integer",
    );
  });
});

describe("avgPool2d", () => {
  for (const { k, stride, padding } of poolCases) {
    for (const countIncludePad of [true, false]) {
      it(`gradcheck ${JSON.stringify({ k, stride, padding, countIncludePad })}`, () => {
        gradcheck((v) => avgPool2d(v, k, { stride, padding, countIncludePad }), [normal([2, 3, 5, 7], 3)]);
      });
    }
  }

  it("divides by the window size with countIncludePad and by the real elements without", () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    expect(avgPool2d(x, 2).item()).toBe(2.5);
    // Padding 1, stride 2 → four windows, each covering one real element.
    expect(avgPool2d(x, 2, { padding: 1 }).toArray()).toEqual([
      [
        [
          [0.25, 0.5],
          [0.75, 1],
        ],
      ],
    ]);
    expect(avgPool2d(x, 2, { padding: 1, countIncludePad: false }).toArray()).toEqual([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
  });
});

describe("batchNorm", () => {
  const C = 3;
  for (const shape of [
    [6, C],
    [4, C, 5],
    [3, C, 4, 5],
  ]) {
    it(`gradcheck in training and in evaluation on ${JSON.stringify(shape)}`, () => {
      const x = normal(shape, 1);
      const w = normal([C], 2);
      const b = normal([C], 3);
      const rm = normal([C], 4);
      const rv = tensor([0.5, 1.5, 2], [C], "float64");
      gradcheck((x, w, b) => batchNorm(x, rm.clone(), rv.clone(), w, b, { training: true }), [x, w, b]);
      gradcheck((x, w, b) => batchNorm(x, rm, rv, w, b, { training: false }), [x, w, b]);
      gradcheck((x) => batchNorm(x, null, null, null, null, { training: true }), [x]);
      // The fused ReLU (what Sequential runs for BatchNorm then ReLU), in float64.
      gradcheck((x, w, b) => batchNorm(x, rm.clone(), rv.clone(), w, b, { training: true, relu: true }), [x, w, b]);
      gradcheck((x, w, b) => batchNorm(x, rm, rv, w, b, { training: false, relu: true }), [x, w, b]);
    });
  }

  it("normalises with the batch's biased variance and updates the running statistics with the unbiased one", () => {
    // Channel 0 sees 1, 3, 5, 7 (mean 4, biased variance 5, unbiased 20/3); channel 1 sees 0, 0, 2, 2.
    const x = tensor([
      [
        [1, 3],
        [0, 0],
      ],
      [
        [5, 7],
        [2, 2],
      ],
    ]);
    const rm = zeros([2]);
    const rv = tensor([1, 1]);
    const y = batchNorm(x, rm, rv, null, null, { training: true, eps: 0 });
    const s = Math.sqrt(5);
    const want = [
      [
        [-3 / s, -1 / s],
        [-1, -1],
      ],
      [
        [1 / s, 3 / s],
        [1, 1],
      ],
    ];
    expect(maxAbsDiff(y.value, tensor(want))).toBeLessThan(1e-6);
    expect(maxAbsDiff(rm, tensor([0.4, 0.1]))).toBeLessThan(1e-7);
    expect(maxAbsDiff(rv, tensor([0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (4 / 3)]))).toBeLessThan(1e-6);
    // Evaluation uses (and keeps) the running statistics.
    const e = batchNorm(x, rm, rv, tensor([2, 1]), tensor([0, 1]), { training: false, eps: 0 });
    expect(e.value.data[0]).toBeCloseTo(((1 - 0.4) / Math.sqrt(0.9 + 2 / 3)) * 2, 5);
    expect(maxAbsDiff(rm, tensor([0.4, 0.1]))).toBeLessThan(1e-7);
  });

  it("is one graph node over x, weight and bias", () => {
    const x = variable(normal([4, 2], 1), { requiresGrad: true });
    const w = variable(tensor([1, 2], [2], "float64"), { requiresGrad: true });
    const y = batchNorm(x, null, null, w, null, { training: true });
    expect(y.node!.op).toBe("batchNorm");
    expect(y.node!.inputs).toEqual([x, w]);
  });

  it("explains what is wrong with its arguments", () => {
    expect(() => batchNorm(zeros([4]), null, null)).toThrow(
      "batchNorm: input must be [N,C,...] with at least 2 axes, got shape [4]",
    );
    expect(() => batchNorm(zeros([4, 3]), zeros([2]), zeros([2]))).toThrow(
      "batchNorm: runningMean must have shape [3] for input [4,3] (channels on axis 1), got [2]",
    );
    expect(() => batchNorm(zeros([1, 3]), zeros([3]), zeros([3]), null, null, { training: true })).toThrow(
      "batchNorm: batch statistics need more than one value per channel, got input shape [1,3] (training with a batch of one?)",
    );
    expect(() => batchNorm(zeros([4, 3]), zeros([3]), null)).toThrow(
      "batchNorm: pass both runningMean and runningVar, or neither",
    );
    expect(() => batchNorm(zeros([4, 3]), null, null, null, null, { momentum: 2 })).toThrow(
      "batchNorm: momentum must be in [0, 1]",
    );
  });
});
