import * as nabla from "nabla";
import * as nablaKernels from "nabla/kernels";
import { timeCall, timeLossRuns, timeRuns } from "./measure.js";
import type { Mnist } from "./mnist.js";
import { type Cell, type Cells, type EpochRow, epochDetail, errorText, type RowGroup, rowKey } from "./results.js";
import { ceShapes, cnn, cnnBn, gemmShapes, lstm, mlp, mlpAdam } from "./workloads.js";

export interface NablaMicroResult {
  /** The default kernels' name ("wasm", "js"). */
  readonly backend: string;
  /** Nabla with its default kernels. */
  readonly cells: Cells;
  /** Nabla with the pure TypeScript kernels (sgemm rows only): what the wasm backend buys. */
  readonly jsCells: Cells;
  /** Nabla with a second thread for large sgemm (opt-in). */
  readonly twoThreadCells: Cells;
}

export const nablaBackend: string = nablaKernels.kernels.name;

/** Runs `work`, turning a throw into a "fails" cell: one broken workload must not sink the bench. */
function attempt(log: (s: string) => void, what: string, work: () => Cell): Cell {
  try {
    return work();
  } catch (e) {
    log(`nabla ${what} fails: ${errorText(e)}`);
    return { note: `fails: ${errorText(e)}` };
  }
}

/** The micro-benchmarks (sgemm, softmax cross-entropy) of the groups asked for, in this process. */
export function runNablaMicro(groups: ReadonlySet<RowGroup>, log: (s: string) => void): NablaMicroResult {
  const cells: Cells = new Map();
  const jsCells: Cells = new Map();
  const twoThreadCells: Cells = new Map();
  const backend = nablaBackend;
  // The Tensor-level matmul (no graph), the same thing tf.matMul and torch.mm are.
  for (const s of groups.has("gemm") ? gemmShapes : []) {
    const key = rowKey.gemm(s.label);
    const generator = new nabla.Generator(1);
    const a = nabla.rand(s.transposeA ? [s.k, s.m] : [s.m, s.k], { generator, low: -1, high: 1 });
    const b = nabla.rand(s.transposeB ? [s.n, s.k] : [s.k, s.n], { generator, low: -1, high: 1 });
    const gflops = (ms: number): number => (2 * s.m * s.n * s.k) / ms / 1e6;
    const run = (): Cell => {
      const ms = timeCall(() => nabla.tensorOps.matmul(a, b, { transposeA: s.transposeA, transposeB: s.transposeB }));
      return { value: gflops(ms) };
    };
    cells.set(key, attempt(log, `sgemm ${s.label}`, run));
    const active = nablaKernels.kernels;
    nablaKernels.setKernels(nablaKernels.jsKernels);
    try {
      jsCells.set(key, attempt(log, `sgemm ${s.label} (js)`, run));
    } finally {
      nablaKernels.setKernels(active);
    }
    nabla.setThreads(2);
    try {
      twoThreadCells.set(key, attempt(log, `sgemm ${s.label} (2 threads)`, run));
    } finally {
      nabla.setThreads(1);
    }
    log(
      `nabla sgemm ${s.label}: ${show(cells.get(key))} GFLOP/s (${backend}), ${show(jsCells.get(key))} (js), ${show(twoThreadCells.get(key))} (2 threads)`,
    );
  }

  for (const s of groups.has("ce") ? ceShapes : []) {
    const key = rowKey.ce(s.label);
    cells.set(
      key,
      attempt(log, `softmax-CE ${s.label}`, () => {
        const generator = new nabla.Generator(3);
        const logits = nabla.variable(nabla.randn([s.batch, s.classes], { generator }), { requiresGrad: true });
        const labels = nabla.randint(0, s.classes, [s.batch], { generator });
        const ms = timeCall(() => {
          logits.grad = null;
          nabla.softmaxCrossEntropy(logits, labels).backward();
        });
        return { value: ms * 1000 };
      }),
    );
    log(`nabla softmax-CE ${s.label}: ${show(cells.get(key))} µs`);
  }
  return { backend, cells, jsCells, twoThreadCells };
}

function show(cell: Cell | undefined): string {
  return cell?.value !== undefined ? cell.value.toFixed(1) : (cell?.note ?? "?");
}

/** One epoch workload of Nabla (run by epoch.ts in a process of its own); `threads` 2 is the opt-in worker. */
export function runNablaEpoch(row: EpochRow, data: Mnist, threads: 1 | 2, log: (s: string) => void): Cell {
  nabla.setThreads(threads);
  const train: Record<EpochRow, () => Cell> = {
    mlp: () => trainMlp(data, "sgd"),
    "mlp-adam": () => trainMlp(data, "adam"),
    cnn: () => trainCnn(data),
    "cnn-bn": () => trainCnnBn(data),
    lstm: () => trainLstm(data),
  };
  return attempt(log, `${row} epoch${threads === 2 ? " (2 threads)" : ""}`, train[row]);
}

function trainMlp(data: Mnist, optimizer: "sgd" | "adam"): Cell {
  const { Adam, Dense, ReLU, SGD, Sequential, softmaxCrossEntropy, tensor } = nabla;
  const spec = optimizer === "sgd" ? mlp : mlpAdam;
  const n = data.trainLabels.length;
  const xTest = tensor(data.testImages, [data.testLabels.length, 784]);
  const epoch = (): number => {
    nabla.manualSeed(0);
    const model = new Sequential(new Dense(784, spec.hidden), new ReLU(), new Dense(spec.hidden, 10));
    const opt =
      optimizer === "sgd"
        ? new SGD(model.parameters(), { lr: spec.lr })
        : new Adam(model.parameters(), { lr: spec.lr });
    for (let i = 0; i < n; i += spec.batch) {
      const size = Math.min(spec.batch, n - i);
      // Batches are views of the shared arrays (tensor() wraps a typed array of its dtype).
      const xb = tensor(data.trainImages.subarray(i * 784, (i + size) * 784), [size, 784]);
      const yb = data.trainLabels.subarray(i, i + size);
      opt.zeroGrad();
      softmaxCrossEntropy(model.forward(xb), yb).backward();
      opt.step();
    }
    const predicted = nabla.noGrad(() => nabla.argmax(model.forward(xTest).value, 1)).data;
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === data.testLabels[i]) correct++;
    return correct / predicted.length;
  };
  const { ms, runs, result } = timeRuns(spec.runs, epoch);
  return { value: ms / 1000, detail: epochDetail(n, ms, runs, result) };
}

function trainCnn(data: Mnist): Cell {
  const { Conv2d, Dense, Flatten, MaxPool2d, ReLU, SGD, Sequential, softmaxCrossEntropy, tensor } = nabla;
  const epoch = (): number => {
    nabla.manualSeed(0);
    const model = new Sequential(
      new Conv2d(1, cnn.filters, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2, { stride: 1 }),
      new Flatten(),
      new Dense(cnn.filters * 27 * 27, 10),
    );
    const opt = new SGD(model.parameters(), { lr: cnn.lr });
    let loss = 0;
    for (let i = 0; i < cnn.images; i += cnn.batch) {
      const size = Math.min(cnn.batch, cnn.images - i);
      const xb = tensor(data.trainImages.subarray(i * 784, (i + size) * 784), [size, 1, 28, 28]);
      opt.zeroGrad();
      const l = softmaxCrossEntropy(model.forward(xb), data.trainLabels.subarray(i, i + size));
      l.backward();
      opt.step();
      loss = l.item();
    }
    return loss;
  };
  return timeLossRuns(cnn.runs, epoch);
}

/** examples/mnist's cnn-bn model, trained as workloads.ts's cnnBn says. */
function trainCnnBn(data: Mnist): Cell {
  const { BatchNorm1d, BatchNorm2d, Conv2d, Dense, Flatten, MaxPool2d, ReLU, SGD, Sequential } = nabla;
  const epoch = (): number => {
    nabla.manualSeed(0);
    const model = new Sequential(
      new Conv2d(1, 8, 5, { padding: 2, bias: false }),
      new BatchNorm2d(8),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(8, 16, 5, { bias: false }),
      new BatchNorm2d(16),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Dense(400, 120, { bias: false }),
      new BatchNorm1d(120),
      new ReLU(),
      new Dense(120, 10),
    );
    const opt = new SGD(model.parameters(), { lr: cnnBn.lr, momentum: cnnBn.momentum });
    let loss = 0;
    for (let i = 0; i < cnnBn.images; i += cnnBn.batch) {
      const size = Math.min(cnnBn.batch, cnnBn.images - i);
      const xb = nabla.tensor(data.trainImages.subarray(i * 784, (i + size) * 784), [size, 1, 28, 28]);
      opt.zeroGrad();
      const l = nabla.softmaxCrossEntropy(model.forward(xb), data.trainLabels.subarray(i, i + size));
      l.backward();
      opt.step();
      loss = l.item();
    }
    return loss;
  };
  const cell = timeLossRuns(cnnBn.runs, epoch);
  return { ...cell, detail: `${cell.detail}, ${samplesPerSecond(cnnBn.images, cell.value!)} samples/s` };
}

export function samplesPerSecond(samples: number, seconds: number): string {
  return Math.round(samples / seconds).toLocaleString("en-US");
}

function trainLstm(data: Mnist): Cell {
  const { Adam, Dense, LSTM, reshape, softmaxCrossEntropy, tensor } = nabla;
  const epoch = (): number => {
    nabla.manualSeed(0);
    const recurrent = new LSTM(28, lstm.hidden, { batchFirst: true });
    const head = new Dense(lstm.hidden, 10);
    const opt = new Adam([...recurrent.parameters(), ...head.parameters()], { lr: lstm.lr });
    let loss = 0;
    for (let i = 0; i < lstm.images; i += lstm.batch) {
      const size = Math.min(lstm.batch, lstm.images - i);
      const xb = tensor(data.trainImages.subarray(i * 784, (i + size) * 784), [size, 28, 28]);
      opt.zeroGrad();
      const { h } = recurrent.forward(xb);
      const l = softmaxCrossEntropy(
        head.forward(reshape(h, [size, lstm.hidden])),
        data.trainLabels.subarray(i, i + size),
      );
      l.backward();
      opt.step();
      loss = l.item();
    }
    return loss;
  };
  return timeLossRuns(lstm.runs, epoch);
}
