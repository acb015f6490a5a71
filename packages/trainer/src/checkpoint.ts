import { Module } from "@nabla/layers";
import { checkOptions, describe, type Tensor } from "@nabla/tensor";
import { writeAtomically } from "./atomic.js";
import { checkPath, unreadableFile } from "./files.js";
import { type EpochLog, withoutTimings, withUnmeasuredTimings } from "./history.js";
import { encodeSafetensors, loadSafetensors, saveSafetensors } from "./safetensors.js";
import { decodeState, encodeState } from "./state.js";
import { fromTorchLayout, toTorchLayout } from "./torch-layout.js";

/**
 * The model's parameters and buffers under their state-dict names ("0.weight", "0.bias", ...),
 * live (not copied): they are only read, synchronously, by the writer.
 */
export function modelTensors(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, p] of model.namedParameters()) out.set(name, p.value);
  for (const [name, b] of model.namedBuffers()) out.set(name, b);
  return out;
}

export type Layout = "nabla" | "torch";

export interface SaveModelOptions {
  /**
   * "nabla" (default): Nabla's own names and layouts. "torch": PyTorch's (nn.Linear's [out, in]
   * weights, running_mean/running_var/num_batches_tracked as I64), so that
   * `module.load_state_dict(safetensors.torch.load_file(path))` takes the file.
   */
  layout?: Layout;
  /** Strings to store in the file's `__metadata__`. */
  metadata?: Record<string, string>;
}

export interface LoadModelOptions {
  /** The layout the file was saved in: "nabla" (default) or "torch" (e.g. written by PyTorch). */
  layout?: Layout;
}

/**
 * Saves the model's weights (parameters and buffers, nothing else) as a safetensors file with
 * the plain state-dict names, so PyTorch's `safetensors.torch.load_file` and other tools read it.
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  checkModel(model, "saveModel");
  checkPath(path, "saveModel");
  checkOptions("saveModel", options, ["layout", "metadata"]);
  const { layout = "nabla", metadata = {} } = options;
  checkLayout("saveModel", layout);
  if (layout === "nabla") {
    writeAtomically(path, encodeSafetensors(modelTensors(model), { format: "nabla-model", ...metadata }), "saveModel");
    return;
  }
  let tensors: Map<string, Tensor>;
  try {
    tensors = toTorchLayout(model);
  } catch (e) {
    throw new Error(`saveModel: ${(e as Error).message}`);
  }
  // "pt" is what Hugging Face's tools write and look for in PyTorch files.
  writeAtomically(path, encodeSafetensors(tensors, { format: "pt", ...metadata }, { int64: true }), "saveModel");
}

/**
 * Loads weights saved by `saveModel` (or the weights inside a training checkpoint, or with
 * `layout: "torch"` a PyTorch state dict) into `model`. All keys and shapes are checked before
 * anything is copied, so a mismatched file (another architecture, missing or extra keys) throws
 * and leaves the model as it was.
 */
export function loadModel(model: Module, path: string, options: LoadModelOptions = {}): void {
  checkModel(model, "loadModel");
  checkPath(path, "loadModel");
  checkOptions("loadModel", options, ["layout"]);
  const { layout = "nabla" } = options;
  checkLayout("loadModel", layout);
  const unreadable = unreadableFile(path);
  if (unreadable !== undefined) throw new Error(`loadModel: cannot read ${path}: ${unreadable}`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    model.loadStateDict(layout === "torch" ? fromTorchLayout(model, tensors) : weightsOnly(tensors));
  } catch (e) {
    throw new Error(`loadModel: ${path}: ${(e as Error).message}${layoutHint(layout, metadata.format)}`);
  }
}

function checkLayout(op: string, layout: unknown): asserts layout is Layout {
  if (layout !== "nabla" && layout !== "torch")
    throw new Error(`${op}: layout must be "nabla" or "torch", got ${JSON.stringify(layout)}`);
}

/** When a file's keys do not fit, its metadata may tell that it is in the other layout. */
function layoutHint(layout: Layout, format: string | undefined): string {
  if (layout === "nabla" && format === "pt")
    return ' (the file is in PyTorch\'s layout: load it with { layout: "torch" })';
  if (layout === "torch" && (format === "nabla-model" || format === FORMAT))
    return ' (the file is in Nabla\'s layout: load it without layout: "torch")';
  return "";
}

function checkModel(model: unknown, caller: string): void {
  if (!(model instanceof Module))
    throw new Error(`${caller}: model must be a Module (Sequential, Dense, ...), got ${describe(model)}`);
}

/** Model state-dict names contain no '/'; a training checkpoint keeps everything else under "<part>/". */
function weightsOnly(tensors: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of tensors) if (!k.includes("/")) out.set(k, t);
  return out;
}

const FORMAT = "nabla-checkpoint";
const VERSION = "1";

/** Everything besides the weights that resuming needs, as fit gathers it after an epoch. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  lr: number;
  optimizer: unknown;
  scheduler: unknown;
  history: EpochLog[];
  trainLoader: unknown;
  validationLoader: unknown;
  /** The global Generator's state (defaultGenerator()). */
  generator: unknown;
  /** The Trainer's own `generator` option's state, if any. */
  trainerGenerator: unknown;
  /** One entry per callback: its stateDict(), or null. */
  callbacks: unknown[];
}

const STATE_KEYS = [
  "lr",
  "optimizer",
  "scheduler",
  "history",
  "trainLoader",
  "validationLoader",
  "generator",
  "trainerGenerator",
  "callbacks",
] as const;

/**
 * A training checkpoint is ONE safetensors file, so that writing it is atomic: the weights under
 * their plain names (loadModel reads it), tensors of the other parts under "<part>/..." and
 * each part as a JSON string in __metadata__. It holds no wall-clock timings, so two runs with
 * the same seed write the same bytes.
 */
export function saveCheckpoint(path: string, model: Module, state: TrainingState): void {
  const tensors = modelTensors(model);
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    epoch: String(state.epoch),
    step: String(state.step),
  };
  const reproducible = { ...state, history: state.history.map(withoutTimings) };
  for (const key of STATE_KEYS) metadata[key] = encodeState(reproducible[key], `${key}/`, tensors);
  saveSafetensors(path, tensors, metadata);
}

export function readCheckpoint(path: string): { weights: Map<string, Tensor>; state: TrainingState } {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(
      `${path} is not a training checkpoint (its format is ${JSON.stringify(metadata.format ?? null)}, expected '${FORMAT}'); ` +
        `a weights-only file loads with loadModel`,
    );
  }
  if (metadata.version !== VERSION)
    throw new Error(`${path}: checkpoint version ${metadata.version} is not supported (expected ${VERSION})`);
  const epoch = Number(metadata.epoch);
  const step = Number(metadata.step);
  if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(step) || step < 0) {
    throw new Error(
      `${path}: checkpoint epoch/step metadata is invalid (epoch ${metadata.epoch}, step ${metadata.step})`,
    );
  }
  const parts: Record<string, unknown> = {};
  for (const key of STATE_KEYS) {
    const json = metadata[key];
    if (json === undefined) throw new Error(`${path}: checkpoint metadata lacks '${key}'`);
    parts[key] = decodeState(json, tensors, `${path}: checkpoint '${key}'`);
  }
  if (!Array.isArray(parts.history) || !Array.isArray(parts.callbacks) || typeof parts.lr !== "number") {
    throw new Error(`${path}: checkpoint history, callbacks or lr metadata is malformed`);
  }
  const history = (parts.history as Record<string, number>[]).map(withUnmeasuredTimings);
  return {
    weights: weightsOnly(tensors),
    state: { ...(parts as Omit<TrainingState, "epoch" | "step">), history, epoch, step },
  };
}
