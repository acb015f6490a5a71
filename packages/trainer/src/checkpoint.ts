import { describe } from "@nabla/autograd";
import { Module } from "@nabla/layers";
import { checkOptions, type Tensor } from "@nabla/tensor";
import { type EpochLog, withoutTimings, withUnmeasuredTimings } from "./history.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import { decodeState, encodeState } from "./state.js";
import { concatBytes } from "./storage.js";
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
 * The model's weights (parameters and buffers, nothing else) as the bytes of a safetensors file
 * with the plain state-dict names, which PyTorch's `safetensors.torch.load` and other tools read.
 * In Node, `saveModel` writes them to a file.
 */
export function saveModelToBytes(model: Module, options: SaveModelOptions = {}): Uint8Array {
  return concatBytes(encodeModel(model, options, "saveModelToBytes"));
}

/** saveModelToBytes's chunks, with errors that start with `op`. */
export function encodeModel(model: Module, options: SaveModelOptions, op: string): Uint8Array[] {
  checkModel(model, op);
  checkOptions(op, options, ["layout", "metadata"]);
  const { layout = "nabla", metadata = {} } = options;
  checkLayout(op, layout);
  if (layout === "nabla") return encodeSafetensors(modelTensors(model), { format: "nabla-model", ...metadata });
  let tensors: Map<string, Tensor>;
  try {
    tensors = toTorchLayout(model);
  } catch (e) {
    throw new Error(`${op}: ${(e as Error).message}`);
  }
  // "pt" is what Hugging Face's tools write and look for in PyTorch files.
  return encodeSafetensors(tensors, { format: "pt", ...metadata }, { int64: true });
}

export interface LoadModelFromBytesOptions extends LoadModelOptions {
  /** Names the bytes in error messages (a file name); default "<bytes>". */
  source?: string;
}

/**
 * Loads weights from the bytes of a safetensors file (written by `saveModel`/`saveModelToBytes`,
 * a training checkpoint, or with `layout: "torch"` a PyTorch state dict) into `model`. All keys
 * and shapes are checked before anything is copied, so bytes of another architecture throw and
 * leave the model as it was.
 */
export function loadModelFromBytes(model: Module, bytes: Uint8Array, options: LoadModelFromBytesOptions = {}): void {
  checkModel(model, "loadModelFromBytes");
  checkOptions("loadModelFromBytes", options, ["layout", "source"]);
  const { source = "<bytes>", ...rest } = options;
  if (!(bytes instanceof Uint8Array))
    throw new Error(`loadModelFromBytes: bytes must be a Uint8Array, got ${describe(bytes)}`);
  decodeModel(model, bytes, source, rest, "loadModelFromBytes");
}

/** loadModelFromBytes once `model` and `options` are known to be sound, with errors that start with `op`. */
export function decodeModel(
  model: Module,
  bytes: Uint8Array,
  source: string,
  options: LoadModelOptions,
  op: string,
): void {
  const { layout = "nabla" } = options;
  checkLayout(op, layout);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  try {
    model.loadStateDict(layout === "torch" ? fromTorchLayout(model, tensors) : weightsOnly(tensors));
  } catch (e) {
    throw new Error(`${op}: ${source}: ${(e as Error).message}${layoutHint(layout, metadata.format)}`);
  }
}

export function checkLayout(op: string, layout: unknown): asserts layout is Layout {
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

export function checkModel(model: unknown, caller: string): void {
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
  /** Each param group's learning rate, or the optimizer's one `lr` when it has no `paramGroups`. */
  lr: number | number[];
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
export function encodeCheckpoint(model: Module, state: TrainingState): Uint8Array[] {
  const tensors = modelTensors(model);
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    epoch: String(state.epoch),
    step: String(state.step),
  };
  const reproducible = { ...state, history: state.history.map(withoutTimings) };
  for (const key of STATE_KEYS) metadata[key] = encodeState(reproducible[key], `${key}/`, tensors);
  return encodeSafetensors(tensors, metadata);
}

/** A training checkpoint's weights and state, from its bytes; `path` names it in errors. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  path: string,
): { weights: Map<string, Tensor>; state: TrainingState } {
  const { tensors, metadata } = decodeSafetensors(bytes, path);
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
  if (!Array.isArray(parts.history) || !Array.isArray(parts.callbacks) || !isLearningRates(parts.lr)) {
    throw new Error(`${path}: checkpoint history, callbacks or lr metadata is malformed`);
  }
  const history = (parts.history as Record<string, number>[]).map(withUnmeasuredTimings);
  return {
    weights: weightsOnly(tensors),
    state: { ...(parts as Omit<TrainingState, "epoch" | "step">), history, epoch, step },
  };
}

function isLearningRates(lr: unknown): lr is number | number[] {
  return typeof lr === "number" || (Array.isArray(lr) && lr.length > 0 && lr.every((x) => typeof x === "number"));
}
