// Times a sequential-MNIST-like step: an LSTM (and a GRU) of 128 over 28 steps of 28 features,
// batch 64, forward + backward of a loss on the final hidden state. "composed" is the same LSTM
// built from the generic differentiable ops (one node per gate, product and slice per step);
// "fused" is the LSTM layer (one graph node per direction, fused gate kernels). Both run in this
// process on the same weights and inputs, interleaved, so load on the shared machine hits both,
// and so does the same step with the TypeScript gate kernels in place of the wasm ones.
// A script, not a test. Build first, then run:
//   pnpm build && (cd bench && node --expose-gc --conditions=source --import tsx src/recurrent-layers.ts [repeats])
import { loadavg } from "node:os";
import {
  add,
  Generator,
  GRU,
  LSTM,
  linear,
  matmul,
  mul,
  randn,
  reshape,
  sigmoid,
  slice,
  sum,
  Tensor,
  tanh,
  transpose,
  Variable,
} from "nabla";
import { jsKernels, type Kernels, kernels, setKernels } from "nabla/kernels";

const repeats = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20);
const [steps, batch, inputSize, hidden] = [28, 64, 28, 128];
const gen = new Generator(0);
const x = randn([steps, batch, inputSize], { generator: gen });
const w = randn([batch, hidden], { generator: gen });
const lstm = new LSTM(inputSize, hidden, { generator: gen });
const gru = new GRU(inputSize, hidden, { generator: gen });
const [wih, whh, bih, bhh] = lstm.parameters() as [Variable, Variable, Variable, Variable];

/** The LSTM from generic ops: one projection of all steps, then per step a product, four gates and the cell. */
function composedLstm(input: Tensor): Variable {
  const H = hidden;
  const projected = reshape(linear(reshape(input, [steps * batch, inputSize]), transpose(wih), add(bih, bhh)), [
    steps,
    batch,
    4 * H,
  ]);
  const whhT = transpose(whh);
  let h: Variable = new Variable(new Tensor(new Float32Array(batch * H), [batch, H]));
  let c: Variable = h;
  for (let t = 0; t < steps; t++) {
    const gates = add(reshape(slice(projected, [t, 0, 0], [t + 1, batch, 4 * H]), [batch, 4 * H]), matmul(h, whhT));
    const gate = (k: number): Variable => slice(gates, [0, k * H], [batch, (k + 1) * H]);
    c = add(mul(sigmoid(gate(1)), c), mul(sigmoid(gate(0)), tanh(gate(2))));
    h = mul(sigmoid(gate(3)), tanh(c));
  }
  return h;
}

/**
 * Median wall time of each run, the runs interleaved so that the machine's load hits all alike.
 * With --expose-gc, the heap is collected before each run, so that one run's garbage (the
 * composed LSTM leaves a lot) is not collected on the next one's time.
 */
function medians<Name extends string>(runs: Record<Name, () => void>): Record<Name, number> {
  const times = new Map<Name, number[]>();
  for (let r = 0; r < repeats + 2; r++) {
    for (const [name, run] of Object.entries(runs) as [Name, () => void][]) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = performance.now();
      run();
      if (r >= 2) times.set(name, [...(times.get(name) ?? []), performance.now() - t0]);
    }
  }
  const mid = (a: number[]): number => a.sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  return Object.fromEntries([...times].map(([name, t]) => [name, mid(t)])) as Record<Name, number>;
}

const step = (finalH: () => Variable) => () => {
  lstm.zeroGrad();
  gru.zeroGrad();
  sum(mul(finalH(), w)).backward();
};
const active = kernels;
// The same layers with the TypeScript reference for the gate arithmetic (the products stay wasm).
const tsGates: Kernels = {
  ...active,
  lstmCell: jsKernels.lstmCell,
  lstmCellBackward: jsKernels.lstmCellBackward,
  gruCell: jsKernels.gruCell,
};
const withTsGates = (run: () => void) => () => {
  setKernels(tsGates);
  run();
  setKernels(active);
};
const load0 = loadavg()[0]!;
const m = medians({
  composed: step(() => composedLstm(x)),
  fused: step(() => lstm.forward(x).h),
  fusedGru: step(() => gru.forward(x).h),
  tsGates: withTsGates(step(() => lstm.forward(x).h)),
  tsGatesGru: withTsGates(step(() => gru.forward(x).h)),
});

// Where the fused LSTM's time goes: the same step with every kernel call timed.
const spent = new Map<string, number>();
const timed = Object.fromEntries(
  Object.entries(kernels).map(([name, fn]) => [
    name,
    typeof fn !== "function"
      ? fn
      : (...args: unknown[]) => {
          const t0 = performance.now();
          (fn as (...a: unknown[]) => void)(...args);
          spent.set(name, (spent.get(name) ?? 0) + performance.now() - t0);
        },
  ]),
) as unknown as Kernels;
setKernels(timed);
const { total } = medians({ total: step(() => lstm.forward(x).h) });
setKernels(active);
const perStep = [...spent].map(([name, ms]) => `${name} ${(ms / (repeats + 2)).toFixed(1)} ms`).join(", ");

console.log(
  [
    `LSTM/GRU 28→128, T=${steps}, batch ${batch}, forward + backward, ${kernels.name} kernels, median of ${repeats}, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    `  LSTM composed from generic ops: ${m.composed.toFixed(1)} ms`,
    `  LSTM layer (fused):             ${m.fused.toFixed(1)} ms  (${(m.composed / m.fused).toFixed(1)}× faster)`,
    `  GRU layer (fused):              ${m.fusedGru.toFixed(1)} ms`,
    `  the same with the TypeScript gate kernels: LSTM ${m.tsGates.toFixed(1)} ms, GRU ${m.tsGatesGru.toFixed(1)} ms`,
    `  fused LSTM, kernels timed (${total.toFixed(1)} ms a step): ${perStep}`,
  ].join("\n"),
);
