import { accessSync, constants } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CosineAnnealingLR,
  DataLoader,
  ensureDirectory,
  exportOnnx,
  formatShape,
  type History,
  LambdaCallback,
  loadMnist,
  type Mnist,
  manualSeed,
  saveOnnx,
  softmaxCrossEntropy,
  Tensor,
  TensorDataset,
  Trainer,
  writeFileAtomic,
} from "nabla/node";
import { defaultLr, type Options, parseArgs, USAGE, UsageError } from "./cli.js";
import { MODELS, type ModelSpec } from "./models.js";
import { OPTIMIZER_BUILDERS } from "./optimizers.js";
import { argmaxRows, confusionMatrix, drawMistakes, formatConfusionMatrix, trainingChartSvg } from "./report.js";
import { checkpointProblem, RunFlags } from "./resume.js";

/** examples/mnist/out, whether this runs from dist/ or from src/. */
const DEFAULT_OUT = fileURLToPath(new URL("../out", import.meta.url));

/**
 * Images per forward pass when evaluating and predicting. Small batches keep the convolutions'
 * buffers in cache: evaluating the cnn on 5,000 images took 1.9 s in batches of 64, 3.0 s in
 * batches of 128 and 8-10 s in batches of 500-1000 (the MLP hardly cares: 0.3-0.5 s either way).
 */
const EVAL_BATCH_SIZE = 64;

/**
 * Exit codes: 0 done (or nothing left to train), 1 training or writing failed, 2 bad command line,
 * unusable data or output folder, or a checkpoint that cannot be resumed with these flags.
 */
async function main(argv: readonly string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}; run with --help for usage`, 2);
    throw e;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  const outDir = resolve(options.out ?? DEFAULT_OUT);
  try {
    ensureDirectory(outDir);
    accessSync(outDir, constants.W_OK);
  } catch (e) {
    return fail(`cannot write to the output folder ${outDir}: ${(e as Error).message}`, 2);
  }

  const spec = MODELS[options.model];
  let data: Mnist;
  try {
    // [N,784] for the MLP, [N,1,28,28] (NCHW) for the convolutional nets.
    data = loadMnist({ dir: options.data, limitTrain: options.limit, flatten: spec.inputShape.length === 1 });
  } catch (e) {
    return fail(`cannot load MNIST: ${(e as Error).message}`, 2);
  }
  data = {
    train: { ...data.train, images: asInput(data.train.images, spec) },
    test: { ...data.test, images: asInput(data.test.images, spec) },
  };

  const lr = options.lr ?? defaultLr(options.model, options.optimizer);
  // One seed drives everything: the initial weights, then (drawn from the same generator) the
  // shuffling loader's own seed.
  const model = spec.build(manualSeed(options.seed));
  const optimizer = OPTIMIZER_BUILDERS[options.optimizer](model.parameters(), lr);
  const scheduler =
    options.schedule === "cosine" ? new CosineAnnealingLR(optimizer, { tMax: options.epochs }) : undefined;
  const train = new DataLoader(new TensorDataset(data.train.images, data.train.labels), {
    batchSize: options.batchSize,
    shuffle: true,
  });
  const test = new DataLoader(new TensorDataset(data.test.images, data.test.labels), { batchSize: EVAL_BATCH_SIZE });
  const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer, scheduler });
  const checkpoint = join(outDir, `mnist-${options.model}.safetensors`);
  if (options.exportOnnx !== undefined) {
    // Refuse a model the exporter cannot write now, not after the minutes of training.
    try {
      exportOnnx(model, { inputShape: spec.inputShape });
    } catch (e) {
      return fail(`--export-onnx: ${(e as Error).message}`, 2);
    }
  }
  if (options.resume !== undefined) {
    const problem = checkpointProblem(options.resume, options.model);
    if (problem !== undefined) return fail(`cannot resume from ${options.resume}: ${problem}`, 2);
  }

  const trainCount = data.train.labels.size;
  const testCount = data.test.labels.size;
  console.log(`MNIST: ${count(trainCount)} training images, ${count(testCount)} test images`);
  console.log(`Model: ${options.model}, ${spec.description}, ${count(model.numParameters())} parameters`);
  console.log(
    `Training: ${options.optimizer}, lr ${lr} (${options.schedule === "cosine" ? "cosine-annealed to 0" : "constant"}), batch size ${options.batchSize}, ${options.epochs} epoch${options.epochs === 1 ? "" : "s"}, seed ${options.seed}`,
  );
  console.log(`After each epoch: loss and accuracy on all ${count(testCount)} test images ("val")\n`);

  const started = performance.now();
  let epochsRun = 0;
  const callbacks = [
    new RunFlags(options, lr, options.resume),
    new LambdaCallback({ onEpochBegin: () => void epochsRun++ }),
  ];
  let history: History;
  try {
    history = await trainer.fit(train, {
      epochs: options.epochs,
      validation: test,
      checkpoint: { path: checkpoint },
      resumeFrom: options.resume,
      callbacks,
    });
  } catch (e) {
    // Failing before the first epoch of a resume means the checkpoint did not fit these flags.
    if (options.resume !== undefined && epochsRun === 0)
      return fail(`${(e as Error).message}; resume with the flags that started the run`, 2);
    return fail((e as Error).message, 1);
  }
  const seconds = (performance.now() - started) / 1000;
  if (epochsRun === 0) {
    console.log(
      options.schedule === "constant"
        ? "Nothing was trained: pass a larger --epochs to continue this run."
        : "Nothing was trained: this run is complete (its cosine schedule has annealed to 0); for a longer one, start anew with more --epochs.",
    );
    return 0;
  }

  const logits = trainer.predict(data.test.images, { batchSize: EVAL_BATCH_SIZE });
  const predicted = argmaxRows(logits);
  let correct = 0;
  for (let i = 0; i < testCount; i++) if (predicted[i] === data.test.labels.data[i]) correct++;
  // Epochs restored from a checkpoint carry no timings (they would make checkpoints irreproducible).
  const perEpoch = history.epochs
    .map((e) => (Number.isFinite(e.seconds) ? `${e.seconds.toFixed(1)}s` : "resumed"))
    .join(", ");
  console.log(
    `\nTest accuracy: ${((100 * correct) / testCount).toFixed(2)}% (${count(correct)}/${count(testCount)}) ` +
      `after ${history.length} epoch${history.length === 1 ? "" : "s"}${epochsRun < history.length ? ` (${epochsRun} in this run)` : ""} ` +
      `in ${seconds.toFixed(1)}s (per epoch: ${perEpoch})`,
  );

  console.log("\nConfusion matrix on the test set (rows: true digit, columns: predicted digit)");
  console.log(formatConfusionMatrix(confusionMatrix(data.test.labels.data, predicted, 10), 10));
  console.log("\nThe test digits the model got wrong most confidently:");
  console.log(drawMistakes(data.test.images, data.test.labels, logits, 6));

  const chart = join(outDir, `training-${options.model}.svg`);
  try {
    writeFileAtomic(chart, [
      Buffer.from(trainingChartSvg(history.epochs, `MNIST ${options.model}: training loss and test accuracy`)),
    ]);
  } catch (e) {
    return fail(`${(e as Error).message}; the checkpoint ${show(checkpoint)} was saved`, 1);
  }
  console.log(`\nChart:      ${show(chart)}`);
  console.log(`Checkpoint: ${show(checkpoint)} (weights, optimizer and data-order state; resumable with --resume)`);
  if (options.exportOnnx !== undefined) {
    const onnx = resolve(options.exportOnnx);
    try {
      saveOnnx(model, onnx, { inputShape: spec.inputShape });
    } catch (e) {
      return fail(`${(e as Error).message}; the checkpoint ${show(checkpoint)} was saved`, 1);
    }
    console.log(`ONNX:       ${show(onnx)} (opset 17, dynamic batch; input "input", output "output": logits)`);
  }
  return 0;
}

/** The images [N, ...] as the model takes them, [N, ...spec.inputShape]: a view of the same pixels. */
function asInput(images: Tensor, spec: ModelSpec): Tensor {
  const shape = [images.shape[0]!, ...spec.inputShape];
  if (formatShape(shape) === formatShape(images.shape)) return images;
  if (images.size !== shape.reduce((a, b) => a * b, 1)) {
    throw new Error(
      `the images have shape ${formatShape(images.shape)}, which the model's input shape ${formatShape(shape)} cannot hold`,
    );
  }
  return new Tensor(images.data, shape);
}

function fail(message: string, code: number): number {
  console.error(`mnist: ${message.replace(/\s*\n\s*/g, " ")}`);
  return code;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A path relative to the current folder when it is inside it. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * `pnpm example:mnist | head -2` closes the pipe while training goes on. The reader has what it
 * wanted, so the run ends quietly with status 0, as `| head` users and `set -o pipefail` scripts
 * expect (checkpoints are written synchronously and atomically: none is left half-written). Any
 * other failure to print is an error.
 */
function quitWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

quitWhenReaderLeaves(process.stdout);
quitWhenReaderLeaves(process.stderr);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = fail(e instanceof Error ? e.message : String(e), 1);
  },
);
