import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /**
   * Weight of the new batch in the running statistics: running = (1 − momentum)·running + momentum·batch
   * (default 0.1, PyTorch's convention, which is 1 − Keras's momentum).
   */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Apply relu to the output in the same node (default false): relu(batchNorm(x)) with the same
   * bits, one pass and one array fewer each way. Sequential fuses a BatchNorm followed by a ReLU.
   */
  relu?: boolean;
}

/**
 * Batch normalisation over every axis except axis 1 (the channels): x [N, C, ...] →
 * y = (x − μ_c)/√(σ²_c + eps)·weight_c + bias_c. One graph node, inputs x, weight and bias.
 *
 * Training: μ and σ² are the batch's mean and biased variance per channel, and the running
 * statistics (Tensors, updated in place, as PyTorch) move towards μ and the unbiased variance
 * σ²·M/(M−1), M = N·(spatial size). Evaluation: the running statistics normalise and nothing changes.
 * `weight`, `bias` (affine=false) and the running statistics (track_running_stats=false: batch
 * statistics always) may be null.
 *
 * Backward, with x̂ the normalised input, g = ∂L/∂y and invstd = 1/√(σ² + eps):
 * dbias = Σ g, dweight = Σ g·x̂, and in training (μ, σ² depend on x)
 * dx = weight·invstd/M · (M·g − Σ g − x̂·Σ g·x̂); in evaluation dx = weight·invstd·g.
 */
export function batchNorm(
  input: Input,
  runningMean: T.Tensor | null,
  runningVar: T.Tensor | null,
  weight: Input | null = null,
  bias: Input | null = null,
  options: BatchNormOptions = {},
): Variable {
  T.checkOptions("batchNorm", options, ["training", "momentum", "eps", "relu"]);
  const { training = false, momentum = 0.1, eps = 1e-5, relu = false } = options;
  const x = asVariable(input, undefined, "batchNorm");
  if (x.rank < 2)
    throw new Error(`batchNorm: input must be [N,C,...] with at least 2 axes, got shape ${T.formatShape(x.shape)}`);
  const C = x.shape[1]!;
  const w = weight === null ? null : asVariable(weight, undefined, "batchNorm");
  const b = bias === null ? null : asVariable(bias, undefined, "batchNorm");
  for (const [what, t] of [
    ["weight", w?.value],
    ["bias", b?.value],
    ["runningMean", runningMean],
    ["runningVar", runningVar],
  ] as const) {
    if (t !== null && t !== undefined && (t.rank !== 1 || t.shape[0] !== C)) {
      throw new Error(
        `batchNorm: ${what} must have shape [${C}] for input ${T.formatShape(x.shape)} (channels on axis 1), got ${T.formatShape(t.shape)}`,
      );
    }
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new Error("batchNorm: pass both runningMean and runningVar, or neither");
  }
  if (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1)) {
    throw new Error(`batchNorm: momentum must be in [0, 1], got ${T.formatValue(momentum)}`);
  }
  if (typeof relu !== "boolean") throw new Error(`batchNorm: relu must be a boolean, got ${T.formatValue(relu)}`);
  if (typeof eps !== "number" || !(eps >= 0))
    throw new Error(`batchNorm: eps must be a non-negative number, got ${T.formatValue(eps)}`);
  const N = x.shape[0]!;
  const S = x.size / Math.max(N * C, 1);
  const M = N * S;
  const useBatch = training || runningMean === null;
  if (useBatch && M <= 1) {
    throw new Error(
      `batchNorm: batch statistics need more than one value per channel, got input shape ${T.formatShape(x.shape)} (training with a batch of one?)`,
    );
  }

  const dtype = [x, w, b].some((v) => v?.dtype === "float64") ? "float64" : "float32";
  const xd = (x.dtype === dtype ? x.value : T.cast(x.value, dtype)).data as T.FloatArray;
  const wd = w === null ? null : (w.value.data as T.FloatArray);
  const bd = b === null ? null : (b.value.data as T.FloatArray);
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const invstd = new Float64Array(C);
  if (!useBatch) {
    mean.set(runningMean!.data);
    variance.set(runningVar!.data);
  }
  const out = T.allocate(dtype, x.size) as T.FloatArray;
  T.kernels.batchNormForward(N, C, S, xd, wd, bd, eps, useBatch, mean, variance, invstd, out, relu);
  if (useBatch && training && runningMean !== null && runningVar !== null) {
    // The running variance moves towards the unbiased batch variance σ²·M/(M−1), as PyTorch's.
    const unbiased = M / (M - 1);
    for (let c = 0; c < C; c++) {
      runningMean.data[c] = (1 - momentum) * runningMean.data[c]! + momentum * mean[c]!;
      runningVar.data[c] = (1 - momentum) * runningVar.data[c]! + momentum * variance[c]! * unbiased;
    }
    runningMean.markModified();
    runningVar.markModified();
  }

  const inputs = [x, ...(w === null ? [] : [w]), ...(b === null ? [] : [b])];
  const result = new T.Tensor(out, x.shape);
  return record(
    "batchNorm",
    inputs,
    result,
    (grad) => {
      const gd = grad.data as T.FloatArray;
      const dx = x.requiresGrad ? (T.allocate(dtype, x.size) as T.FloatArray) : null;
      const dw = w?.requiresGrad ? (T.allocate(dtype, C) as T.FloatArray) : null;
      const db = b?.requiresGrad ? (T.allocate(dtype, C) as T.FloatArray) : null;
      T.kernels.batchNormBackward(N, C, S, xd, gd, wd, useBatch, mean, invstd, dx, dw, db, relu ? out : null);
      const grads: (T.Tensor | null)[] = [dx === null ? null : new T.Tensor(dx, x.shape)];
      if (w !== null) grads.push(dw === null ? null : new T.Tensor(dw, [C]));
      if (b !== null) grads.push(db === null ? null : new T.Tensor(db, [C]));
      return grads;
    },
    // The backward reads x, the weight and, through a fused relu, the output.
    [x.value, ...(w === null ? [] : [w.value]), ...(relu ? [result] : [])],
  );
}
