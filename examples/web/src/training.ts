import {
  Adam,
  CosineAnnealingLR,
  DataLoader,
  type EpochLog,
  LambdaCallback,
  type Mnist,
  manualSeed,
  type Sequential,
  softmaxCrossEntropy,
  TensorDataset,
  Trainer,
} from "nabla";
import { buildMlp } from "./model.js";

/** How the page trains: examples/mnist's MLP defaults (Adam, lr 0.002 cosine-annealed over the epochs, batch 64, seed 1). */
export interface TrainConfig {
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
}

export const DEFAULT_CONFIG: TrainConfig = { seed: 1, epochs: 1, batchSize: 64, lr: 2e-3 };

export interface TrainHooks {
  /** After every optimizer step: the batch's loss, the epoch's running accuracy so far and the model being trained. */
  onStep?(step: number, loss: number, accuracy: number, model: Sequential): void;
  /** After every epoch, with the test set's loss and accuracy when `data.test` has images. */
  onEpoch?(log: EpochLog, model: Sequential): void;
}

/**
 * Lets the event loop run at least this often during training, so that a worker's messages go out
 * and a page training on its main thread keeps painting. Yielding does not touch the arithmetic: the losses are
 * the same whatever the timing.
 */
const YIELD_EVERY_MS = 40;

/**
 * Trains the MLP as `pnpm example:mnist` does: one seed makes the weights and then the shuffling
 * loader's order, and Trainer.fit runs the steps. The same code runs in Node, on the page's main
 * thread and in the worker, which is what lets a test compare their losses bit for bit.
 */
export async function trainMlp(data: Mnist, config: TrainConfig, hooks: TrainHooks = {}): Promise<Sequential> {
  const model = buildMlp(manualSeed(config.seed));
  const optimizer = new Adam(model.parameters(), { lr: config.lr });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: config.epochs });
  const train = new DataLoader(new TensorDataset(data.train.images, data.train.labels), {
    batchSize: config.batchSize,
    shuffle: true,
  });
  const test =
    data.test.labels.size > 0
      ? new DataLoader(new TensorDataset(data.test.images, data.test.labels), { batchSize: 1000 })
      : undefined;
  const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer, scheduler });
  let step = 0;
  let lastYield = performance.now();
  const progress = new LambdaCallback({
    onBatchEnd: async (_batch, logs) => {
      step++;
      hooks.onStep?.(step, logs.batchLoss, logs.accuracy ?? Number.NaN, model);
      const now = performance.now();
      if (now - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    },
    onEpochEnd: (_epoch, log) => hooks.onEpoch?.(log, model),
  });
  await trainer.fit(train, { epochs: config.epochs, validation: test, callbacks: [progress], progress: "none" });
  return model;
}
