import { readFileSync } from "node:fs";
import { gradcheck, logSoftmax, mean, mul, neg, noGrad, sum, Variable } from "@nabla/autograd";
import {
  argmax,
  Generator,
  maxAbsDiff,
  type NestedArray,
  oneHot,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Flatten,
  gradcheckModule,
  MaxPool2d,
  ReLU,
  Sequential,
} from "../src/index.js";

/** PyTorch 1.13's values, written by reference/generate.py. */
interface Reference {
  batchNorm2d: BatchNormCase;
  batchNorm1d: BatchNormCase;
  conv: ConvCase[];
  maxPool: PoolCase[];
  avgPool: PoolCase[];
}
interface BatchNormCase {
  numFeatures: number;
  weight: number[];
  bias: number[];
  train: {
    x: NestedArray;
    y: NestedArray;
    runningMean: number[];
    runningVar: number[];
    numBatchesTracked: number;
    gradOutput?: NestedArray;
    dx?: NestedArray;
    dweight?: number[];
    dbias?: number[];
  }[];
  eval: { x: NestedArray; y: NestedArray };
}
interface ConvCase {
  options: {
    kernelSize: [number, number];
    stride: [number, number];
    padding: [number, number];
    dilation: [number, number];
  };
  x: NestedArray;
  weight: NestedArray;
  bias: number[];
  y: NestedArray;
  gradOutput: NestedArray;
  dx: NestedArray;
  dweight: NestedArray;
  dbias: number[];
}
interface PoolCase {
  options: { kernelSize: number; stride: number; padding: number; countIncludePad?: boolean };
  x: NestedArray;
  y: NestedArray;
  dx: NestedArray;
}

const reference = JSON.parse(readFileSync(new URL("../reference/conv.json", import.meta.url), "utf8")) as Reference;
const f64 = (v: NestedArray): Tensor => tensor(v, undefined, "float64");

describe("Conv2d", () => {
  it("has weight [out,in,kH,kW] and bias [out], initialised U(−1/√fanIn, 1/√fanIn) as PyTorch", () => {
    const conv = new Conv2d(16, 64, [3, 5], { generator: new Generator(1) });
    expect(conv.weight.shape).toEqual([64, 16, 3, 5]);
    expect(conv.bias!.shape).toEqual([64]);
    const bound = 1 / Math.sqrt(16 * 3 * 5);
    const w = conv.weight.value.data;
    let s = 0;
    let q = 0;
    for (const v of w) {
      expect(Math.abs(v)).toBeLessThanOrEqual(bound);
      s += v;
      q += v * v;
    }
    // Uniform on [−b, b]: mean 0, standard deviation b/√3. Not divided by the number of filters (deepnet's bug).
    expect(Math.abs(s / w.length)).toBeLessThan(0.05 * bound);
    expect(Math.sqrt(q / w.length)).toBeCloseTo(bound / Math.sqrt(3), 2);
    for (const v of conv.bias!.value.data) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(new Conv2d(16, 64, [3, 5], { generator: new Generator(1) }).weight.value.data).toEqual(w);
    expect(new Conv2d(1, 2, 3, { bias: false }).bias).toBeNull();
  });

  it("matches PyTorch's nn.Conv2d values and gradients", () => {
    for (const c of reference.conv) {
      const conv = new Conv2d(f64(c.x).shape[1]!, c.bias.length, c.options.kernelSize, {
        stride: c.options.stride,
        padding: c.options.padding,
        dilation: c.options.dilation,
      }).to("float64");
      conv.loadStateDict({ weight: f64(c.weight), bias: f64(c.bias) });
      const x = new Variable(f64(c.x), { requiresGrad: true });
      const y = conv.forward(x);
      expect(maxAbsDiff(y.value, f64(c.y))).toBeLessThan(1e-12);
      sum(mul(y, f64(c.gradOutput))).backward();
      expect(maxAbsDiff(x.grad!, f64(c.dx))).toBeLessThan(1e-12);
      expect(maxAbsDiff(conv.weight.grad!, f64(c.dweight))).toBeLessThan(1e-12);
      expect(maxAbsDiff(conv.bias!.grad!, f64(c.dbias))).toBeLessThan(1e-12);
    }
  });

  for (const opts of [
    {},
    { stride: 2, padding: 1 },
    { stride: [1, 2] as const, dilation: [2, 1] as const, padding: [0, 1] as const },
  ]) {
    it(`gradients of input, weight and bias ${JSON.stringify(opts)}`, () => {
      gradcheckModule(new Conv2d(2, 3, [3, 2], { ...opts, generator: new Generator(2) }), normal([2, 2, 5, 7], 3));
      gradcheckModule(
        new Conv2d(2, 3, [3, 2], { ...opts, bias: false, generator: new Generator(2) }),
        normal([2, 2, 5, 7], 4),
      );
    });
  }

  it("names itself and the shapes in its errors", () => {
    const conv = new Conv2d(1, 32, 3);
    expect(conv.toString()).toBe("Conv2d(1→32, 3×3)");
    expect(() => conv.forward(new Variable(zeros([8, 3, 28, 28])))).toThrow(
      "Conv2d(1→32, 3×3): input has 3 channels, expected 1 (input shape [8,3,28,28])",
    );
    expect(() => conv.forward(new Variable(zeros([8, 784])))).toThrow(
      "Conv2d(1→32, 3×3): input must be 4-D [N,C,H,W], got shape [8,784]",
    );
    expect(() => conv.forward(new Variable(zeros([2, 1, 2, 5])))).toThrow(
      "Conv2d(1→32, 3×3): kernel 3×3 is larger than the padded input 2×5 (input 2×5, padding 0×0, input shape [2,1,2,5])",
    );
    const dilated = new Conv2d(1, 4, 3, { dilation: 3, padding: 1, stride: 2 });
    expect(dilated.toString()).toBe("Conv2d(1→4, 3×3, stride=2×2, padding=1×1, dilation=3×3)");
    expect(() => dilated.forward(new Variable(zeros([1, 1, 4, 9])))).toThrow(
      "Conv2d(1→4, 3×3, stride=2×2, padding=1×1, dilation=3×3): kernel 3×3 (dilation 3×3: spans 7×7) is larger than the padded input 6×11",
    );
    expect(() => new Conv2d(0, 4, 3)).toThrow("Conv2d: inChannels must be a positive integer, got 0");
    expect(() => new Conv2d(1, 4, 0)).toThrow(
      "Conv2d: kernelSize must be a positive integer or a pair [height, width] of them, got 0",
    );
    expect(() => new Conv2d(1, 4, 3, { stride: 0 })).toThrow("Conv2d: stride must be a positive integer");
    expect(() => new Conv2d(1, 4, 3, { padding: -1 })).toThrow("Conv2d: padding must be a non-negative integer");
    expect(() => new Conv2d(1, 4, 3, { dilation: [1, 0] })).toThrow(
      "Conv2d: dilation must be a positive integer or a pair [height, width] of them, got [1,0]",
    );
  });
});

describe("MaxPool2d and AvgPool2d", () => {
  it("match PyTorch on inputs full of ties (the gradient goes to the first maximum)", () => {
    for (const c of reference.maxPool) {
      const pool = new MaxPool2d(c.options.kernelSize, { stride: c.options.stride, padding: c.options.padding });
      const x = new Variable(f64(c.x), { requiresGrad: true });
      const y = pool.forward(x);
      expect(y.toArray()).toEqual(c.y);
      sum(y).backward();
      expect(x.grad!.toArray()).toEqual(c.dx);
    }
    for (const c of reference.avgPool) {
      const { kernelSize, ...options } = c.options;
      const pool = new AvgPool2d(kernelSize, options);
      const x = new Variable(f64(c.x), { requiresGrad: true });
      const y = pool.forward(x);
      expect(maxAbsDiff(y.value, f64(c.y))).toBeLessThan(1e-12);
      sum(y).backward();
      expect(maxAbsDiff(x.grad!, f64(c.dx))).toBeLessThan(1e-12);
    }
  });

  it("stride defaults to the kernel size, as PyTorch", () => {
    expect(new MaxPool2d(2).stride).toEqual([2, 2]);
    expect(new AvgPool2d([3, 2]).stride).toEqual([3, 2]);
    expect(new MaxPool2d(2).forward(new Variable(zeros([1, 1, 7, 6]))).shape).toEqual([1, 1, 3, 3]);
    expect(new MaxPool2d(2, { stride: 1 }).toString()).toBe("MaxPool2d(2×2, stride=1×1)");
    expect(new AvgPool2d(3, { padding: 1, countIncludePad: false }).toString()).toBe(
      "AvgPool2d(3×3, padding=1×1, countIncludePad=false)",
    );
  });

  it("gradcheck through the layers", () => {
    gradcheck((v) => new AvgPool2d([3, 2], { stride: [2, 1], padding: 1 }).forward(v), [normal([2, 3, 5, 7], 1)]);
    gradcheck(
      (v) => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(v),
      [normal([2, 3, 5, 7], 2)],
    );
  });

  it("name themselves and the shapes in their errors", () => {
    expect(() => new MaxPool2d(3).forward(new Variable(zeros([1, 2, 2, 8])))).toThrow(
      "MaxPool2d(3×3): kernel 3×3 is larger than the padded input 2×8 (input 2×8, padding 0×0, input shape [1,2,2,8])",
    );
    expect(() => new AvgPool2d(2).forward(new Variable(zeros([2, 8])))).toThrow(
      "AvgPool2d(2×2): input must be 4-D [N,C,H,W], got shape [2,8]",
    );
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(
      "MaxPool2d: padding 2×2 must be at most half the kernel 2×2",
    );
    expect(() => new MaxPool2d(2, { stride: 0 })).toThrow("MaxPool2d: stride must be a positive integer");
    expect(() => new AvgPool2d(-1)).toThrow("AvgPool2d: kernelSize must be a positive integer");
  });
});

describe("BatchNorm", () => {
  const cases = [
    ["BatchNorm2d", (c: number) => new BatchNorm2d(c), reference.batchNorm2d],
    ["BatchNorm1d", (c: number) => new BatchNorm1d(c), reference.batchNorm1d],
  ] as const;
  for (const [name, make, ref] of cases) {
    it(`${name} matches PyTorch over two training batches and then in eval`, () => {
      const bn = make(ref.numFeatures).to("float64");
      bn.weight!.value.data.set(ref.weight);
      bn.bias!.value.data.set(ref.bias);
      for (const step of ref.train) {
        const x = new Variable(f64(step.x), { requiresGrad: true });
        bn.zeroGrad();
        const y = bn.forward(x);
        expect(maxAbsDiff(y.value, f64(step.y))).toBeLessThan(1e-12);
        expect(maxAbsDiff(bn.runningMean!, f64(step.runningMean))).toBeLessThan(1e-12);
        expect(maxAbsDiff(bn.runningVar!, f64(step.runningVar))).toBeLessThan(1e-12);
        expect(bn.numBatchesTracked).toBe(step.numBatchesTracked);
        if (step.gradOutput !== undefined) {
          sum(mul(y, f64(step.gradOutput))).backward();
          expect(maxAbsDiff(x.grad!, f64(step.dx!))).toBeLessThan(1e-12);
          expect(maxAbsDiff(bn.weight!.grad!, f64(step.dweight!))).toBeLessThan(1e-12);
          expect(maxAbsDiff(bn.bias!.grad!, f64(step.dbias!))).toBeLessThan(1e-12);
        }
      }
      bn.eval();
      const before = bn.stateDict();
      expect(maxAbsDiff(bn.forward(new Variable(f64(ref.eval.x))).value, f64(ref.eval.y))).toBeLessThan(1e-12);
      for (const [k, t] of bn.stateDict()) expect(maxAbsDiff(t, before.get(k)!), k).toBe(0);
    });
  }

  it("in training a sample's output depends on its batch; in eval it does not", () => {
    const bn = new BatchNorm2d(3);
    const x = randn([4, 3, 2, 2], { generator: new Generator(1) });
    const y4 = noGrad(() => bn.forward(new Variable(x)));
    const y1 = noGrad(() => bn.forward(new Variable(x.clone()))).value;
    // The second training batch is the same data, so outputs agree, but statistics moved twice.
    expect(maxAbsDiff(y4.value, y1)).toBeLessThan(1e-6);
    expect(bn.numBatchesTracked).toBe(2);
    bn.eval();
    const first = noGrad(() => bn.forward(new Variable(x))).value;
    const alone = noGrad(() =>
      bn.forward(new Variable(tensor(Array.from(x.data.subarray(0, 12)), [1, 3, 2, 2]))),
    ).value;
    expect(maxAbsDiff(tensor(Array.from(first.data.subarray(0, 12)), [1, 3, 2, 2]), alone)).toBe(0);
    expect(maxAbsDiff(first, y4.value)).toBeGreaterThan(0.1);
    expect(bn.numBatchesTracked).toBe(2);
  });

  it("momentum null keeps a cumulative average, as PyTorch", () => {
    const bn = new BatchNorm1d(1, { momentum: null });
    for (const batch of [
      [1, 3],
      [5, 7],
      [0, 2],
    ])
      bn.forward(new Variable(tensor(batch.map((v) => [v]))));
    expect(bn.runningMean!.data[0]).toBeCloseTo((2 + 6 + 1) / 3, 6);
    expect(bn.runningVar!.data[0]).toBeCloseTo(2, 6);
    expect(bn.toString()).toBe("BatchNorm1d(1, momentum=null)");
  });

  it("gradcheck of BatchNorm1d on [N,C,L] and BatchNorm2d, in training and in eval", () => {
    const bn1 = new BatchNorm1d(3);
    gradcheckModule(bn1, normal([4, 3, 5], 1));
    const bn2 = new BatchNorm2d(2, { affine: true });
    gradcheckModule(bn2, normal([3, 2, 3, 4], 2));
    bn2.eval();
    gradcheckModule(bn2, normal([3, 2, 3, 4], 3));
    gradcheckModule(new BatchNorm2d(2, { affine: false, trackRunningStats: false }), normal([3, 2, 3, 4], 4));
  });

  it("keeps its running statistics in the state dict under camelCase names", () => {
    const model = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Dense(4 * 3 * 3, 2),
    );
    expect([...model.stateDict().keys()]).toEqual([
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "1.runningMean",
      "1.runningVar",
      "1.numBatchesTracked",
      "5.weight",
      "5.bias",
    ]);
    const x = randn([5, 1, 6, 6], { generator: new Generator(3) });
    model.forward(new Variable(x));
    const state = model.stateDict();
    expect(state.get("1.numBatchesTracked")!.dtype).toBe("int32");
    expect(state.get("1.numBatchesTracked")!.item()).toBe(1);
    const copy = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Dense(4 * 3 * 3, 2),
    );
    copy.loadStateDict(state);
    model.eval();
    copy.eval();
    const a = noGrad(() => model.forward(new Variable(x))).value;
    const b = noGrad(() => copy.forward(new Variable(x))).value;
    expect(maxAbsDiff(a, b)).toBe(0);
    copy.to("float64");
    expect((copy.at(1) as BatchNorm2d).runningVar!.dtype).toBe("float64");
    expect(maxAbsDiff(noGrad(() => copy.forward(new Variable(x))).value, a)).toBeLessThan(1e-5);
  });

  it("names itself and the shapes in its errors", () => {
    expect(() => new BatchNorm2d(32).forward(new Variable(zeros([8, 3, 28, 28])))).toThrow(
      "BatchNorm2d(32): input has 3 channels, expected 32 (input shape [8,3,28,28])",
    );
    expect(() => new BatchNorm2d(3).forward(new Variable(zeros([8, 3])))).toThrow(
      "BatchNorm2d(3): input must be 4-D [N,C,H,W], got shape [8,3]",
    );
    expect(() => new BatchNorm1d(3).forward(new Variable(zeros([8, 3, 2, 2])))).toThrow(
      "BatchNorm1d(3): input must be 2-D [N,C] or 3-D [N,C,L], got shape [8,3,2,2]",
    );
    expect(() => new BatchNorm1d(3).forward(new Variable(zeros([1, 3])))).toThrow(
      "batchNorm: batch statistics need more than one value per channel, got input shape [1,3] (training with a batch of one?)",
    );
    expect(() => new BatchNorm1d(0)).toThrow("BatchNorm1d: numFeatures must be a positive integer, got 0");
    expect(() => new BatchNorm2d(3, { momentum: 1.5 })).toThrow(
      "BatchNorm2d: momentum must be in [0, 1] or null, got 1.5",
    );
  });
});

describe("a CNN", () => {
  it("Flatten after a convolution keeps the batch axis and passes gradients back", () => {
    const conv = new Conv2d(2, 3, 3, { generator: new Generator(1) });
    const x = new Variable(normal([4, 2, 6, 5], 2), { requiresGrad: true });
    const y = new Flatten().forward(conv.to("float64").forward(x));
    expect(y.shape).toEqual([4, 3 * 4 * 3]);
    sum(y).backward();
    expect(x.grad!.shape).toEqual([4, 2, 6, 5]);
  });

  it("summary shows the output shape of every layer of deepnet's MNIST CNN", () => {
    const model = new Sequential(
      new Conv2d(1, 32, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2, { stride: 1 }),
      new Flatten(),
      new Dense(32 * 27 * 27, 10),
    );
    const text = model.summary([1, 28, 28]);
    expect(text).toMatch(/\n0 \(Conv2d\) +\[\?, 32, 28, 28\] +320\n/);
    expect(text).toMatch(/\n1 \(ReLU\) +\[\?, 32, 28, 28\] +0\n/);
    expect(text).toMatch(/\n2 \(MaxPool2d\) +\[\?, 32, 27, 27\] +0\n/);
    expect(text).toMatch(/\n3 \(Flatten\) +\[\?, 23328\] +0\n/);
    expect(text).toMatch(/\n4 \(Dense\) +\[\?, 10\] +233,290\n/);
    const bn = new Sequential(new Conv2d(1, 6, 5), new BatchNorm2d(6), new AvgPool2d(2));
    // 12 parameters plus 13 buffer elements (running mean and variance, numBatchesTracked), counted as non-trainable.
    expect(bn.summary([1, 12, 12])).toMatch(/\n1 \(BatchNorm2d\) +\[\?, 6, 8, 8\] +25\n/);
  });

  it("learns to tell bar orientations apart (synthetic 12×12 images, a few seconds)", () => {
    // Four classes: horizontal, vertical, diagonal and anti-diagonal bars at random places, plus noise.
    const gen = new Generator(7);
    const make = (n: number): { x: Tensor; y: Tensor } => {
      const x = zeros([n, 1, 12, 12]);
      const y = zeros([n], "int32");
      for (let i = 0; i < n; i++) {
        const cls = gen.int(0, 4);
        y.data[i] = cls;
        const a = gen.int(2, 10);
        const b = gen.int(0, 5);
        for (let t = 0; t < 8; t++) {
          const [r, c] =
            cls === 0 ? [a, b + t] : cls === 1 ? [b + t, a] : cls === 2 ? [b + t, b + t] : [b + t, 11 - b - t];
          x.data[i * 144 + r! * 12 + c!] = 1;
        }
        for (let k = 0; k < 144; k++) x.data[i * 144 + k] += 0.3 * gen.normal();
      }
      return { x, y };
    };
    const train = make(512);
    const test = make(256);
    const model = new Sequential(
      new Conv2d(1, 8, 3, { padding: 1, generator: gen }),
      new BatchNorm2d(8),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(8, 16, 3, { generator: gen }),
      new ReLU(),
      new AvgPool2d(2),
      new Flatten(),
      new Dense(16 * 2 * 2, 4, { generator: gen }),
    );
    const params = model.parameters();
    const velocity = params.map((p) => new Float64Array(p.size));
    const batch = 32;
    const accuracy = (d: { x: Tensor; y: Tensor }): number => {
      model.eval();
      const pred = argmax(noGrad(() => model.forward(new Variable(d.x))).value, 1);
      model.train();
      let right = 0;
      for (let i = 0; i < d.y.size; i++) if (pred.data[i] === d.y.data[i]) right++;
      return right / d.y.size;
    };
    for (let epoch = 0; epoch < 6; epoch++) {
      for (let s = 0; s < train.y.size; s += batch) {
        const xb = tensor(train.x.data.slice(s * 144, (s + batch) * 144), [batch, 1, 12, 12]);
        const yb = oneHot(tensor(train.y.data.slice(s, s + batch), [batch], "int32"), 4);
        model.zeroGrad();
        const loss = neg(mean(sum(mul(logSoftmax(model.forward(new Variable(xb))), yb), 1)));
        loss.backward();
        params.forEach((p, k) => {
          const v = velocity[k]!;
          const d = p.value.data;
          const g = p.grad!.data;
          for (let i = 0; i < d.length; i++) {
            v[i] = 0.9 * v[i]! + g[i]!;
            d[i] -= 0.05 * v[i]!;
          }
        });
      }
    }
    expect(accuracy(train)).toBeGreaterThan(0.95);
    expect(accuracy(test)).toBeGreaterThan(0.9);
  });
});
