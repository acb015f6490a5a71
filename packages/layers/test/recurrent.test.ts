import { add, gradcheckLeaves, mean, mul, noGrad, reshape, slice, sub, sum, Variable } from "@nabla/autograd";
import { Generator, manualSeed, maxAbsDiff, randn, type Tensor, tensor, zeros } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Dense, GRU, GRUCell, LSTM, LSTMCell, Module, type RecurrentOptions, RNN, RNNCell } from "../src/index.js";

// Gradient checks through time (float64 central differences for the input, the initial state and
// every parameter), the semantics of lengths, directions, layers and dropout, and the parameters.

/** The tolerances these checks have always used: tighter than gradcheck's defaults. */
const STRICT = { atol: 1e-6, rtol: 1e-5 };

const leaf = (shape: number[], seed: number, scale = 1): Variable =>
  new Variable(normal(shape, seed, { scale }), { requiresGrad: true });

/** Σ output·w + Σ h·w' (+ Σ c·w'') with fixed random weights, so every element matters. */
function weightedSum(parts: Variable[]): Variable {
  return parts.map((p, i) => sum(mul(p, normal([...p.shape], 100 + i)))).reduce((a, b) => add(a, b));
}

type Kind = "RNN" | "LSTM" | "GRU";
function make(
  kind: Kind,
  inputSize: number,
  hidden: number,
  options: RecurrentOptions & { nonlinearity?: "tanh" | "relu" },
): RNN | LSTM | GRU {
  const gen = new Generator(7);
  if (kind === "RNN") return new RNN(inputSize, hidden, { ...options, generator: gen });
  return new (kind === "LSTM" ? LSTM : GRU)(inputSize, hidden, { ...options, generator: gen });
}

/** Runs any of the three layers with the same arguments; c is absent for RNN and GRU. */
function run(
  layer: RNN | LSTM | GRU,
  x: Variable | Tensor,
  h0?: Variable,
  c0?: Variable,
  lengths?: number[],
): { output: Variable; h: Variable; c?: Variable } {
  if (layer instanceof LSTM)
    return layer.forward(x, { ...(h0 && { h0 }), ...(c0 && { c0 }), ...(lengths && { lengths }) });
  return layer.forward(x, { ...(h0 && { h0 }), ...(lengths && { lengths }) });
}

describe("recurrent layers: gradient checks through time", () => {
  const kinds: Kind[] = ["RNN", "LSTM", "GRU"];
  const setups: [string, RecurrentOptions & { nonlinearity?: "tanh" | "relu" }, number[] | undefined][] = [
    ["one layer, 4 steps", {}, undefined],
    ["two layers, bidirectional, unsorted lengths", { numLayers: 2, bidirectional: true }, [2, 4, 1]],
    ["batchFirst, bidirectional, no bias, lengths", { batchFirst: true, bidirectional: true, bias: false }, [4, 3, 3]],
    ["two layers, relu (RNN), dropout in eval mode", { numLayers: 2, nonlinearity: "relu", dropout: 0.5 }, undefined],
  ];
  for (const kind of kinds) {
    it.each(setups)(`${kind}: %s, with an initial state`, (_, options, lengths) => {
      const { nonlinearity, ...common } = options;
      const layer = make(
        kind,
        3,
        2,
        kind === "RNN" && nonlinearity !== undefined ? { ...common, nonlinearity } : common,
      )
        .to("float64")
        .eval();
      const D = options.bidirectional ? 2 : 1;
      const steps = 4;
      const batch = 3;
      const x = leaf(options.batchFirst ? [batch, steps, 3] : [steps, batch, 3], 1);
      const h0 = leaf([(options.numLayers ?? 1) * D, batch, 2], 2, 0.5);
      const c0 = kind === "LSTM" ? leaf([(options.numLayers ?? 1) * D, batch, 2], 3, 0.5) : undefined;
      const loss = (): Variable => {
        const r = run(layer, x, h0, c0, lengths);
        return weightedSum(r.c === undefined ? [r.output, r.h] : [r.output, r.h, r.c]);
      };
      const leaves: [string, Variable][] = [
        ["x", x],
        ["h0", h0],
        ...(c0 ? [["c0", c0] as [string, Variable]] : []),
        ...layer.namedParameters(),
      ];
      gradcheckLeaves(loss, leaves, STRICT);
    });
  }
});

describe("recurrent cells: gradient checks through a hand-written loop", () => {
  it.each(["RNNCell", "RNNCell relu", "GRUCell", "LSTMCell"])("%s over 3 steps from an initial state", (name) => {
    const gen = new Generator(3);
    const xs = [0, 1, 2].map((t) => leaf([2, 3], 10 + t));
    const h0 = leaf([2, 4], 20, 0.5);
    const c0 = leaf([2, 4], 21, 0.5);
    let cell: Module<unknown>;
    let loss: () => Variable;
    if (name === "LSTMCell") {
      const lstm = new LSTMCell(3, 4, { generator: gen }).to("float64");
      cell = lstm;
      loss = () => {
        let state = { h: h0, c: c0 };
        const hs = xs.map((x) => (state = lstm.forward(x, state)).h);
        return weightedSum([...hs, state.c]);
      };
    } else {
      const step =
        name === "GRUCell"
          ? new GRUCell(3, 4, { generator: gen })
          : new RNNCell(3, 4, { generator: gen, nonlinearity: name === "RNNCell" ? "tanh" : "relu" });
      step.to("float64");
      cell = step;
      loss = () => {
        let h = h0;
        return weightedSum(xs.map((x) => (h = step.forward(x, h))));
      };
    }
    const leaves: [string, Variable][] = [
      ...xs.map((x, t): [string, Variable] => [`x${t}`, x]),
      ["h0", h0],
      ...cell.namedParameters(),
    ];
    gradcheckLeaves(loss, name === "LSTMCell" ? [...leaves, ["c0", c0]] : leaves, STRICT);
  });
});

describe("lengths", () => {
  it.each(["RNN", "LSTM", "GRU"] as const)(
    "%s: each sequence gets what it would get alone; padding outputs zeros and gets no gradient",
    (kind) => {
      const layer = make(kind, 2, 3, { numLayers: 2, bidirectional: true }).to("float64");
      const lengths = [2, 5, 3];
      const x = leaf([5, 3, 2], 4);
      const r = run(layer, x, undefined, undefined, lengths);
      weightedSum([r.output]).backward();
      lengths.forEach((n, b) => {
        const alone = noGrad(() => run(layer, slice(x, [0, b, 0], [n, b + 1, 2])));
        expect(maxAbsDiff(slice(r.output, [0, b, 0], [n, b + 1, 6]).value, alone.output.value)).toBeLessThan(1e-14);
        expect(maxAbsDiff(slice(r.h, [0, b, 0], [4, b + 1, 3]).value, alone.h.value)).toBeLessThan(1e-14);
        if (r.c !== undefined)
          expect(maxAbsDiff(slice(r.c, [0, b, 0], [4, b + 1, 3]).value, alone.c!.value)).toBeLessThan(1e-14);
        for (let t = n; t < 5; t++) {
          expect(Array.from(slice(r.output, [t, b, 0], [t + 1, b + 1, 6]).value.data)).toEqual([0, 0, 0, 0, 0, 0]);
          expect(Array.from(slice(x.grad!, [t, b, 0], [t + 1, b + 1, 2]).value.data)).toEqual([0, 0]);
        }
      });
    },
  );

  it("accepts an int32 Tensor and gives what number[] gives", () => {
    const layer = make("GRU", 2, 3, {});
    const x = normal([4, 2, 2], 5);
    const a = layer.forward(x, { lengths: [3, 4] });
    const b = layer.forward(x, { lengths: tensor([3, 4], undefined, "int32") });
    expect(maxAbsDiff(a.output.value, b.output.value)).toBe(0);
  });
});

describe("recurrent layers", () => {
  it("name parameters as PyTorch, layer-major then direction, and shape them [G·H, in], [G·H, H], [G·H]", () => {
    const lstm = new LSTM(5, 3, { numLayers: 2, bidirectional: true });
    expect(lstm.namedParameters().map(([n, p]) => `${n} ${p.shape.join("x")}`)).toEqual([
      "weight_ih_l0 12x5",
      "weight_hh_l0 12x3",
      "bias_ih_l0 12",
      "bias_hh_l0 12",
      "weight_ih_l0_reverse 12x5",
      "weight_hh_l0_reverse 12x3",
      "bias_ih_l0_reverse 12",
      "bias_hh_l0_reverse 12",
      "weight_ih_l1 12x6",
      "weight_hh_l1 12x3",
      "bias_ih_l1 12",
      "bias_hh_l1 12",
      "weight_ih_l1_reverse 12x6",
      "weight_hh_l1_reverse 12x3",
      "bias_ih_l1_reverse 12",
      "bias_hh_l1_reverse 12",
    ]);
    expect([...new GRU(2, 4, { bias: false }).stateDict().keys()]).toEqual(["weight_ih_l0", "weight_hh_l0"]);
    expect(new RNN(2, 4).numParameters()).toBe(4 * 2 + 4 * 4 + 4 + 4);
    expect(new GRUCell(2, 4).namedParameters().map(([n, p]) => `${n} ${p.shape.join("x")}`)).toEqual([
      "weight_ih 12x2",
      "weight_hh 12x4",
      "bias_ih 12",
      "bias_hh 12",
    ]);
  });

  it("initialise every parameter from U(−1/√H, 1/√H) with the seeded generator", () => {
    manualSeed(3);
    const a = new LSTM(4, 16, { numLayers: 2 });
    manualSeed(3);
    const b = new LSTM(4, 16, { numLayers: 2 });
    const bound = 1 / 4;
    let sq = 0;
    let n = 0;
    for (const [[name, p], [, q]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]!] as const)) {
      expect(Array.from(q.value.data), name).toEqual(Array.from(p.value.data));
      for (const v of p.value.data) {
        expect(Math.abs(v)).toBeLessThanOrEqual(bound);
        sq += v * v;
        n++;
      }
    }
    expect(Math.sqrt(sq / n)).toBeCloseTo(bound / Math.sqrt(3), 2);
  });

  it("return [T, B, D·H] outputs (batch-first on request) and [layers·D, B, H] states; zeros are the default state", () => {
    const gru = new GRU(3, 4, { numLayers: 3, bidirectional: true, batchFirst: true });
    const x = normal([2, 5, 3], 1);
    const r = gru.forward(x);
    expect(r.output.shape).toEqual([2, 5, 8]);
    expect(r.h.shape).toEqual([6, 2, 4]);
    expect(maxAbsDiff(gru.forward(x, { h0: zeros([6, 2, 4]) }).output.value, r.output.value)).toBe(0);
    const lstm = new LSTM(3, 4);
    const s = lstm.forward(tensor(Array.from(x.data), [5, 2, 3]));
    expect([s.output.shape, s.h.shape, s.c.shape]).toEqual([
      [5, 2, 4],
      [1, 2, 4],
      [1, 2, 4],
    ]);
    // The last output of a one-layer forward LSTM is its final h.
    expect(maxAbsDiff(slice(s.output, [4, 0, 0], [5, 2, 4]).value, s.h.value)).toBe(0);
  });

  it("apply dropout between layers in training only, reproducibly from the generator", () => {
    const x = normal([4, 2, 3], 1);
    const model = (p: number): LSTM => new LSTM(3, 5, { numLayers: 2, dropout: p, generator: new Generator(1) });
    const plain = model(0).forward(x).output.value;
    const dropped = model(0.5);
    dropped.generator = new Generator(9);
    const first = dropped.forward(x).output.value;
    dropped.generator = new Generator(9);
    expect(maxAbsDiff(dropped.forward(x).output.value, first)).toBe(0);
    expect(maxAbsDiff(first, plain)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(dropped.eval().forward(x).output.value, plain)).toBe(0);
  });

  it("describe themselves", () => {
    expect(new LSTM(28, 128).toString()).toBe("LSTM(28→128)");
    expect(new GRU(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, dropout: 0.2 }).toString()).toBe(
      "GRU(3→4, numLayers=2, batchFirst, bidirectional, dropout=0.2)",
    );
    expect(new RNN(3, 4, { nonlinearity: "relu", bias: false }).toString()).toBe(
      "RNN(3→4, bias=false, nonlinearity=relu)",
    );
    expect(new LSTMCell(3, 4).toString()).toBe("LSTMCell(3→4)");
  });

  it("show their output sequence's shape in a model's summary", () => {
    class Classifier extends Module {
      gru = new GRU(28, 16, { batchFirst: true, bidirectional: true });
      head = new Dense(32, 10);
      forward(x: Variable): Variable {
        return this.head.forward(this.gru.forward(x).output);
      }
    }
    const table = new Classifier().summary([28, 28]);
    expect(table).toMatch(/gru \(GRU\) +\[\?, 28, 32\] +4,416\n/);
    expect(table).toMatch(/head \(Dense\) +\[\?, 28, 10\] +330\n/);
  });

  it("cells equal one step of the layer with the same weights", () => {
    const layer = new GRU(3, 4, { generator: new Generator(2) });
    const cell = new GRUCell(3, 4);
    cell.loadStateDict(new Map([...layer.stateDict()].map(([k, v]) => [k.replace("_l0", ""), v])));
    const x = normal([1, 2, 3], 3);
    const h = normal([1, 2, 4], 4);
    const fromLayer = layer.forward(x, { h0: h }).h.value;
    const fromCell = cell.forward(
      tensor(Array.from(x.data), [2, 3], "float64"),
      tensor(Array.from(h.data), [2, 4], "float64"),
    ).value;
    expect(maxAbsDiff(fromCell, tensor(Array.from(fromLayer.data), [2, 4], "float64"))).toBeLessThan(1e-6);
  });
});

describe("training in float32", () => {
  it.each(["LSTM", "GRU"] as const)(
    "%s learns to recall the first of 6 inputs at the last step (gradient through every step)",
    (kind) => {
      const gen = new Generator(1);
      const layer = make(kind, 1, 12, {});
      const head = new Dense(12, 1, { generator: gen, init: "xavier" });
      const parameters = [...layer.parameters(), ...head.parameters()];
      const losses: number[] = [];
      for (let step = 0; step < 300; step++) {
        const x = randn([6, 32, 1], { generator: gen });
        const error = sub(
          head.forward(reshape(run(layer, x).h, [32, 12])),
          reshape(slice(x, [0, 0, 0], [1, 32, 1]), [32, 1]),
        );
        const loss = mean(mul(error, error));
        for (const p of parameters) p.zeroGrad();
        loss.backward();
        for (const p of parameters) {
          const [w, g] = [p.value.data, p.grad!.data];
          for (let i = 0; i < w.length; i++) w[i] = w[i]! - 0.3 * g[i]!;
        }
        losses.push(loss.item());
      }
      const average = (from: number, to: number): number =>
        losses.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
      // x_0 ~ N(0, 1): predicting 0 costs 1, and so does a model whose gradient does not reach
      // step 0; the last 50 steps must do far better.
      expect(average(0, 50)).toBeGreaterThan(0.8);
      expect(average(250, 300)).toBeLessThan(0.5);
    },
  );
});

describe("recurrent layers: errors", () => {
  const lstm = new LSTM(3, 4, { numLayers: 2 });
  const cases: [string, () => unknown, string][] = [
    [
      "a sequence of the wrong rank",
      () => lstm.forward(zeros([5, 3])),
      "LSTM(3→4, numLayers=2): input has shape [5,3], expected [T, B, 3] (add a batch axis of 1 for a single sequence)",
    ],
    [
      "a sequence of the wrong feature size",
      () => new GRU(3, 4, { batchFirst: true }).forward(zeros([2, 5, 4])),
      "GRU(3→4, batchFirst): input has shape [2,5,4], expected [B, T, 3] (batchFirst)",
    ],
    [
      "an array as input",
      () => lstm.forward([[1, 2, 3]] as unknown as Tensor),
      "LSTM(3→4, numLayers=2): input must be a Variable or Tensor [T, B, 3], got an array of length 1",
    ],
    [
      "lengths longer than the sequence",
      () => lstm.forward(zeros([5, 2, 3]), { lengths: [5, 6] }),
      "LSTM(3→4, numLayers=2): lengths[1] is 6, expected an integer from 1 to the sequence length 5",
    ],
    [
      "a zero length",
      () => lstm.forward(zeros([5, 2, 3]), { lengths: [0, 5] }),
      "LSTM(3→4, numLayers=2): lengths[0] is 0, expected an integer from 1 to the sequence length 5",
    ],
    [
      "lengths of the wrong count",
      () => lstm.forward(zeros([5, 2, 3]), { lengths: [5, 4, 3] }),
      "LSTM(3→4, numLayers=2): lengths has 3 entries, expected one per sequence (B = 2)",
    ],
    [
      "float lengths",
      () => lstm.forward(zeros([5, 2, 3]), { lengths: tensor([5, 4]) }),
      "LSTM(3→4, numLayers=2): lengths must be a number[] or a 1-D int32 Tensor of 2 entries, got a float32 Tensor of shape [2]",
    ],
    [
      "unsorted lengths with enforceSorted",
      () => lstm.forward(zeros([5, 3, 3]), { lengths: [5, 3, 4], enforceSorted: true }),
      "LSTM(3→4, numLayers=2): lengths are not sorted longest first (lengths[1] = 3, lengths[2] = 4) and enforceSorted is set: sort the batch by length, or leave enforceSorted unset",
    ],
    [
      "an initial state of the wrong shape",
      () => lstm.forward(zeros([5, 2, 3]), { h0: zeros([1, 2, 4]) }),
      "LSTM(3→4, numLayers=2): h0 has shape [1,2,4], expected [2,2,4]",
    ],
    [
      "a cell state of the wrong shape",
      () => lstm.forward(zeros([5, 2, 3]), { c0: zeros([2, 2, 3]) }),
      "LSTM(3→4, numLayers=2): c0 has shape [2,2,3], expected [2,2,4]",
    ],
    [
      "c0 for a GRU",
      () => new GRU(3, 4).forward(zeros([5, 2, 3]), { c0: zeros([1, 2, 4]) } as object),
      "GRU.forward: unknown option 'c0'; expected one of h0, lengths, enforceSorted",
    ],
    ["a bad hidden size", () => new GRU(3, 0), "GRU: hiddenSize must be a positive integer, got 0"],
    [
      "a dropout above 1",
      () => new LSTM(3, 4, { dropout: 1.5 }),
      "LSTM: dropout must be a probability in [0, 1], got 1.5",
    ],
    [
      "PyTorch's option spelling",
      () => new LSTM(3, 4, { num_layers: 2 } as RecurrentOptions),
      "LSTM: unknown option 'num_layers' (did you mean 'numLayers'?); expected one of numLayers, bias, batchFirst, bidirectional, dropout, generator",
    ],
    [
      "an unknown nonlinearity",
      () => new RNN(3, 4, { nonlinearity: "sigmoid" as "tanh" }),
      'RNN: nonlinearity must be "tanh" or "relu", got "sigmoid"',
    ],
    [
      "a cell input of the wrong size",
      () => new LSTMCell(3, 4).forward(zeros([2, 5])),
      "LSTMCell(3→4): input has shape [2,5], expected [B, 3]",
    ],
    [
      "a cell state of the wrong batch",
      () => new GRUCell(3, 4).forward(zeros([2, 3]), zeros([3, 4])),
      "GRUCell(3→4): h has shape [3,4], expected [2,4]",
    ],
    [
      "an LSTM cell state without c",
      () => new LSTMCell(3, 4).forward(zeros([2, 3]), { h: zeros([2, 4]) } as { h: Tensor; c: Tensor }),
      "LSTMCell(3→4): state must be { h, c }, each [B, 4], got an object",
    ],
  ];
  it.each(cases)("%s", (_, fn, message) => {
    expect(fn).toThrowError(new Error(message));
  });
});
