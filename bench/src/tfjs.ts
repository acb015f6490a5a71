import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { timeCall, timeLossRuns, timeRuns } from "./measure.js";
import type { Mnist } from "./mnist.js";
import { type Cell, type Cells, type EpochRow, epochDetail, errorText, type RowGroup, rowKey } from "./results.js";
import { ceShapes, cnn, gemmShapes, lstm, mlp, mlpAdam } from "./workloads.js";

export type TfjsBackend = "cpu" | "wasm";

/**
 * Selects a tfjs backend: "cpu" (plain JS) or "wasm" (XNNPACK, SIMD). The wasm backend runs
 * single-threaded (WASM_HAS_MULTITHREAD_SUPPORT off), like every other peer here.
 */
async function useBackend(backend: TfjsBackend): Promise<void> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to initialise`);
  await tf.ready();
}

/** The micro-benchmarks (sgemm, softmax cross-entropy) of the groups asked for, on one backend. */
export async function runTfjsMicro(
  backend: TfjsBackend,
  groups: ReadonlySet<RowGroup>,
  log: (s: string) => void,
): Promise<Cells> {
  await useBackend(backend);
  const cells: Cells = new Map();

  for (const s of groups.has("gemm") ? gemmShapes : []) {
    const a = tf.randomUniform(s.transposeA ? [s.k, s.m] : [s.m, s.k], -1, 1, "float32", 1);
    const b = tf.randomUniform(s.transposeB ? [s.n, s.k] : [s.k, s.n], -1, 1, "float32", 2);
    const ms = timeCall(() => {
      const c = tf.matMul(a, b, s.transposeA, s.transposeB);
      c.dataSync();
      c.dispose();
    });
    tf.dispose([a, b]);
    cells.set(rowKey.gemm(s.label), { value: (2 * s.m * s.n * s.k) / ms / 1e6 });
    log(`tfjs-${backend} sgemm ${s.label}: ${((2 * s.m * s.n * s.k) / ms / 1e6).toFixed(1)} GFLOP/s`);
  }

  for (const s of groups.has("ce") ? ceShapes : []) {
    const logits = tf.randomNormal([s.batch, s.classes], 0, 1, "float32", 3);
    const labels = tf.oneHot(tf.randomUniform([s.batch], 0, s.classes, "int32", 4), s.classes);
    const f = tf.valueAndGrad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, z));
    const ms = timeCall(() => {
      const { value, grad } = f(logits);
      value.dataSync();
      grad.dataSync();
      tf.dispose([value, grad]);
    });
    tf.dispose([logits, labels]);
    cells.set(rowKey.ce(s.label), { value: ms * 1000 });
    log(`tfjs-${backend} softmax-CE ${s.label}: ${(ms * 1000).toFixed(0)} µs`);
  }
  return cells;
}

/**
 * One epoch workload on one backend (run by epoch.ts in a process of its own). The cnn-bn epoch is
 * not run: tfjs-wasm has no Conv2DBackpropFilter kernel, and tfjs-cpu, 60× slower than Nabla on
 * the 1,000-image CNN, would take most of an hour over 60,000 images.
 */
export async function runTfjsEpoch(
  backend: TfjsBackend,
  row: EpochRow,
  data: Mnist,
  log: (s: string) => void,
): Promise<Cell> {
  await useBackend(backend);
  switch (row) {
    case "mlp":
      return trainMlp(data, log, backend, "sgd");
    case "mlp-adam":
      return trainMlp(data, log, backend, "adam");
    case "cnn":
      return trainCnn(data, log, backend);
    case "cnn-bn":
      return { note: backend === "wasm" ? "not run (no Conv2DBackpropFilter)" : "not run (too slow: ~1 h)" };
    case "lstm":
      return trainLstm(data, log, backend);
  }
}

/**
 * Training batch i..i+size as tensors made from the shared arrays, as a tfjs user feeds batches.
 * (Slicing one big tensor of all images instead is pathological on the wasm backend: a 64-row
 * slice of the 60,000×784 tensor took ~0.8 s here.)
 */
function batch(data: Mnist, i: number, size: number, shape: number[]): { xb: tf.Tensor; yb: tf.Tensor } {
  const xb = tf.tensor(data.trainImages.subarray(i * 784, (i + size) * 784), shape);
  const yb = tf.oneHot(tf.tensor1d(data.trainLabels.subarray(i, i + size), "int32"), 10);
  return { xb, yb };
}

function heNormal(shape: [number, number], seed: number): tf.Variable {
  return tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / shape[0]), "float32", seed));
}

function trainMlp(data: Mnist, log: (s: string) => void, backend: TfjsBackend, optimizer: "sgd" | "adam"): Cell {
  const spec = optimizer === "sgd" ? mlp : mlpAdam;
  const n = data.trainLabels.length;
  const xTest = tf.tensor2d(data.testImages, [data.testLabels.length, 784]);
  const epoch = (): number => {
    const w1 = heNormal([784, spec.hidden], 5);
    const b1 = tf.variable(tf.zeros([spec.hidden]));
    const w2 = heNormal([spec.hidden, 10], 6);
    const b2 = tf.variable(tf.zeros([10]));
    const forward = (xb: tf.Tensor): tf.Tensor => tf.relu(xb.matMul(w1).add(b1)).matMul(w2).add(b2);
    const opt = optimizer === "sgd" ? tf.train.sgd(spec.lr) : tf.train.adam(spec.lr);
    for (let i = 0; i < n; i += spec.batch) {
      const size = Math.min(spec.batch, n - i);
      tf.tidy(() => {
        const { xb, yb } = batch(data, i, size, [size, 784]);
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)) as tf.Scalar);
      });
    }
    const accuracy = tf.tidy(() => {
      const predicted = forward(xTest).argMax(1).dataSync();
      let correct = 0;
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === data.testLabels[i]) correct++;
      return correct / predicted.length;
    });
    tf.dispose([w1, b1, w2, b2]);
    opt.dispose();
    return accuracy;
  };
  const { ms, runs, result } = timeRuns(spec.runs, epoch);
  xTest.dispose();
  log(
    `tfjs-${backend} MLP (${optimizer}) epoch: ${(ms / 1000).toFixed(2)} s, test accuracy ${(result * 100).toFixed(1)}%`,
  );
  return { value: ms / 1000, detail: epochDetail(n, ms, runs, result) };
}

function trainCnn(data: Mnist, log: (s: string) => void, backend: TfjsBackend): Cell {
  const n = cnn.images;
  const flat = cnn.filters * 27 * 27;
  const epoch = (): number => {
    const filter = tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 1, cnn.filters], 0, Math.sqrt(2 / 9), "float32", 7));
    const bias = tf.variable(tf.zeros([cnn.filters]));
    const w = tf.variable(tf.randomNormal([flat, 10], 0, Math.sqrt(2 / flat), "float32", 8));
    const b = tf.variable(tf.zeros([10]));
    const opt = tf.train.sgd(cnn.lr);
    let loss = 0;
    try {
      for (let i = 0; i < n; i += cnn.batch) {
        const size = Math.min(cnn.batch, n - i);
        tf.tidy(() => {
          const { xb, yb } = batch(data, i, size, [size, 28, 28, 1]);
          const cost = opt.minimize(() => {
            const h = tf.maxPool(
              tf.relu(tf.conv2d(xb as tf.Tensor4D, filter, 1, "same").add<tf.Tensor4D>(bias)),
              2,
              1,
              "valid",
            );
            return tf.losses.softmaxCrossEntropy(yb, h.reshape([size, flat]).matMul(w).add(b)) as tf.Scalar;
          }, true);
          loss = cost!.dataSync()[0]!;
        });
      }
    } finally {
      tf.dispose([filter, bias, w, b]);
      opt.dispose();
    }
    return loss;
  };
  return timeTraining(`tfjs-${backend} CNN epoch`, cnn.runs, epoch, log);
}

/** tf.layers' LSTM, initialised as PyTorch and Nabla do (uniform ±1/√hidden), and Dense, trained with tf.train.adam. */
export function trainLstm(data: Mnist, log: (s: string) => void, backend: TfjsBackend): Cell {
  const limit = 1 / Math.sqrt(lstm.hidden);
  const uniform = (seed: number): ReturnType<typeof tf.initializers.randomUniform> =>
    tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed });
  const epoch = (): number => {
    const model = tf.sequential({
      layers: [
        tf.layers.lstm({
          units: lstm.hidden,
          inputShape: [28, 28],
          kernelInitializer: uniform(9),
          recurrentInitializer: uniform(10),
          biasInitializer: uniform(11),
        }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const opt = tf.train.adam(lstm.lr);
    let loss = 0;
    try {
      for (let i = 0; i < lstm.images; i += lstm.batch) {
        const size = Math.min(lstm.batch, lstm.images - i);
        tf.tidy(() => {
          const { xb, yb } = batch(data, i, size, [size, 28, 28]);
          const cost = opt.minimize(
            () => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar,
            true,
          );
          loss = cost!.dataSync()[0]!;
        });
      }
    } finally {
      model.dispose();
      opt.dispose();
    }
    return loss;
  };
  return timeTraining(`tfjs-${backend} LSTM epoch`, lstm.runs, epoch, log);
}

/** Times a training row that reports its last loss; a throw becomes a "fails" cell. */
function timeTraining(what: string, runs: number, epoch: () => number, log: (s: string) => void): Cell {
  try {
    const cell = timeLossRuns(runs, epoch);
    log(`${what}: ${cell.value!.toFixed(2)} s`);
    return cell;
  } catch (e) {
    log(`${what} fails: ${errorText(e)}`);
    return { note: `fails: ${errorText(e)}` };
  }
}

export const tfjsVersion: string = tf.version.tfjs;
