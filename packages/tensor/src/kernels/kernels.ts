import type { activationKernels } from "./activations.js";
import type { batchNormKernels } from "./batch-norm.js";
import type { convKernelsWith } from "./conv.js";
import type { optimizerUpdates } from "./optimizers.js";
import type { poolKernels } from "./pool.js";
import type { recurrentCells } from "./recurrent-cells.js";

/** Float storage the compute kernels read and write. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The narrow interface between tensor ops and the loops that do the arithmetic. Everything is
 * plain typed arrays, sizes and flags: no Tensor, no shapes, so a second implementation
 * (WebAssembly SIMD) can sit beside the TypeScript one and be tested against it.
 */
/**
 * The gate arithmetic of one recurrent step (LSTM, GRU, Elman RNN) and its backward, with
 * PyTorch's gate order: lstmCell, lstmCellBackward, gruCell, gruCellBackward, rnnCell,
 * rnnCellBackward. The matrix products around them are gemm's. Their TypeScript reference
 * (recurrent-cells.ts) defines the signatures and documents every array.
 */
export type RecurrentCellKernels = typeof recurrentCells;

/**
 * The loops of a convolutional net: conv2d forward and both gradients, pooling and batch norm.
 * Their TypeScript reference (conv.ts, pool.ts, batch-norm.ts) defines the signatures and documents every array.
 */
export type ConvKernels = ReturnType<typeof convKernelsWith> & typeof poolKernels & typeof batchNormKernels;

/**
 * The optimizers' fused in-place updates, one pass per parameter: sgdUpdate, adamUpdate,
 * rmspropUpdate, adagradUpdate. Their TypeScript reference (optimizers.ts) defines the signatures.
 */
export type OptimizerKernels = typeof optimizerUpdates;

/**
 * The activations' elementwise loops, forward and backward (reluForward, reluBackward, leakyRelu,
 * sigmoidBackward, tanhBackward); their TypeScript reference (activations.ts) documents them.
 */
export type ActivationKernels = typeof activationKernels;

export interface Kernels extends RecurrentCellKernels, ConvKernels, OptimizerKernels, ActivationKernels {
  readonly name: string;
  /**
   * Row-major general matrix multiply: C[m×n] = op(A)·op(B) (or C += op(A)·op(B) when
   * `accumulate`), where op(A) is m×k and op(B) is k×n. With `transposeA`, A is stored k×m;
   * with `transposeB`, B is stored n×k. Offsets let batched matmul address one matrix at a time.
   * A, B and C share one element type.
   *
   * Zeros of A and non-finite B: the wasm kernels run a float32 call whose op(A) is mostly zeros
   * (at most 40% non-zero, B not transposed, n ≥ 32) without the terms where A's entry is zero,
   * as in the reference BLAS (its SGEMM long skipped the zeros of B). For finite B this gives the
   * same bits as computing every term; where B holds an Infinity or a NaN, a 0 in A times it
   * contributes nothing instead of NaN. The TypeScript kernels compute every term (0·Infinity
   * is NaN there).
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: FloatArray,
    aOffset: number,
    transposeA: boolean,
    b: FloatArray,
    bOffset: number,
    transposeB: boolean,
    c: FloatArray,
    cOffset: number,
    accumulate: boolean,
  ): void;
  /**
   * Softmax over each of `rows` rows of `cols` values of x (row-major), times a per-row scale:
   * out = softmax(x_i)·scales[i] (·1 without `scales`), in x's element type; stats[2·i] = the
   * row's max and stats[2·i + 1] = Σ exp(x − max) in float64, which is what a log-sum-exp needs.
   * A NaN in a row makes its sum NaN; -Infinity contributes exactly 0. Softmax cross-entropy
   * gets its loss from the stats and its gradient from `out` with one call.
   */
  softmaxRows(
    rows: number,
    cols: number,
    x: FloatArray,
    out: FloatArray,
    stats: Float64Array,
    scales?: Float64Array,
  ): void;
}
