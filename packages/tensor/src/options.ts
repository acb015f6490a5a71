import { formatValue } from "./format.js";

/** Spellings from other frameworks whose Nabla name differs by more than case and underscores. */
const ALIASES: Readonly<Record<string, string>> = {
  learningrate: "lr",
  usebias: "bias",
  keepdim: "keepdims",
  train: "training",
};

const normalize = (name: string): string => name.toLowerCase().replace(/[_-]/g, "");

/**
 * Rejects option names a function does not know, so that a misspelt or PyTorch-style name
 * (`label_smoothing`, `batch_size`, `requires_grad`) fails loudly instead of being ignored.
 * `undefined` options are allowed (the function's defaults apply).
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    const got = Array.isArray(options) ? "an array" : formatValue(options);
    throw new Error(`${op}: options must be an object such as { ${allowed[0]}: ... }, got ${got}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const wanted = ALIASES[normalize(key)] ?? normalize(key);
    const match = allowed.find((name) => normalize(name) === wanted);
    const hint = match === undefined ? "" : ` (did you mean '${match}'?)`;
    throw new Error(`${op}: unknown option '${key}'${hint}; expected one of ${allowed.join(", ")}`);
  }
}
