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
  T.checkOptions("batchNorm", options, ["training", "momentum", "eps"]);
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
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
  const xd = (x.dtype === dtype ? x.value : T.cast(x.value, dtype)).data;
  const wd = w === null ? null : w.value.data;
  const bd = b === null ? null : b.value.data;
  const mean = new Float64Array(C);
  const invstd = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    if (useBatch) {
      // Two passes in double precision: E[x²] − E[x]² cancels catastrophically for large means.
      let s = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * S;
        for (let i = 0; i < S; i++) s += xd[base + i]!;
      }
      const mu = s / M;
      let q = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * S;
        for (let i = 0; i < S; i++) {
          const d = xd[base + i]! - mu;
          q += d * d;
        }
      }
      const variance = q / M;
      mean[c] = mu;
      invstd[c] = 1 / Math.sqrt(variance + eps);
      if (training && runningMean !== null && runningVar !== null) {
        runningMean.data[c] = (1 - momentum) * runningMean.data[c]! + momentum * mu;
        runningVar.data[c] = (1 - momentum) * runningVar.data[c]! + (momentum * q) / (M - 1);
      }
    } else {
      mean[c] = runningMean!.data[c]!;
      invstd[c] = 1 / Math.sqrt(runningVar!.data[c]! + eps);
    }
  }
  if (useBatch && training && runningMean !== null && runningVar !== null) {
    runningMean.markModified();
    runningVar.markModified();
  }

  const out = T.allocate(dtype, x.size);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * S;
      const scale = invstd[c]! * (wd === null ? 1 : wd[c]!);
      const shift = (bd === null ? 0 : bd[c]!) - mean[c]! * scale;
      for (let i = 0; i < S; i++) out[base + i] = xd[base + i]! * scale + shift;
    }
  }

  const inputs = [x, ...(w === null ? [] : [w]), ...(b === null ? [] : [b])];
  return record(
    "batchNorm",
    inputs,
    new T.Tensor(out, x.shape),
    (grad) => {
      const gd = grad.data;
      const dx = x.requiresGrad ? T.allocate(dtype, x.size) : null;
      const dw = T.allocate(dtype, C);
      const db = T.allocate(dtype, C);
      for (let c = 0; c < C; c++) {
        const mu = mean[c]!;
        const is = invstd[c]!;
        let sumG = 0;
        let sumGX = 0;
        for (let n = 0; n < N; n++) {
          const base = (n * C + c) * S;
          for (let i = 0; i < S; i++) {
            const gi = gd[base + i]!;
            sumG += gi;
            sumGX += gi * (xd[base + i]! - mu) * is;
          }
        }
        dw[c] = sumGX;
        db[c] = sumG;
        if (dx === null) continue;
        const k = (wd === null ? 1 : wd[c]!) * is;
        if (useBatch) {
          // dx = k/M·(M·g − Σg − x̂·Σg·x̂) = k·g − k·Σg/M − x̂·k·Σg·x̂/M.
          const meanG = sumG / M;
          const meanGX = sumGX / M;
          for (let n = 0; n < N; n++) {
            const base = (n * C + c) * S;
            for (let i = 0; i < S; i++) {
              const xhat = (xd[base + i]! - mu) * is;
              dx[base + i] = k * (gd[base + i]! - meanG - xhat * meanGX);
            }
          }
        } else {
          for (let n = 0; n < N; n++) {
            const base = (n * C + c) * S;
            for (let i = 0; i < S; i++) dx[base + i] = k * gd[base + i]!;
          }
        }
      }
      const grads: (T.Tensor | null)[] = [dx === null ? null : new T.Tensor(dx, x.shape)];
      if (w !== null) grads.push(w.requiresGrad ? new T.Tensor(dw, [C]) : null);
      if (b !== null) grads.push(b.requiresGrad ? new T.Tensor(db, [C]) : null);
      return grads;
    },
    w === null ? [x.value] : [x.value, w.value],
  );
}
