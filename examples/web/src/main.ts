import { Generator, type Sequential } from "nabla";
import { LiveChart } from "./chart.js";
import { DrawingPad } from "./draw.js";
import { startKernels } from "./kernels.js";
import { buildMlp, classify, loadWeights, MLP_DESCRIPTION, setWeights, type Weights } from "./model.js";
import { SIDE, toMnist } from "./preprocess.js";
import type { FromWorker, TrainRequest } from "./protocol.js";
import { DEFAULT_CONFIG } from "./training.js";

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no #${id}`);
  return found as T;
};

const message = element<HTMLDivElement>("message");
const modelName = element<HTMLParagraphElement>("model-name");
const progress = element<HTMLProgressElement>("progress");
const progressText = element<HTMLSpanElement>("progress-text");
const trainButton = element<HTMLButtonElement>("train");
const stopButton = element<HTMLButtonElement>("stop");
const prediction = element<HTMLDivElement>("prediction");
const seen = element<HTMLCanvasElement>("seen");
const chart = new LiveChart(element<HTMLCanvasElement>("chart"));

/** The model the drawing pad asks; replaced only by weights that loaded completely. */
let model: Sequential = buildMlp(new Generator(DEFAULT_CONFIG.seed));
let drawing: Float32Array | undefined;
let worker: Worker | undefined;

function say(text: string, kind: "error" | "info"): void {
  message.textContent = text;
  message.className = `message ${kind}`;
  message.hidden = false;
}

function describeModel(origin: string): void {
  modelName.textContent = `${MLP_DESCRIPTION}: ${origin}.`;
}

// What runs where. Threads need a cross-origin isolated page (SharedArrayBuffer); the page's own
// thread only answers the drawing pad, so it never asks for a second one.
const environment = element("environment");
const pageKernels = await startKernels(false);
function showEnvironment(workerKernels?: string): void {
  const threads = crossOriginIsolated
    ? "Cross-origin isolated: the training worker may use a second thread for large matmuls."
    : "Not cross-origin isolated, so no threads: single-threaded WebAssembly.";
  const workerLine = workerKernels === undefined ? "" : ` Training worker: ${workerKernels}.`;
  environment.textContent = `${threads} Page: ${pageKernels}.${workerLine} Training runs in a Web Worker, so the page never waits for it.`;
}
showEnvironment();

// --- Drawing and the ten probabilities ---------------------------------------------------------

const bars = element<HTMLDivElement>("bars");
const fills: HTMLDivElement[] = [];
const percents: HTMLSpanElement[] = [];
for (let digit = 0; digit < 10; digit++) {
  const bar = document.createElement("div");
  bar.className = "bar";
  bar.innerHTML = `<div class="fill-box"><div class="fill" style="height:0"></div></div><span class="digit">${digit}</span><span class="percent">–</span>`;
  fills.push(bar.querySelector<HTMLDivElement>(".fill")!);
  percents.push(bar.querySelector<HTMLSpanElement>(".percent")!);
  bars.append(bar);
}

function answer(): void {
  const seenContext = seen.getContext("2d")!;
  if (drawing === undefined) {
    seenContext.clearRect(0, 0, SIDE, SIDE);
    prediction.textContent = "?";
    fills.forEach((fill, i) => {
      fill.style.height = "0";
      fill.parentElement!.parentElement!.classList.remove("best");
      percents[i]!.textContent = "–";
    });
    return;
  }
  const image = seenContext.createImageData(SIDE, SIDE);
  drawing.forEach((v, i) => {
    image.data.fill(Math.round(255 * v), 4 * i, 4 * i + 3);
    image.data[4 * i + 3] = 255;
  });
  seenContext.putImageData(image, 0, 0);
  const probabilities = classify(model, drawing);
  const best = probabilities.indexOf(Math.max(...probabilities));
  prediction.textContent = String(best);
  probabilities.forEach((p, i) => {
    fills[i]!.style.height = `${(100 * p).toFixed(1)}%`;
    fills[i]!.parentElement!.parentElement!.classList.toggle("best", i === best);
    percents[i]!.textContent = `${(100 * p).toFixed(p < 0.995 ? 1 : 0)}%`;
  });
}

const pad = new DrawingPad(element<HTMLCanvasElement>("pad"), (image) => {
  drawing = image === undefined ? undefined : toMnist(image);
  answer();
});
element("clear").addEventListener("click", () => pad.clear());

// --- Loading weights from a file ---------------------------------------------------------------

async function loadFile(file: File): Promise<void> {
  const candidate = buildMlp(new Generator(0));
  try {
    loadWeights(candidate, new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (e) {
    say(`Could not load ${file.name}: ${(e as Error).message}. The page keeps its current model.`, "error");
    return;
  }
  if (worker !== undefined) stopTraining("training stopped: the loaded weights replace the model");
  model = candidate;
  describeModel(`weights loaded from ${file.name}`);
  say(`Loaded ${file.name}: draw a digit to try it.`, "info");
  answer();
}

const fileInput = element<HTMLInputElement>("weights-file");
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file !== undefined) void loadFile(file);
  fileInput.value = "";
});
const drop = element<HTMLLabelElement>("drop");
// The whole page takes a dropped file, so that a near miss does not open it in the tab.
document.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const file = e.dataTransfer?.files[0];
  if (file !== undefined) void loadFile(file);
});

// --- Training in a worker ----------------------------------------------------------------------

function setTraining(running: boolean): void {
  trainButton.disabled = running;
  stopButton.disabled = !running;
}

function stopTraining(why: string): void {
  worker?.terminate();
  worker = undefined;
  setTraining(false);
  progressText.textContent = why;
}

/** Makes the worker's weights the page's model (a new one: training starts from seed 1, not from the current model). */
function adopt(weights: Weights, origin: string): void {
  const next = buildMlp(new Generator(0));
  setWeights(next, weights);
  model = next;
  describeModel(origin);
  answer();
}

element<HTMLFormElement>("train-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const trainImages = Number(element<HTMLSelectElement>("train-images").value);
  const config = { ...DEFAULT_CONFIG, epochs: Number(element<HTMLSelectElement>("epochs").value) };
  const request: TrainRequest = {
    type: "train",
    config,
    mnistUrl: new URL("mnist", document.baseURI).href,
    trainImages,
    testImages: 10_000,
  };
  const stepsPerEpoch = Math.ceil(trainImages / config.batchSize);
  message.hidden = true;
  chart.reset(stepsPerEpoch * config.epochs);
  progress.value = 0;
  setTraining(true);
  const started = performance.now();
  let training: Worker;
  try {
    training = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  } catch (error) {
    workerFailed(String(error));
    return;
  }
  worker = training;
  training.addEventListener("error", (event) => workerFailed(event.message || "its script did not load"));
  training.addEventListener("message", (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    switch (m.type) {
      case "ready":
        showEnvironment(m.kernels);
        training.postMessage(request);
        break;
      case "status":
        progressText.textContent = m.text;
        break;
      case "progress": {
        chart.addLosses(m.losses);
        chart.addAccuracy(m.step, m.accuracy);
        progress.value = m.step / m.totalSteps;
        const perSecond = (m.step / (performance.now() - started)) * 1000;
        progressText.textContent = `epoch ${m.epoch}/${config.epochs} · step ${m.step.toLocaleString("en")}/${m.totalSteps.toLocaleString("en")} · loss ${m.losses.at(-1)?.toFixed(3) ?? "–"} · ${perSecond.toFixed(0)} steps/s`;
        break;
      }
      case "weights":
        adopt(m.weights, `training in this page, step ${m.step.toLocaleString("en")}`);
        break;
      case "epoch":
        if (m.valAccuracy !== undefined) chart.addValidation(m.epoch * stepsPerEpoch, m.valAccuracy);
        break;
      case "done":
        adopt(
          m.weights,
          `trained in this page on ${trainImages.toLocaleString("en")} images, ${config.epochs} epoch${config.epochs === 1 ? "" : "s"}`,
        );
        stopTraining(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        progress.value = 1;
        break;
      case "error":
        stopTraining("training failed");
        say(`Training failed: ${m.message}. The page keeps the model it had.`, "error");
        break;
    }
  });
});

function workerFailed(reason: string): void {
  stopTraining("no worker");
  say(
    `The training worker could not start (${reason}). The page keeps its current model; drawing and loading weights still work.`,
    "error",
  );
}

stopButton.addEventListener("click", () => stopTraining("stopped: the model is the last one the worker sent"));
describeModel(`untrained (random weights, seed ${DEFAULT_CONFIG.seed})`);
answer();
