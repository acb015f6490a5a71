import { Variable } from "@nabla/autograd";
import { checkOptions, type Tensor } from "@nabla/tensor";
import { checkBoolean, checkNonNegative, show } from "./optimizer.js";

export interface ClipGradNormOptions {
  /** The p of the p-norm: any positive number, or Infinity for the largest absolute value (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients together so that their total norm is at most `maxNorm`, in place, as
 * torch.nn.utils.clip_grad_norm_: the total is the p-norm of the vector of every gradient element
 * (the norm of the per-parameter norms), each gradient is multiplied by maxNorm / (total + 1e-6)
 * when that is below 1, and the total before clipping is returned. Parameters without a gradient
 * are skipped; with none at all the total is 0.
 */
export function clipGradNorm(
  parameters: Iterable<Variable> | Variable,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const grads = gradients("clipGradNorm", parameters);
  checkNonNegative("clipGradNorm", "", "maxNorm", maxNorm);
  checkOptions("clipGradNorm", options, ["normType", "errorIfNonfinite"]);
  const { normType = 2, errorIfNonfinite = false } = options;
  if (typeof normType !== "number" || !(normType > 0)) {
    throw new Error(`clipGradNorm: normType must be a positive number or Infinity, got ${show(normType)}`);
  }
  checkBoolean("clipGradNorm", "", "errorIfNonfinite", errorIfNonfinite);
  const total = totalNorm(grads, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `clipGradNorm: the total ${normType}-norm of the gradients is ${total}, so they cannot be clipped; ` +
        "look for a NaN or infinite loss (or pass errorIfNonfinite: false to scale by it anyway)",
    );
  }
  const scale = maxNorm / (total + 1e-6);
  if (scale < 1) {
    for (const g of grads) {
      const d = g.data;
      for (let i = 0; i < d.length; i++) d[i]! *= scale;
    }
  }
  return total;
}

/**
 * Clamps every gradient element to [-clipValue, clipValue], in place, as
 * torch.nn.utils.clip_grad_value_. Parameters without a gradient are skipped.
 */
export function clipGradValue(parameters: Iterable<Variable> | Variable, clipValue: number): void {
  const grads = gradients("clipGradValue", parameters);
  checkNonNegative("clipGradValue", "", "clipValue", clipValue);
  for (const g of grads) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      // NaN passes through unchanged, as torch.clamp leaves it.
      if (v > clipValue) d[i] = clipValue;
      else if (v < -clipValue) d[i] = -clipValue;
    }
  }
}

/** The gradients of the parameters that have one, after checking that every item is a Variable. */
function gradients(op: string, parameters: Iterable<Variable> | Variable): Tensor[] {
  const given: unknown = parameters;
  if (given instanceof Variable) return given.grad === null ? [] : [given.grad];
  if (
    given === null ||
    typeof given !== "object" ||
    typeof (given as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    throw new Error(
      `${op}: parameters must be an iterable of Variables such as model.parameters(), got ${show(given)}`,
    );
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of given as Iterable<unknown>) {
    if (!(p instanceof Variable)) throw new Error(`${op}: parameter ${i} is not a Variable (got ${show(p)})`);
    if (p.grad !== null) grads.push(p.grad);
    i++;
  }
  return grads;
}

/** The p-norm of all gradient elements together, accumulated in float64. */
function totalNorm(grads: readonly Tensor[], p: number): number {
  if (p === Infinity) {
    let largest = 0;
    for (const g of grads) {
      const d = g.data;
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i]!);
        if (a > largest) largest = a;
        else if (Number.isNaN(a)) return NaN;
      }
    }
    return largest;
  }
  let sum = 0;
  for (const g of grads) {
    const d = g.data;
    if (p === 2) {
      for (let i = 0; i < d.length; i++) sum += d[i]! * d[i]!;
    } else {
      for (let i = 0; i < d.length; i++) sum += Math.abs(d[i]!) ** p;
    }
  }
  return p === 2 ? Math.sqrt(sum) : sum ** (1 / p);
}
