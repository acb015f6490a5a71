import type { FloatArray } from "./kernels.js";

// Batch normalisation over x [N, C, S] (S = the product of the spatial axes, 1 for [N, C]) per
// channel, forward and backward. Per-channel sums run in float64 in four lanes: within each
// plane (n, c) of S contiguous values, value i goes to lane i mod 4 while four remain and the
// rest to lane 0; a channel's sum is (lane0 + lane2) + (lane1 + lane3). That is the order two
// f64x2 accumulators keep, so the wasm kernels give these bits, and it shortens the dependency
// chain of the additions in TypeScript too.

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
}

/** Throws unless N, C, S are counts and every array has its length (x's element type for the data-sized ones). */
export function checkBatchNormArgs(
  op: string,
  N: number,
  C: number,
  S: number,
  dataSized: Record<string, FloatArray | null>,
  channelSized: Record<string, FloatArray | Float64Array | null>,
): void {
  checkCount(op, "N", N);
  checkCount(op, "C", C);
  checkCount(op, "S", S);
  let type: { name: string } | null = null;
  for (const [name, array] of Object.entries(dataSized)) {
    if (array === null) continue;
    if (type === null) type = array.constructor;
    else if (array.constructor !== type) {
      throw new Error(
        `${op}: every array must share one element type, got ${type.name} and ${array.constructor.name} (${name})`,
      );
    }
    if (array.length < N * C * S) throw new Error(`${op}: ${name} needs ${N * C * S} elements, has ${array.length}`);
  }
  for (const [name, array] of Object.entries(channelSized)) {
    if (array !== null && array.length < C) throw new Error(`${op}: ${name} needs ${C} elements, has ${array.length}`);
  }
}

/** Σ of channel c's values of x, in the lane order above. */
function channelSum(N: number, C: number, S: number, c: number, x: FloatArray): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      a0 += x[i]!;
      a1 += x[i + 1]!;
      a2 += x[i + 2]!;
      a3 += x[i + 3]!;
    }
    for (; i < base + S; i++) a0 += x[i]!;
  }
  return a0 + a2 + (a1 + a3);
}

/** Σ (x − mu)² over channel c, in the lane order above. */
function channelSquaredDeviations(N: number, C: number, S: number, c: number, x: FloatArray, mu: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      const d0 = x[i]! - mu;
      const d1 = x[i + 1]! - mu;
      const d2 = x[i + 2]! - mu;
      const d3 = x[i + 3]! - mu;
      a0 += d0 * d0;
      a1 += d1 * d1;
      a2 += d2 * d2;
      a3 += d3 * d3;
    }
    for (; i < base + S; i++) {
      const d = x[i]! - mu;
      a0 += d * d;
    }
  }
  return a0 + a2 + (a1 + a3);
}

/** Σ g·(x − mu)·invstd over channel c, in the lane order above. */
function channelGradDotXhat(
  N: number,
  C: number,
  S: number,
  c: number,
  g: FloatArray,
  x: FloatArray,
  mu: number,
  invstd: number,
): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const S4 = S - (S % 4);
  for (let n = 0; n < N; n++) {
    const base = (n * C + c) * S;
    let i = base;
    for (; i < base + S4; i += 4) {
      a0 += g[i]! * (x[i]! - mu) * invstd;
      a1 += g[i + 1]! * (x[i + 1]! - mu) * invstd;
      a2 += g[i + 2]! * (x[i + 2]! - mu) * invstd;
      a3 += g[i + 3]! * (x[i + 3]! - mu) * invstd;
    }
    for (; i < base + S; i++) a0 += g[i]! * (x[i]! - mu) * invstd;
  }
  return a0 + a2 + (a1 + a3);
}

/**
 * out = (x − mean_c)·invstd_c·weight_c + bias_c, computed as x·scale_c + shift_c in float64 with
 * scale = invstd·weight and shift = bias − mean·scale (weight 1 and bias 0 when null).
 * With `batchStats`, mean and variance (biased) are the batch's, two passes in float64 (E[x²] −
 * E[x]² cancels catastrophically for large means), written to `mean` and `variance`; without,
 * they are read from there (the running statistics). invstd = 1/√(variance + eps) is written.
 * With `relu`, out = relu(out) as relu computes it (+0 for negatives and −0, NaN kept): the bits
 * of relu applied to the output.
 */
function batchNormForward(
  N: number,
  C: number,
  S: number,
  x: FloatArray,
  weight: FloatArray | null,
  bias: FloatArray | null,
  eps: number,
  batchStats: boolean,
  mean: Float64Array,
  variance: Float64Array,
  invstd: Float64Array,
  out: FloatArray,
  relu: boolean,
): void {
  checkBatchNormArgs("batchNormForward", N, C, S, { x, out }, { weight, bias, mean, variance, invstd });
  const M = N * S;
  for (let c = 0; c < C; c++) {
    if (batchStats) {
      const mu = channelSum(N, C, S, c, x) / M;
      mean[c] = mu;
      variance[c] = channelSquaredDeviations(N, C, S, c, x, mu) / M;
    }
    invstd[c] = 1 / Math.sqrt(variance[c]! + eps);
    const scale = invstd[c]! * (weight === null ? 1 : weight[c]!);
    const shift = (bias === null ? 0 : bias[c]!) - mean[c]! * scale;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      if (!relu) for (let i = 0; i < S; i++) out[base + i] = x[base + i]! * scale + shift;
      else {
        for (let i = 0; i < S; i++) {
          const v = x[base + i]! * scale + shift;
          // Tested on float64 v: a positive v that rounds to +0 in float32 stores +0 either way.
          out[base + i] = v > 0 || v !== v ? v : 0;
        }
      }
    }
  }
}

/**
 * Gradients of batchNormForward given grad = ∂L/∂out, with x̂ = (x − mean)·invstd:
 * dbias = Σ g and dweight = Σ g·x̂ per channel (written unless null), and dx (unless null):
 * with `batchStats` (mean and variance depend on x) dx = k·(g − Σg/M − x̂·Σg·x̂/M), else dx = k·g,
 * k = weight·invstd, M = N·S. With `reluOutput` (the output of a forward with `relu`), grad is
 * first zeroed where that output is not positive: the gradient through the fused relu.
 */
function batchNormBackward(
  N: number,
  C: number,
  S: number,
  x: FloatArray,
  grad: FloatArray,
  weight: FloatArray | null,
  batchStats: boolean,
  mean: Float64Array,
  invstd: Float64Array,
  dx: FloatArray | null,
  dweight: FloatArray | null,
  dbias: FloatArray | null,
  reluOutput: FloatArray | null,
): void {
  checkBatchNormArgs(
    "batchNormBackward",
    N,
    C,
    S,
    { x, grad, dx, reluOutput },
    { weight, mean, invstd, dweight, dbias },
  );
  const M = N * S;
  if (reluOutput !== null) grad = reluMasked(grad, reluOutput, N * C * S);
  for (let c = 0; c < C; c++) {
    const mu = mean[c]!;
    const is = invstd[c]!;
    const sumG = channelSum(N, C, S, c, grad);
    const sumGX = channelGradDotXhat(N, C, S, c, grad, x, mu, is);
    if (dweight !== null) dweight[c] = sumGX;
    if (dbias !== null) dbias[c] = sumG;
    if (dx === null) continue;
    const k = (weight === null ? 1 : weight[c]!) * is;
    const meanG = sumG / M;
    const meanGX = sumGX / M;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      if (batchStats) {
        for (let i = 0; i < S; i++) {
          const xhat = (x[base + i]! - mu) * is;
          dx[base + i] = k * (grad[base + i]! - meanG - xhat * meanGX);
        }
      } else {
        for (let i = 0; i < S; i++) dx[base + i] = k * grad[base + i]!;
      }
    }
  }
}

const masked = { float32: new Float32Array(0), float64: new Float64Array(0) };

/** grad where reluOutput > 0, else +0 (relu's backward), in a buffer reused across calls. */
function reluMasked(grad: FloatArray, reluOutput: FloatArray, size: number): FloatArray {
  let g: FloatArray;
  if (grad instanceof Float32Array) {
    if (masked.float32.length < size) masked.float32 = new Float32Array(size);
    g = masked.float32;
  } else {
    if (masked.float64.length < size) masked.float64 = new Float64Array(size);
    g = masked.float64;
  }
  for (let i = 0; i < size; i++) g[i] = reluOutput[i]! > 0 ? grad[i]! : 0;
  return g;
}

/** The batch normalisation kernels (TypeScript reference). */
export const batchNormKernels = { batchNormForward, batchNormBackward };
