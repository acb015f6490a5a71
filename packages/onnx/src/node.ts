import type { Module } from "@nabla/layers";
import { writeFileAtomic } from "@nabla/trainer/node";
import { type ExportOnnxOptions, exportOnnx } from "./export.js";

/**
 * Writes `exportOnnx(model, options)` to `path` atomically: the whole model is built before the
 * file is touched, and readers see the old file or the complete new one.
 */
export function saveOnnx(model: Module, path: string, options: ExportOnnxOptions): void {
  if (typeof path !== "string" || path === "")
    throw new Error(`saveOnnx: path must be a non-empty string, got ${JSON.stringify(path)}`);
  writeFileAtomic(path, [exportOnnx(model, options)]);
}
