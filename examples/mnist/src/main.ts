import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CosineAnnealingLR, DataLoader, type Mnist, Tensor, TensorDataset, Trainer, formatShape, loadMnist, manualSeed, saveOnnx, softmaxCrossEntropy } from "nabla";
import { type Options, USAGE, UsageError, defaultLr, parseArgs } from "./cli.js";
import { MODELS, type ModelSpec } from "./models.js";
import { OPTIMIZER_BUILDERS } from "./optimizers.js";
import { argmaxRows, confusionMatrix, drawMistakes, formatConfusionMatrix, trainingChartSvg } from "./report.js";

/** examples/mnist/out, whether this runs from dist/ or from src/. */
const DEFAULT_OUT = fileURLToPath(new URL("../out", import.meta.url));

/**
 * Images per forward pass when evaluating and predicting. Small batches keep the convolutions'
 * buffers in cache: evaluating the cnn on 5,000 images took 1.9 s in batches of 64, 3.0 s in
 * batches of 128 and 8-10 s in batches of 500-1000 (the MLP hardly cares: 0.3-0.5 s either way).
 */
const EVAL_BATCH_SIZE = 64;

/** Exit codes: 0 done, 1 training failed, 2 bad command line or unusable data/output folder. */
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
    mkdirSync(outDir, { recursive: true });
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
  data = { train: { ...data.train, images: asInput(data.train.images, spec) }, test: { ...data.test, images: asInput(data.test.images, spec) } };

  const lr = options.lr ?? defaultLr(options.model, options.optimizer);
  // One seed drives everything: the initial weights, then (drawn from the same generator) the
  // shuffling loader's own seed.
  const model = spec.build(manualSeed(options.seed));
  const optimizer = OPTIMIZER_BUILDERS[options.optimizer](model.parameters(), lr);
  const scheduler = options.schedule === "cosine" ? new CosineAnnealingLR(optimizer, { tMax: options.epochs }) : undefined;
  const train = new DataLoader(new TensorDataset(data.train.images, data.train.labels), {
    batchSize: options.batchSize,
    shuffle: true,
  });
  const test = new DataLoader(new TensorDataset(data.test.images, data.test.labels), { batchSize: EVAL_BATCH_SIZE });
  const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer, scheduler });
  const checkpoint = join(outDir, `mnist-${options.model}.safetensors`);

  const trainCount = data.train.labels.size;
  const testCount = data.test.labels.size;
  console.log(`MNIST: ${count(trainCount)} training images, ${count(testCount)} test images`);
  console.log(`Model: ${options.model}, ${spec.description}, ${count(model.numParameters())} parameters`);
  console.log(
    `Training: ${options.optimizer}, lr ${lr} (${options.schedule === "cosine" ? "cosine-annealed to 0" : "constant"}), batch size ${options.batchSize}, ${options.epochs} epoch${options.epochs === 1 ? "" : "s"}, seed ${options.seed}`,
  );
  console.log(`After each epoch: loss and accuracy on all ${count(testCount)} test images ("val")\n`);

  const started = performance.now();
  const history = await trainer.fit(train, { epochs: options.epochs, validation: test, checkpoint: { path: checkpoint } });
  const seconds = (performance.now() - started) / 1000;

  const logits = trainer.predict(data.test.images, { batchSize: EVAL_BATCH_SIZE });
  const predicted = argmaxRows(logits);
  let correct = 0;
  for (let i = 0; i < testCount; i++) if (predicted[i] === data.test.labels.data[i]) correct++;
  const perEpoch = history.epochs.map((e) => `${e.seconds.toFixed(1)}s`).join(", ");
  console.log(
    `\nTest accuracy: ${((100 * correct) / testCount).toFixed(2)}% (${count(correct)}/${count(testCount)}) ` +
      `after ${history.length} epoch${history.length === 1 ? "" : "s"} in ${seconds.toFixed(1)}s (per epoch: ${perEpoch})`,
  );

  console.log("\nConfusion matrix on the test set (rows: true digit, columns: predicted digit)");
  console.log(formatConfusionMatrix(confusionMatrix(data.test.labels.data, predicted, 10), 10));
  console.log("\nThe test digits the model got wrong most confidently:");
  console.log(drawMistakes(data.test.images, data.test.labels, logits, 6));

  const chart = join(outDir, `training-${options.model}.svg`);
  writeFileSync(chart, trainingChartSvg(history.epochs, `MNIST ${options.model}: training loss and test accuracy`));
  console.log(`\nChart:      ${show(chart)}`);
  console.log(`Checkpoint: ${show(checkpoint)} (weights, optimizer and data-order state; resumable)`);
  if (options.exportOnnx !== undefined) {
    const onnx = resolve(options.exportOnnx);
    saveOnnx(model, onnx, { inputShape: spec.inputShape });
    console.log(`ONNX:       ${show(onnx)} (opset 17, dynamic batch; input "input", output "output": logits)`);
  }
  return 0;
}

/** The images [N, ...] as the model takes them, [N, ...spec.inputShape]: a view of the same pixels. */
function asInput(images: Tensor, spec: ModelSpec): Tensor {
  const shape = [images.shape[0]!, ...spec.inputShape];
  if (formatShape(shape) === formatShape(images.shape)) return images;
  if (images.size !== shape.reduce((a, b) => a * b, 1)) {
    throw new Error(`the images have shape ${formatShape(images.shape)}, which the model's input shape ${formatShape(shape)} cannot hold`);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = fail(e instanceof Error ? e.message : String(e), 1);
  },
);
