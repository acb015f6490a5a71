import { jsKernels, kernels, ones, setKernels, type Tensor, tensor, zeros } from "@nabla/tensor";
import { normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import {
  gradcheck,
  noGrad,
  type RecurrenceMode,
  recurrence,
  recurrenceSlabs,
  type Variable,
  variable,
} from "../src/index.js";

// `recurrence`, one direction of one recurrent layer as one graph node: its BPTT backward against
// central differences for every mode, direction, initial state and batch-size schedule.

const gates: Record<RecurrenceMode, number> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };

/** x [T,B,I], W_ih, W_hh, b_ih, b_hh, h0 (and c0) for a small problem. */
function problem(mode: RecurrenceMode, steps: number, batch: number, inputSize: number, hidden: number): Tensor[] {
  const gh = gates[mode] * hidden;
  const inputs = [
    normal([steps, batch, inputSize], 1),
    normal([gh, inputSize], 2, { scale: 0.6 }),
    normal([gh, hidden], 3, { scale: 0.6 }),
    normal([gh], 4, { scale: 0.5 }),
    normal([gh], 5, { scale: 0.5 }),
    normal([batch, hidden], 6, { scale: 0.5 }),
  ];
  return mode === "lstm" ? [...inputs, normal([batch, hidden], 7, { scale: 0.5 })] : inputs;
}

const modes: RecurrenceMode[] = ["lstm", "gru", "rnnTanh", "rnnRelu"];

describe("recurrence gradients (BPTT) against central differences", () => {
  for (const mode of modes) {
    for (const reverse of [false, true]) {
      it(`${mode}${reverse ? ", reverse" : ""}: all steps, with an initial state`, () => {
        gradcheck(
          (x, wih, whh, bih, bhh, h0, c0) =>
            recurrence(mode, x, { weightIH: wih!, weightHH: whh!, biasIH: bih!, biasHH: bhh! }, { h0, c0, reverse }),
          problem(mode, 4, 3, 3, 2),
        );
      });
      it(`${mode}${reverse ? ", reverse" : ""}: batch sizes 3, 2, 2, 1, 0 (sequences of different lengths)`, () => {
        gradcheck(
          (x, wih, whh, bih, bhh, h0, c0) =>
            recurrence(
              mode,
              x,
              { weightIH: wih!, weightHH: whh!, biasIH: bih!, biasHH: bhh! },
              { h0, c0, reverse, batchSizes: [3, 2, 2, 1, 0] },
            ),
          problem(mode, 5, 3, 2, 3),
        );
      });
    }
    it(`${mode}: without biases or initial state`, () => {
      gradcheck(
        (x, wih, whh) => recurrence(mode, x, { weightIH: wih!, weightHH: whh! }),
        problem(mode, 3, 2, 3, 2).slice(0, 3),
      );
    });
  }
});

describe("recurrence", () => {
  it("returns the outputs, then the final h (and c), and the initial state for sequences with no step", () => {
    const [x, wih, whh, bih, bhh, h0, c0] = problem("lstm", 3, 2, 2, 2);
    const slabs = noGrad(() =>
      recurrence(
        "lstm",
        x!,
        { weightIH: wih!, weightHH: whh!, biasIH: bih!, biasHH: bhh! },
        { h0, c0, batchSizes: [1, 1, 0] },
      ),
    );
    expect(slabs.shape).toEqual([recurrenceSlabs("lstm", 3), 2, 2]);
    const at = (slab: number, row: number): number[] =>
      Array.from(slabs.value.data.subarray((slab * 2 + row) * 2, (slab * 2 + row + 1) * 2));
    // Row 0 runs two steps: its final h is its second output; its third output is padding.
    expect(at(3, 0)).toEqual(at(1, 0));
    expect(at(2, 0)).toEqual([0, 0]);
    // Row 1 has no step: zeros out, h0 and c0 through.
    for (const t of [0, 1, 2]) expect(at(t, 1)).toEqual([0, 0]);
    expect(at(3, 1)).toEqual(Array.from(h0!.data.subarray(2, 4)));
    expect(at(4, 1)).toEqual(Array.from(c0!.data.subarray(2, 4)));
  });

  it("in float32 agrees with float64 to float32 precision", () => {
    const f64 = problem("gru", 6, 4, 5, 8);
    const run = (ts: Tensor[]): Float64Array => {
      const [x, wih, whh, bih, bhh, h0] = ts.map((t) => variable(t, { requiresGrad: true }));
      const slabs = recurrence("gru", x!, { weightIH: wih!, weightHH: whh!, biasIH: bih!, biasHH: bhh! }, { h0: h0! });
      slabs.backward(ones(slabs.shape, slabs.dtype));
      return Float64Array.from([...slabs.value.data, ...(wih!.grad!.data as Iterable<number>)]);
    };
    const want = run(f64);
    const got = run(f64.map((t) => tensor(Array.from(t.data), t.shape, "float32")));
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!)));
  });

  it("dispatches the gate arithmetic through the active kernels", () => {
    const calls: string[] = [];
    const spy = { ...jsKernels, name: "spy" };
    for (const name of [
      "lstmCell",
      "lstmCellBackward",
      "gruCell",
      "gruCellBackward",
      "rnnCell",
      "rnnCellBackward",
    ] as const) {
      const original = jsKernels[name] as (...args: never[]) => void;
      Object.assign(spy, { [name]: (...args: never[]) => (calls.push(name), original(...args)) });
    }
    const previous = kernels;
    setKernels(spy);
    try {
      for (const mode of modes) {
        const [x, wih, whh] = problem(mode, 2, 1, 1, 1).map((t) => variable(t, { requiresGrad: true }));
        const slabs = recurrence(mode, x!, { weightIH: wih!, weightHH: whh! });
        slabs.backward(zeros(slabs.shape, "float64"));
      }
    } finally {
      setKernels(previous);
    }
    expect(calls).toEqual([
      "lstmCell",
      "lstmCell",
      "lstmCellBackward",
      "lstmCellBackward",
      "gruCell",
      "gruCell",
      "gruCellBackward",
      "gruCellBackward",
      "rnnCell",
      "rnnCell",
      "rnnCellBackward",
      "rnnCellBackward",
      "rnnCell",
      "rnnCell",
      "rnnCellBackward",
      "rnnCellBackward",
    ]);
  });

  it("gives one Variable passed as h0 and c0 the sum of both gradients", () => {
    const [x, wih, whh] = problem("lstm", 2, 1, 1, 1);
    const weights = { weightIH: wih!, weightHH: whh! };
    const seed = tensor([[[0]], [[0]], [[1]], [[1]]], undefined, "float64");
    const state = (): Variable => variable(tensor([[0.3]], undefined, "float64"), { requiresGrad: true });
    const both = state();
    recurrence("lstm", x!, weights, { h0: both, c0: both }).backward(seed);
    const asH = state();
    recurrence("lstm", x!, weights, { h0: asH, c0: asH.value }).backward(seed);
    const asC = state();
    recurrence("lstm", x!, weights, { h0: asC.value, c0: asC }).backward(seed);
    expect(asH.grad!.item()).not.toBe(0);
    expect(asC.grad!.item()).not.toBe(0);
    expect(both.grad!.item()).toBeCloseTo(asH.grad!.item() + asC.grad!.item(), 15);
  });

  const w = (rows: number, cols?: number): Variable => variable(zeros(cols === undefined ? [rows] : [rows, cols]));
  const cases: [string, () => unknown, string][] = [
    [
      "a 2-D input",
      () => recurrence("lstm", zeros([3, 2]), { weightIH: w(8, 2), weightHH: w(8, 2) }),
      "recurrence: input must be [T, B, I], got shape [3,2]",
    ],
    [
      "W_ih of the wrong width",
      () => recurrence("lstm", zeros([3, 2, 5]), { weightIH: w(8, 2), weightHH: w(8, 2) }),
      "recurrence: weightIH must have shape [8,5], got [8,2]",
    ],
    [
      "W_hh with rows for another mode",
      () => recurrence("gru", zeros([3, 2, 2]), { weightIH: w(8, 2), weightHH: w(8, 2) }),
      "recurrence: weightIH must have shape [6,2], got [8,2]",
    ],
    [
      "h0 of the wrong batch",
      () => recurrence("rnnTanh", zeros([3, 2, 2]), { weightIH: w(2, 2), weightHH: w(2, 2) }, { h0: zeros([3, 2]) }),
      "recurrence: h0 must have shape [2,2], got [3,2]",
    ],
    [
      "c0 outside an LSTM",
      () => recurrence("gru", zeros([3, 2, 2]), { weightIH: w(6, 2), weightHH: w(6, 2) }, { c0: zeros([2, 2]) }),
      'recurrence: c0 is an LSTM\'s cell state; mode "gru" has none',
    ],
    [
      "increasing batch sizes",
      () =>
        recurrence("rnnTanh", zeros([3, 2, 2]), { weightIH: w(2, 2), weightHH: w(2, 2) }, { batchSizes: [1, 2, 2] }),
      "recurrence: batchSizes must be non-increasing integers in [0, 2], got 2 at step 1 after 1",
    ],
    [
      "a batch-size count per step",
      () => recurrence("rnnTanh", zeros([3, 2, 2]), { weightIH: w(2, 2), weightHH: w(2, 2) }, { batchSizes: [2, 2] }),
      "recurrence: batchSizes must have one count per step (3), got 2",
    ],
    [
      "an unknown mode",
      () => recurrence("lstmp" as RecurrenceMode, zeros([3, 2, 2]), { weightIH: w(2, 2), weightHH: w(2, 2) }),
      'recurrence: mode must be "lstm", "gru", "rnnTanh" or "rnnRelu", got "lstmp"',
    ],
  ];
  it.each(cases)("rejects %s with a clear message", (_, fn, message) => {
    expect(fn).toThrowError(new Error(message));
  });
});
