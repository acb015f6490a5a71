/** Float storage the compute kernels read and write. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The narrow interface between tensor ops and the loops that do the arithmetic. Everything is
 * plain typed arrays, sizes and flags: no Tensor, no shapes, so a second implementation
 * (WebAssembly SIMD) can sit beside the TypeScript one and be tested against it.
 */
export interface Kernels {
  readonly name: string;
  /**
   * Row-major general matrix multiply: C[m×n] = op(A)·op(B) (or C += op(A)·op(B) when
   * `accumulate`), where op(A) is m×k and op(B) is k×n. With `transposeA`, A is stored k×m;
   * with `transposeB`, B is stored n×k. Offsets let batched matmul address one matrix at a time.
   * A, B and C share one element type.
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
}
