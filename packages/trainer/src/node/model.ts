import type { Module } from "@nabla/layers";
import { checkOptions } from "@nabla/tensor";
import {
  checkLayout,
  checkModel,
  decodeModel,
  encodeModel,
  type LoadModelOptions,
  type SaveModelOptions,
} from "../checkpoint.js";
import { writeAtomically } from "./atomic.js";
import { checkPath, readFile, unreadableFile } from "./files.js";

/**
 * Saves the model's weights (parameters and buffers, nothing else) as a safetensors file with
 * the plain state-dict names, so PyTorch's `safetensors.torch.load_file` and other tools read it.
 * The file is written atomically: readers see the old file or the complete new one.
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  checkModel(model, "saveModel");
  checkPath(path, "saveModel");
  writeAtomically(path, encodeModel(model, options, "saveModel"), "saveModel");
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
  decodeModel(model, readFile(path), path, options, "loadModel");
}
