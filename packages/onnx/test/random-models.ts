import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Dropout,
  Flatten,
  LeakyReLU,
  LogSoftmax,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from "@nabla/layers";
import { Generator } from "@nabla/tensor";

export interface RandomModel {
  model: Sequential;
  /** One example's shape: [1, 28, 28] and [784] take MNIST images too. */
  inputShape: number[];
}

type Family = "image" | "flat" | "sequence";
export const FAMILIES: readonly Family[] = ["image", "flat", "sequence"];

/**
 * A small seeded model of one family, over random choices of every exportable layer and its
 * options, with non-trivial parameters and BatchNorm statistics (as after training).
 */
export function randomModel(seed: number, family: Family): RandomModel {
  const g = new Generator(seed);
  const pick = <T>(items: readonly T[]): T => items[g.int(0, items.length)]!;
  const activation = (): Module =>
    pick<() => Module>([
      () => new ReLU(),
      () => new LeakyReLU(0.05 + g.random() * 0.3),
      () => new Sigmoid(),
      () => new Tanh(),
    ])();
  const head = (): Module[] => pick<() => Module[]>([() => [], () => [new Softmax()], () => [new LogSoftmax(-1)]])();

  if (family === "flat") {
    const hidden = g.int(8, 40);
    const model = new Sequential(
      new Dense(784, hidden, { generator: g, bias: g.random() < 0.7 }),
      batchNorm1d(g, hidden, { ...batchNormOptions(g), trackRunningStats: true }),
      activation(),
      new Dropout(0.3),
      new Sequential(new Dense(hidden, 10, { generator: g, init: "xavier" }), activation()),
      ...head(),
    );
    return { model: randomise(model, g), inputShape: [784] };
  }

  if (family === "sequence") {
    // [N, C, L]: BatchNorm1d over channels, Dense on the last axis of a rank-3 input (MatMul).
    const C = g.int(2, 6);
    const L = g.int(3, 9);
    const out = g.int(2, 7);
    const model = new Sequential(
      batchNorm1d(g, C),
      activation(),
      new Dense(L, out, { generator: g, bias: g.random() < 0.5 }),
      new Softmax(1),
      new Flatten(2),
      new LogSoftmax(pick([-1, 2])),
      new Flatten(pick([0, 1])),
    );
    return { model: randomise(model, g), inputShape: [C, L] };
  }

  // Images [1, 28, 28]: convolution and pooling with random geometry, then a classifier.
  let [C, H] = [1, 28];
  const k = g.int(1, 6);
  const conv = new Conv2d(C, g.int(2, 6), k, {
    generator: g,
    stride: pick([1, 2]),
    padding: g.int(0, 3),
    dilation: k > 1 ? pick([1, 2]) : 1,
    bias: g.random() < 0.6,
  });
  H = windowOutput(H, conv.kernelSize[0], conv.stride[0], conv.padding[0], conv.dilation[0]);
  C = conv.outChannels;
  const p = g.int(2, 4);
  const poolOptions = { stride: pick([1, 2, p]), padding: g.int(0, Math.floor(p / 2) + 1) };
  const pool =
    g.random() < 0.5
      ? new MaxPool2d(p, poolOptions)
      : new AvgPool2d(p, { ...poolOptions, countIncludePad: g.random() < 0.5 });
  H = windowOutput(H, p, pool.stride[0], pool.padding[0], 1);
  const model = new Sequential(new Sequential(conv, batchNorm2d(g, C), activation()), pool, new Dropout(0.2));
  if (g.random() < 0.5) {
    // [N, C, H·W] through BatchNorm1d and a rank-3 Dense before the usual flatten.
    const width = g.int(2, 6);
    model
      .add(new Flatten(2))
      .add(batchNorm1d(g, C))
      .add(new Dense(H * H, width, { generator: g }))
      .add(activation());
    model.add(new Flatten()).add(new Dense(C * width, 10, { generator: g }));
  } else {
    model.add(new Flatten()).add(new Dense(C * H * H, 10, { generator: g }));
  }
  for (const m of head()) model.add(m);
  return { model: randomise(model, g), inputShape: [1, 28, 28] };
}

function windowOutput(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

function batchNormOptions(g: Generator): { affine: boolean; trackRunningStats: boolean; eps: number } {
  return { affine: g.random() < 0.7, trackRunningStats: g.random() < 0.75, eps: g.random() < 0.5 ? 1e-5 : 1e-3 };
}

/** On [N, C] input, batch statistics need N > 1, so a batch of one needs running statistics. */
function batchNorm1d(g: Generator, C: number, options = batchNormOptions(g)): BatchNorm1d {
  return new BatchNorm1d(C, options);
}

function batchNorm2d(g: Generator, C: number): BatchNorm2d {
  return new BatchNorm2d(C, batchNormOptions(g));
}

/** Moves biases, BatchNorm scales and shifts and running statistics away from their initial 0s and 1s. */
function randomise(model: Sequential, g: Generator): Sequential {
  for (const [name, p] of model.namedParameters()) {
    const data = p.value.data;
    if (name.endsWith("bias")) for (let i = 0; i < data.length; i++) data[i] = 0.5 * g.normal();
    else if (p.rank === 1) for (let i = 0; i < data.length; i++) data[i] = 0.5 + g.random();
  }
  for (const [name, b] of model.namedBuffers()) {
    const data = b.data;
    if (name.endsWith("runningMean")) for (let i = 0; i < data.length; i++) data[i] = 0.3 * g.normal();
    if (name.endsWith("runningVar")) for (let i = 0; i < data.length; i++) data[i] = 0.2 + 2 * g.random();
  }
  return model;
}
