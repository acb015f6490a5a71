/**
 * The training worker: fetches MNIST, trains the MLP with Trainer.fit and streams losses, accuracy
 * and snapshots of the weights to the page, which stays free to paint and to answer the drawing
 * pad. The page stops a run by terminating the worker.
 */
import { startKernels } from "./kernels.js";
import { fetchMnistBytes, mnistFromBytes } from "./mnist.js";
import { weightsOf } from "./model.js";
import type { FromWorker, ToWorker, TrainRequest } from "./protocol.js";
import { trainMlp } from "./training.js";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker): void => scope.postMessage(message);

/** Progress goes out about ten times a second; a copy of the weights (400 KB) once a second. */
const PROGRESS_EVERY_MS = 100;
const WEIGHTS_EVERY_MS = 1000;

async function train(request: TrainRequest): Promise<void> {
  post({ type: "status", text: "Loading MNIST…" });
  const data = mnistFromBytes(await fetchMnistBytes(request.mnistUrl), {
    train: request.trainImages,
    test: request.testImages,
  });
  const { config } = request;
  const stepsPerEpoch = Math.ceil(data.train.labels.size / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  post({ type: "status", text: `Training on ${data.train.labels.size.toLocaleString("en")} images…` });
  let losses: number[] = [];
  let lastProgress = performance.now();
  let lastWeights = lastProgress;
  let latest = { step: 0, accuracy: Number.NaN };
  const flush = (): void => {
    const { step, accuracy } = latest;
    post({ type: "progress", step, totalSteps, epoch: Math.ceil(step / stepsPerEpoch), losses, accuracy });
    losses = [];
    lastProgress = performance.now();
  };
  const model = await trainMlp(data, config, {
    onStep: (step, loss, accuracy, model) => {
      losses.push(loss);
      latest = { step, accuracy };
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS || step === totalSteps) flush();
      if (now - lastWeights >= WEIGHTS_EVERY_MS) {
        post({ type: "weights", weights: weightsOf(model), step });
        lastWeights = now;
      }
    },
    onEpoch: (log) => {
      if (losses.length > 0) flush();
      post({
        type: "epoch",
        epoch: log.epoch,
        loss: log.loss,
        accuracy: log.accuracy ?? Number.NaN,
        valLoss: log.valLoss,
        valAccuracy: log.valAccuracy,
      });
    },
  });
  post({ type: "done", weights: weightsOf(model) });
}

scope.onmessage = (event) => {
  train(event.data).catch((e: unknown) => post({ type: "error", message: e instanceof Error ? e.message : String(e) }));
};
startKernels(true).then(
  (kernels) => post({ type: "ready", kernels }),
  (e: unknown) => post({ type: "error", message: `the kernels did not start: ${(e as Error).message}` }),
);
