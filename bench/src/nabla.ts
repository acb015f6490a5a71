import { timeCall, timeLossRuns, timeRuns } from "./measure.js";
import type { Mnist } from "./mnist.js";
import { type Cell, type Cells, errorText, rowKey } from "./results.js";
import { epochDetail } from "./tfjs.js";
import { ceShapes, cnn, gemmShapes, lstm, mlp } from "./workloads.js";

type Nabla = typeof import("nabla");
type NablaKernels = typeof import("nabla/kernels");

export interface NablaResult {
  /** The default kernels' name ("wasm", "js"), or null when Nabla did not load. */
  readonly backend: string | null;
  /** Nabla with its default kernels. */
  readonly cells: Cells;
  /** Nabla with the pure TypeScript kernels (sgemm rows only): what the wasm backend buys. */
  readonly jsCells: Cells;
  /** Nabla with a second thread for large sgemm (opt-in: sgemm, MLP and CNN rows). */
  readonly twoThreadCells: Cells;
}

/**
 * The exports a workload needs, or a cell saying which are missing. The bench runs at every stage
 * of Nabla's construction: a workload whose APIs do not exist yet reports "not available yet".
 */
function missing(nabla: Nabla, names: readonly string[]): Cell | null {
  const absent = names.filter((name) => !(name in nabla));
  return absent.length === 0 ? null : { note: `not available yet (no ${absent.join(", ")})` };
}

/** Runs `work`, turning a throw into a "fails" cell: one broken workload must not sink the bench. */
function attempt(log: (s: string) => void, what: string, work: () => Cell): Cell {
  try {
    return work();
  } catch (e) {
    log(`nabla ${what} fails: ${errorText(e)}`);
    return { note: `fails: ${errorText(e)}` };
  }
}

export async function runNabla(data: Mnist, log: (s: string) => void): Promise<NablaResult> {
  const cells: Cells = new Map();
  const jsCells: Cells = new Map();
  const twoThreadCells: Cells = new Map();
  let nabla: Nabla;
  let engine: NablaKernels;
  try {
    nabla = await import("nabla");
    engine = await import("nabla/kernels");
  } catch (e) {
    const note = { note: `not available yet (${errorText(e)})` };
    for (const s of gemmShapes) {
      cells.set(rowKey.gemm(s.label), note);
      jsCells.set(rowKey.gemm(s.label), note);
    }
    for (const s of ceShapes) cells.set(rowKey.ce(s.label), note);
    cells.set(rowKey.mlp, note);
    cells.set(rowKey.cnn, note);
    cells.set(rowKey.lstm, note);
    return { backend: null, cells, jsCells, twoThreadCells };
  }
  const backend = engine.kernels.name;

  const gemmNeeds = ["tensorOps", "rand", "Generator"];
  /** Re-runs of the thread-sensitive rows, made again with two threads below. */
  const rerun = new Map<string, () => Cell>();
  // The Tensor-level matmul (no graph), the same thing tf.matMul and torch.mm are.
  for (const s of gemmShapes) {
    const key = rowKey.gemm(s.label);
    const absent = missing(nabla, gemmNeeds);
    if (absent !== null) {
      cells.set(key, absent);
      jsCells.set(key, absent);
      continue;
    }
    const generator = new nabla.Generator(1);
    const a = nabla.rand(s.transposeA ? [s.k, s.m] : [s.m, s.k], { generator, low: -1, high: 1 });
    const b = nabla.rand(s.transposeB ? [s.n, s.k] : [s.k, s.n], { generator, low: -1, high: 1 });
    const gflops = (ms: number): number => (2 * s.m * s.n * s.k) / ms / 1e6;
    const run = (): Cell => {
      const ms = timeCall(() => nabla.tensorOps.matmul(a, b, { transposeA: s.transposeA, transposeB: s.transposeB }));
      return { value: gflops(ms) };
    };
    cells.set(key, attempt(log, `sgemm ${s.label}`, run));
    rerun.set(key, run);
    const active = engine.kernels;
    engine.setKernels(engine.jsKernels);
    try {
      jsCells.set(key, attempt(log, `sgemm ${s.label} (js)`, run));
    } finally {
      engine.setKernels(active);
    }
    log(`nabla sgemm ${s.label}: ${show(cells.get(key))} GFLOP/s (${backend}), ${show(jsCells.get(key))} (js)`);
  }

  for (const s of ceShapes) {
    const key = rowKey.ce(s.label);
    cells.set(
      key,
      missing(nabla, ["softmaxCrossEntropy", "variable", "randn", "randint", "Generator"]) ??
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

  cells.set(
    rowKey.mlp,
    missing(nabla, [
      "Sequential",
      "Dense",
      "ReLU",
      "SGD",
      "softmaxCrossEntropy",
      "tensor",
      "noGrad",
      "argmax",
      "manualSeed",
    ]) ?? attempt(log, "MLP epoch", () => trainMlp(nabla, data)),
  );
  log(`nabla MLP epoch: ${show(cells.get(rowKey.mlp))} s`);
  cells.set(
    rowKey.cnn,
    missing(nabla, [
      "Sequential",
      "Conv2d",
      "ReLU",
      "MaxPool2d",
      "Flatten",
      "Dense",
      "SGD",
      "softmaxCrossEntropy",
      "tensor",
      "manualSeed",
    ]) ?? attempt(log, "CNN epoch", () => trainCnn(nabla, data)),
  );
  log(`nabla CNN epoch: ${show(cells.get(rowKey.cnn))} s`);
  cells.set(
    rowKey.lstm,
    missing(nabla, ["LSTM", "Dense", "Adam", "softmaxCrossEntropy", "reshape", "tensor", "manualSeed"]) ??
      attempt(log, "LSTM epoch", () => trainLstm(nabla, data)),
  );
  log(`nabla LSTM epoch: ${show(cells.get(rowKey.lstm))} s`);

  rerun.set(rowKey.mlp, () => trainMlp(nabla, data));
  rerun.set(rowKey.cnn, () => trainCnn(nabla, data));
  engine.setThreads(2);
  try {
    for (const [key, run] of rerun) {
      if (cells.get(key)?.value === undefined) continue;
      twoThreadCells.set(key, attempt(log, `${key} (2 threads)`, run));
      log(`nabla ${key}, 2 threads: ${show(twoThreadCells.get(key))}`);
    }
  } finally {
    engine.setThreads(1);
  }
  return { backend, cells, jsCells, twoThreadCells };
}

function show(cell: Cell | undefined): string {
  return cell?.value !== undefined ? cell.value.toFixed(1) : (cell?.note ?? "?");
}

function trainMlp(nabla: Nabla, data: Mnist): Cell {
  const { Dense, ReLU, SGD, Sequential, softmaxCrossEntropy, tensor } = nabla;
  const n = data.trainLabels.length;
  const xTest = tensor(data.testImages, [data.testLabels.length, 784]);
  const epoch = (): number => {
    nabla.manualSeed(0);
    const model = new Sequential(new Dense(784, mlp.hidden), new ReLU(), new Dense(mlp.hidden, 10));
    const opt = new SGD(model.parameters(), { lr: mlp.lr });
    for (let i = 0; i < n; i += mlp.batch) {
      const size = Math.min(mlp.batch, n - i);
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
  const { ms, runs, result } = timeRuns(mlp.runs, epoch);
  return { value: ms / 1000, detail: epochDetail(n, ms, runs, result) };
}

function trainCnn(nabla: Nabla, data: Mnist): Cell {
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

export function trainLstm(nabla: Nabla, data: Mnist): Cell {
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
