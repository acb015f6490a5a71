import { sum, Variable } from "@nabla/autograd";
import { add, allClose, Generator, manualSeed, matmul, ones, randn, type Tensor, tensor, zeros } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import {
  Dense,
  Dropout,
  Flatten,
  gradcheckModule,
  init,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from "../src/index.js";

const f64 = (shape: number[], seed = 0): Tensor => randn(shape, { generator: new Generator(seed), dtype: "float64" });

/** Values kept away from 0, where ReLU-like layers have a kink that central differences straddle. */
const awayFromZero = (t: Tensor): Tensor => {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]!) < 0.1) d[i] = d[i]! < 0 ? -0.1 - d[i]! : 0.1 + d[i]!;
  return t;
};

function std(t: Tensor): { mean: number; std: number } {
  let s = 0;
  for (const v of t.data) s += v;
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / t.size) };
}

describe("Dense", () => {
  it("computes x·W + b with weight [in,out] and zero bias", () => {
    const d = new Dense(4, 3);
    expect(d.weight.shape).toEqual([4, 3]);
    expect(d.bias!.shape).toEqual([3]);
    expect(d.bias!.value.data.every((v) => v === 0)).toBe(true);
    d.bias!.value.data.set([1, 2, 3]);
    const x = randn([5, 4]);
    const y = d.forward(new Variable(x));
    expect(y.shape).toEqual([5, 3]);
    expect(y.node?.op).toBe("linear");
    expect(allClose(y.value, add(matmul(x, d.weight.value), d.bias!.value), { rtol: 1e-5, atol: 1e-6 })).toBe(true);
  });

  it("accepts any number of leading axes", () => {
    expect(new Dense(4, 3).forward(new Variable(randn([2, 5, 4]))).shape).toEqual([2, 5, 3]);
    expect(new Dense(4, 3).forward(new Variable(randn([4]))).shape).toEqual([3]);
  });

  it("names itself and both shapes on a bad input", () => {
    expect(() => new Dense(784, 128).forward(new Variable(zeros([64, 100])))).toThrow(
      "Dense(784→128): input has shape [64,100], expected [*,784]",
    );
    expect(() => new Dense(3, 2).forward(new Variable(tensor([1], [])))).toThrow(
      "Dense(3→2): input has shape [], expected [*,3]",
    );
    expect(() => new Dense(0, 2)).toThrow("Dense: inFeatures must be a positive integer, got 0");
    expect(() => new Dense(2, 1.5)).toThrow("Dense: outFeatures must be a positive integer, got 1.5");
    expect(() => new Dense(2, 2, { init: "glorot" as "he" })).toThrow(/Dense: unknown init 'glorot'/);
  });

  it("passes gradcheck with and without bias", () => {
    const withBias = new Dense(4, 3, { generator: new Generator(1) });
    withBias.bias!.value.data.set([0.1, -0.2, 0.3]);
    gradcheckModule(withBias, f64([5, 4]));
    const noBias = new Dense(4, 3, { bias: false, generator: new Generator(2) });
    expect(noBias.namedParameters().map(([k]) => k)).toEqual(["weight"]);
    gradcheckModule(noBias, f64([5, 4], 1));
  });

  it("passes gradcheck inside a Sequential", () => {
    manualSeed(3);
    gradcheckModule(new Sequential(new Dense(4, 5), new Tanh(), new Dense(5, 2)), f64([3, 4]));
  });

  it("same seed gives the same weights; different seeds differ", () => {
    manualSeed(42);
    const a = new Sequential(new Dense(20, 10), new Dense(10, 5));
    manualSeed(42);
    const b = new Sequential(new Dense(20, 10), new Dense(10, 5));
    manualSeed(43);
    const c = new Sequential(new Dense(20, 10), new Dense(10, 5));
    a.parameters().forEach((p, i) => expect([...p.value.data]).toEqual([...b.parameters()[i]!.value.data]));
    expect([...a.parameters()[0]!.value.data]).not.toEqual([...c.parameters()[0]!.value.data]);
    const g1 = new Dense(8, 8, { generator: new Generator(5) });
    const g2 = new Dense(8, 8, { generator: new Generator(5) });
    expect([...g1.weight.value.data]).toEqual([...g2.weight.value.data]);
  });

  it("uses the chosen initialisation", () => {
    const he = std(new Dense(784, 512, { generator: new Generator(0) }).weight.value);
    expect(Math.abs(he.std / Math.sqrt(2 / 784) - 1)).toBeLessThan(0.05);
    const xavier = new Dense(300, 100, { init: "xavier", generator: new Generator(0) }).weight.value;
    const limit = Math.sqrt(6 / 400);
    expect(xavier.data.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(Math.abs(std(xavier).std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    const lecun = std(new Dense(400, 300, { init: "lecun", generator: new Generator(0) }).weight.value);
    expect(Math.abs(lecun.std / Math.sqrt(1 / 400) - 1)).toBeLessThan(0.05);
    const custom = new Dense(2, 2, { init: (shape) => ones(shape) });
    expect([...custom.weight.value.data]).toEqual([1, 1, 1, 1]);
  });
});

describe("init", () => {
  const g = (): Generator => new Generator(7);
  it("He normal: mean 0, std √(2/fanIn) within 5% on a 784×512 weight", () => {
    const s = std(init.heNormal([784, 512], { generator: g() }));
    expect(Math.abs(s.std / Math.sqrt(2 / 784) - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
  });
  it("He uniform, Xavier normal/uniform, LeCun normal have the published scales", () => {
    const heU = init.heUniform([784, 512], { generator: g() });
    expect(heU.data.every((v) => Math.abs(v) <= Math.sqrt(6 / 784))).toBe(true);
    expect(Math.abs(std(heU).std / Math.sqrt(2 / 784) - 1)).toBeLessThan(0.05);
    expect(Math.abs(std(init.xavierNormal([784, 512], { generator: g() })).std / Math.sqrt(2 / 1296) - 1)).toBeLessThan(
      0.05,
    );
    const xu = init.xavierUniform([784, 512], { generator: g() });
    expect(Math.abs(std(xu).std / Math.sqrt(2 / 1296) - 1)).toBeLessThan(0.05);
    expect(Math.abs(std(init.lecunNormal([784, 512], { generator: g() })).std / Math.sqrt(1 / 784) - 1)).toBeLessThan(
      0.05,
    );
    expect(init.zeros([3, 2]).data.every((v) => v === 0)).toBe(true);
  });
  it("takes fans explicitly for weights that are not [in, out]", () => {
    const conv = init.heNormal([16, 3, 3, 3], { fanIn: 27, fanOut: 144, generator: g(), dtype: "float64" });
    expect(conv.shape).toEqual([16, 3, 3, 3]);
    expect(conv.dtype).toBe("float64");
    expect(() => init.heNormal([16, 3, 3, 3])).toThrow(
      /heNormal: cannot infer fanIn and fanOut from shape \[16,3,3,3\]/,
    );
  });
  it("is reproducible from the global seed", () => {
    manualSeed(9);
    const a = init.xavierUniform([10, 10]);
    manualSeed(9);
    const b = init.xavierUniform([10, 10]);
    expect([...a.data]).toEqual([...b.data]);
  });
});

describe("activations, softmax and flatten", () => {
  const x = (): Tensor => awayFromZero(f64([3, 4], 5));
  it("ReLU, LeakyReLU, Sigmoid and Tanh compute and pass gradcheck", () => {
    const v = new Variable(tensor([[-2, -0.5, 0.5, 2]]));
    expect([...new ReLU().forward(v).value.data]).toEqual([0, 0, 0.5, 2]);
    expect(new LeakyReLU(0.1).forward(v).value.data[0]).toBeCloseTo(-0.2, 6);
    expect(new LeakyReLU().slope).toBe(0.01);
    expect(new Sigmoid().forward(v).value.data[2]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 6);
    expect(new Tanh().forward(v).value.data[3]).toBeCloseTo(Math.tanh(2), 6);
    for (const m of [new ReLU(), new LeakyReLU(0.2), new Sigmoid(), new Tanh()]) gradcheckModule(m, x());
  });

  it("Softmax and LogSoftmax normalise along their axis and pass gradcheck (axis 0 and -1)", () => {
    const t = f64([3, 4], 6);
    const rows = new Softmax().forward(new Variable(t));
    expect(allClose(sum(rows, -1).value, ones([3], "float64"))).toBe(true);
    const cols = new Softmax(0).forward(new Variable(t));
    expect(allClose(sum(cols, 0).value, ones([4], "float64"))).toBe(true);
    for (const axis of [0, -1]) {
      gradcheckModule(new Softmax(axis), f64([3, 4], 7));
      gradcheckModule(new LogSoftmax(axis), f64([3, 4], 8));
    }
    expect(new LogSoftmax().axis).toBe(-1);
    expect(() => new Softmax(0.5)).toThrow("Softmax: axis must be an integer, got 0.5");
  });

  it("Flatten keeps the batch axis by default and passes gradcheck", () => {
    expect(new Flatten().forward(new Variable(zeros([2, 3, 4, 5]))).shape).toEqual([2, 60]);
    expect(new Flatten(2).forward(new Variable(zeros([2, 3, 4, 5]))).shape).toEqual([2, 3, 20]);
    gradcheckModule(new Flatten(), f64([2, 3, 4], 9));
  });
});

describe("Dropout", () => {
  const x = (): Variable => new Variable(ones([64, 64]));

  it("is the identity in eval mode", () => {
    const d = new Dropout(0.5).eval();
    const v = x();
    const y = d.forward(v);
    expect([...y.value.data]).toEqual([...v.value.data]);
  });

  it("zeroes about p of the elements in training and scales the rest by 1/(1-p)", () => {
    const y = new Dropout(0.25, { generator: new Generator(0) }).forward(x()).value.data;
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.75, 6);
    }
    expect(Math.abs(zeros / y.length - 0.25)).toBeLessThan(0.03);
  });

  it("same seed gives the same mask, from its own generator or the global one", () => {
    const a = new Dropout(0.5, { generator: new Generator(3) }).forward(x()).value.data;
    const b = new Dropout(0.5, { generator: new Generator(3) }).forward(x()).value.data;
    expect([...a]).toEqual([...b]);
    const d = new Dropout(0.5);
    manualSeed(11);
    const c = d.forward(x()).value.data;
    manualSeed(11);
    const e = d.forward(x()).value.data;
    expect([...c]).toEqual([...e]);
    expect([...c]).not.toEqual([...d.forward(x()).value.data]);
  });

  it("follows the model's mode and rejects bad probabilities", () => {
    const model = new Sequential(new Dropout(0.9, { generator: new Generator(1) }));
    model.eval();
    expect(model.forward(x()).value.data.every((v) => v === 1)).toBe(true);
    model.train();
    expect(model.forward(x()).value.data.some((v) => v === 0)).toBe(true);
    expect(() => new Dropout(1.5)).toThrow("Dropout: p must be a probability in [0, 1], got 1.5");
  });
});
