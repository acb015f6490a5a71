import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CosineAnnealingLR, DataLoader, type Mnist, TensorDataset, Trainer, loadMnist, manualSeed, softmaxCrossEntropy } from "nabla";
import { DEFAULT_LR, type Options, USAGE, UsageError, parseArgs } from "./cli.js";
import { MODELS } from "./models.js";
import { OPTIMIZER_BUILDERS } from "./optimizers.js";
import { argmaxRows, confusionMatrix, drawMistakes, formatConfusionMatrix, trainingChartSvg } from "./report.js";

/** examples/mnist/out, whether this runs from dist/ or from src/. */
const DEFAULT_OUT = fileURLToPath(new URL("../out", import.meta.url));

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

  let data: Mnist;
  try {
    data = loadMnist({ dir: options.data, limitTrain: options.limit });
  } catch (e) {
    return fail(`cannot load MNIST: ${(e as Error).message}`, 2);
  }

  const spec = MODELS[options.model];
  const lr = options.lr ?? DEFAULT_LR[options.optimizer];
  // One seed drives everything: the initial weights, then (drawn from the same generator) the
  // shuffling loader's own seed.
  const model = spec.build(manualSeed(options.seed));
  const optimizer = OPTIMIZER_BUILDERS[options.optimizer](model.parameters(), lr);
  const scheduler = options.schedule === "cosine" ? new CosineAnnealingLR(optimizer, { tMax: options.epochs }) : undefined;
  const train = new DataLoader(new TensorDataset(data.train.images, data.train.labels), {
    batchSize: options.batchSize,
    shuffle: true,
  });
  const test = new DataLoader(new TensorDataset(data.test.images, data.test.labels), { batchSize: 1000 });
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

  const logits = trainer.predict(data.test.images, { batchSize: 1000 });
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

  const chart = join(outDir, "training.svg");
  writeFileSync(chart, trainingChartSvg(history.epochs, `MNIST ${options.model}: training loss and test accuracy`));
  console.log(`\nChart:      ${show(chart)}`);
  console.log(`Checkpoint: ${show(checkpoint)} (weights, optimizer and data-order state; resumable)`);
  return 0;
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
