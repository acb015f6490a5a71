import { isGradEnabled, record, type Variable } from "@nabla/autograd";
import {
  allocate,
  checkOptions,
  describe,
  type FloatArray,
  formatShape,
  formatValue,
  kernels,
  Tensor,
  type TypedArray,
} from "@nabla/tensor";
import { checkReduction, floatOperand, type Reduction, scalarTensor } from "./reduction.js";

const OP = "softmaxCrossEntropy";

/** One class index per row (int32 Tensor [B], Int32Array, number[]), or a float Tensor [B, C] of probabilities. */
export type ClassTarget = Tensor | Int32Array | readonly number[];

export interface SoftmaxCrossEntropyOptions {
  /** 'mean' (default), 'sum', or 'none' for the [B] losses. */
  reduction?: Reduction;
  /** ε in [0, 1]: the target q becomes (1 − ε)·q + ε/C. */
  labelSmoothing?: number;
  /** Per-class weights w, a Tensor of shape [C]. */
  weight?: Tensor;
  /** Rows whose class index equals this contribute nothing, not even to the mean's denominator. */
  ignoreIndex?: number;
}

/**
 * Softmax followed by cross-entropy, as ONE graph node with its analytic gradient.
 *
 * `logits` z is [B, C]; `target` is a class index per row (int32 Tensor [B], Int32Array or
 * number[]) or a float Tensor [B, C] of class probabilities. Each row's weighted target is
 *
 *     q̃_ic = w_c · ((1 − ε)·q_ic + ε/C)        (q one-hot for class indices)
 *
 * and its loss is Σ_c q̃_ic·(−log softmax(z_i)_c), computed as
 *
 *     loss_i = Σ_c q̃_ic·(m_i − z_ic) + (Σ_c q̃_ic)·log Σ_c exp(z_ic − m_i),   m_i = max_c z_ic
 *
 * with the row sums and per-row arithmetic in float64 whatever the logits' dtype (the exps are in
 * the logits' dtype): no log of a softmax that underflowed, and at logits of 1e4 in float32
 * nothing is lost to subtracting two large log-sum-exps. The gradient is
 *
 *     ∂loss_i/∂z_i = softmax(z_i)·Σ_c q̃_ic − q̃_i      (softmax − onehot for a plain label).
 *
 * Semantics are PyTorch's `F.cross_entropy`: with class indices, weights scale the label term by
 * w_y and the smoothing term by each w_c, and 'mean' divides by Σ w_{y_i} over the rows not
 * ignored (so when every row is ignored, 'mean' is 0/0 = NaN while the gradient is 0); with
 * probabilities, 'mean' divides by B (and ignoreIndex must stay negative, as in PyTorch). Ignored
 * rows give 0 under 'none'. An empty batch gives NaN for 'mean' and 0 for 'sum'. One difference:
 * a labelSmoothing below 0 is an error here for probability targets too (PyTorch checks only > 1).
 */
export function softmaxCrossEntropy(
  logits: Variable | Tensor,
  target: ClassTarget,
  options: SoftmaxCrossEntropyOptions = {},
): Variable {
  const z = floatOperand(OP, "logits", logits);
  if (z.rank !== 2) throw new Error(`${OP}: logits have shape ${formatShape(z.shape)}; expected 2-D [batch, classes]`);
  const [B, C] = z.shape as [number, number];
  if (C === 0) throw new Error(`${OP}: logits have shape ${formatShape(z.shape)}: no classes`);
  checkOptions(OP, options, ["reduction", "labelSmoothing", "weight", "ignoreIndex"]);
  const { reduction = "mean", labelSmoothing: eps = 0, weight, ignoreIndex = -100 } = options;
  checkReduction(OP, reduction);
  if (typeof eps !== "number" || !(eps >= 0 && eps <= 1)) {
    throw new Error(`${OP}: labelSmoothing must be in [0, 1], got ${formatValue(eps)}`);
  }
  if (!Number.isInteger(ignoreIndex))
    throw new Error(`${OP}: ignoreIndex must be an integer, got ${formatValue(ignoreIndex)}`);
  const w = classWeights(weight, C);
  const { labels, probs } = readTarget(target, B, C, ignoreIndex);

  const q = targetParts(eps, w);
  const { mass, denominator } = targetMass(B, C, labels, probs, ignoreIndex, q, w);
  // ∂loss/∂z for an upstream gradient of 1, made in the same pass as the loss: the kernels
  // (wasm SIMD for float32) write softmax(z_i)·Σ_c q̃_ic·unit, then q̃_i·unit is subtracted.
  const unit = reduction === "mean" ? 1 / denominator : 1;
  const rowScale = new Float64Array(B);
  for (let i = 0; i < B; i++) rowScale[i] = labels !== null && labels[i] === ignoreIndex ? 0 : mass[i]! * unit;
  const x = z.value.data as FloatArray;
  const stats = new Float64Array(2 * B); // per row: m_i and Σ_c exp(z_ic − m_i)
  const unitGradient = (): FloatArray => {
    const grad = allocate(z.dtype, B * C) as FloatArray;
    kernels.softmaxRows(B, C, x, grad, stats, rowScale);
    subtractTarget(grad, B, C, x, stats, rowScale, unit, labels, probs, ignoreIndex, q);
    return grad;
  };
  // Without a graph to record (noGrad, or constant logits) no backward will ask for the gradient:
  // the kernel still runs for the row statistics, writing its softmax into a reused scratch buffer.
  let eager: FloatArray | null = null;
  if (isGradEnabled() && z.requiresGrad) eager = unitGradient();
  else kernels.softmaxRows(B, C, x, softmaxScratch(z.dtype, B * C), stats, rowScale);
  const { losses, total } = rowLosses(x, B, C, stats, mass, labels, probs, ignoreIndex, q);

  let value: Tensor;
  if (reduction === "none") {
    const out = allocate(z.dtype, B);
    out.set(losses);
    value = new Tensor(out, [B]);
  } else {
    value = scalarTensor(reduction === "sum" ? total : total / denominator, z.dtype);
  }

  return record(OP, [z], value, (g) => {
    // The first backward takes the eager gradient (no copy: it is handed over); a retained
    // graph's next backward recomputes it, since the caller may have changed the first in place.
    const dz = eager ?? unitGradient();
    eager = null;
    const gd = g.data;
    if (reduction === "none") {
      for (let i = 0; i < B; i++) for (let k = i * C; k < (i + 1) * C; k++) dz[k] = dz[k]! * gd[i]!;
    } else if (gd[0] !== 1) {
      for (let k = 0; k < B * C; k++) dz[k] = dz[k]! * gd[0]!;
    }
    return [new Tensor(dz, [B, C])];
  });
}

const scratch = { float32: new Float32Array(0), float64: new Float64Array(0) };

/** A buffer of at least `size` elements for a softmax nobody reads, grown on demand and reused. */
function softmaxScratch(dtype: Tensor["dtype"], size: number): FloatArray {
  if (dtype === "float64") {
    if (scratch.float64.length < size) scratch.float64 = new Float64Array(size);
    return scratch.float64.subarray(0, size);
  }
  if (scratch.float32.length < size) scratch.float32 = new Float32Array(size);
  return scratch.float32.subarray(0, size);
}

/**
 * The weighted target split in two, q̃_ic = spread_c + scaled_c·q_ic: the part label smoothing
 * spreads over every class, and the target's own; `spreadMass` = Σ_c spread_c.
 */
interface TargetParts {
  spread: Float64Array;
  scaled: Float64Array;
  spreadMass: number;
  smoothing: boolean;
}

function targetParts(eps: number, w: Float64Array): TargetParts {
  const C = w.length;
  const spread = new Float64Array(C);
  const scaled = new Float64Array(C);
  let spreadMass = 0;
  for (let c = 0; c < C; c++) {
    spread[c] = (eps / C) * w[c]!;
    scaled[c] = (1 - eps) * w[c]!;
    spreadMass += spread[c]!;
  }
  return { spread, scaled, spreadMass, smoothing: eps > 0 };
}

/**
 * Each row's mass Σ_c q̃_ic (1 for a plain target) and the 'mean' denominator: Σ w_{y_i} over the
 * rows not ignored for class indices, B for probabilities. Ignored rows have mass 0.
 */
function targetMass(
  B: number,
  C: number,
  labels: Int32Array | null,
  probs: TypedArray | null,
  ignoreIndex: number,
  { scaled, spreadMass }: TargetParts,
  w: Float64Array,
): { mass: Float64Array; denominator: number } {
  const mass = new Float64Array(B);
  let denominator = labels === null ? B : 0;
  for (let i = 0; i < B; i++) {
    if (labels !== null) {
      const y = labels[i]!;
      if (y === ignoreIndex) continue;
      mass[i] = spreadMass + scaled[y]!;
      denominator += w[y]!;
    } else {
      let rowMass = spreadMass;
      for (let c = 0; c < C; c++) rowMass += scaled[c]! * probs![i * C + c]!;
      mass[i] = rowMass;
    }
  }
  return { mass, denominator };
}

/**
 * grad_i = softmax(z_i)·mass_i·unit − q̃_i·unit: the kernel wrote the first term, this subtracts
 * the second. The label's entry is recomputed whole in float64, so a confident row keeps
 * softmax − 1 ≈ −1e-9 rather than 0. Ignored rows become 0 (even for NaN logits).
 */
function subtractTarget(
  grad: FloatArray,
  B: number,
  C: number,
  x: FloatArray,
  stats: Float64Array,
  rowScale: Float64Array,
  unit: number,
  labels: Int32Array | null,
  probs: TypedArray | null,
  ignoreIndex: number,
  { spread, scaled, smoothing }: TargetParts,
): void {
  for (let i = 0; i < B; i++) {
    const row = i * C;
    const y = labels === null ? -1 : labels[i]!;
    if (labels !== null && y === ignoreIndex) {
      grad.fill(0, row, row + C);
      continue;
    }
    if (smoothing) for (let c = 0; c < C; c++) grad[row + c] = grad[row + c]! - spread[c]! * unit;
    if (labels !== null) {
      const softmaxY = Math.exp(x[row + y]! - stats[2 * i]!) / stats[2 * i + 1]!;
      grad[row + y] = softmaxY * rowScale[i]! - (spread[y]! + scaled[y]!) * unit;
    } else {
      for (let c = 0; c < C; c++) grad[row + c] = grad[row + c]! - scaled[c]! * probs![row + c]! * unit;
    }
  }
}

/**
 * loss_i = Σ_c q̃_ic·(m_i − z_ic) + mass_i·log(sumExp_i), in float64: at logits of 1e4 nothing is
 * lost to subtracting two large numbers. Ignored rows are 0.
 */
function rowLosses(
  x: FloatArray,
  B: number,
  C: number,
  stats: Float64Array,
  mass: Float64Array,
  labels: Int32Array | null,
  probs: TypedArray | null,
  ignoreIndex: number,
  { spread, scaled, smoothing }: TargetParts,
): { losses: Float64Array; total: number } {
  const losses = new Float64Array(B);
  let total = 0;
  for (let i = 0; i < B; i++) {
    const y = labels === null ? -1 : labels[i]!;
    if (labels !== null && y === ignoreIndex) continue;
    const row = i * C;
    const m = stats[2 * i]!;
    let cross = 0;
    if (smoothing) for (let c = 0; c < C; c++) cross += spread[c]! * (m - x[row + c]!);
    if (labels !== null) {
      cross += scaled[y]! * (m - x[row + y]!);
    } else {
      for (let c = 0; c < C; c++) cross += scaled[c]! * probs![row + c]! * (m - x[row + c]!);
    }
    losses[i] = cross + mass[i]! * Math.log(stats[2 * i + 1]!);
    total += losses[i]!;
  }
  return { losses, total };
}

/** The class weights as float64, all ones when none are given. */
function classWeights(weight: Tensor | undefined, C: number): Float64Array {
  const w = new Float64Array(C).fill(1);
  if (weight === undefined) return w;
  if (!(weight instanceof Tensor))
    throw new Error(`${OP}: weight must be a Tensor of shape [${C}], got ${describe(weight)}`);
  if (weight.rank !== 1 || weight.shape[0] !== C) {
    throw new Error(`${OP}: weight has shape ${formatShape(weight.shape)}; expected [${C}], one per class`);
  }
  w.set(weight.data);
  const bad = w.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${OP}: weight[${bad}] is ${w[bad]}; expected finite class weights`);
  return w;
}

/** Class indices (validated) or the [B, C] probabilities; exactly one of the two is non-null. */
function readTarget(
  target: ClassTarget,
  B: number,
  C: number,
  ignoreIndex: number,
): { labels: Int32Array | null; probs: TypedArray | null } {
  if (target instanceof Tensor && target.rank === 2 && target.dtype !== "int32") {
    if (target.shape[0] !== B || target.shape[1] !== C) {
      throw new Error(
        `${OP}: probability target has shape ${formatShape(target.shape)}; expected the logits' shape [${B},${C}]`,
      );
    }
    if (ignoreIndex >= 0)
      throw new Error(`${OP}: ignoreIndex ${ignoreIndex} applies to class-index targets only, not to probabilities`);
    const probs = target.data;
    for (let k = 0; k < probs.length; k++) {
      if (!Number.isFinite(probs[k]!)) {
        throw new Error(
          `${OP}: probability target holds ${probs[k]} at [${Math.floor(k / C)},${k % C}]; expected finite probabilities`,
        );
      }
    }
    return { labels: null, probs: target.data };
  }

  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (target.rank !== 1 || target.dtype !== "int32") {
      throw new Error(
        `${OP}: target is ${target.dtype} ${formatShape(target.shape)}; expected int32 class indices [${B}] or float probabilities [${B},${C}]`,
      );
    }
    values = target.data;
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    values = target;
  } else {
    throw new Error(`${OP}: target must be a Tensor, Int32Array or number[], got ${describe(target)}`);
  }
  if (values.length !== B) throw new Error(`${OP}: target has ${values.length} labels but logits have ${B} rows`);
  const labels = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const y: unknown = values[i];
    if (typeof y !== "number") {
      const what = typeof y === "string" ? "a string" : "not a number";
      const hint = typeof y === "string" ? " (convert the labels with Number(...))" : "";
      throw new Error(`${OP}: label ${formatValue(y)} at row ${i} is ${what}; expected an integer class index${hint}`);
    }
    if (!Number.isInteger(y)) throw new Error(`${OP}: label ${formatValue(y)} at row ${i} is not an integer`);
    if (y !== ignoreIndex && (y < 0 || y >= C)) throw new Error(`${OP}: label ${y} at row ${i} is outside [0, ${C})`);
    labels[i] = y;
  }
  return { labels, probs: null };
}
