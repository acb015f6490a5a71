import type { Gemm } from "./control.js";

/**
 * Calls below this many flops (2·m·n·k) are not split: the main thread's half (under ~90 µs of
 * work) would end before a sleeping worker is awake (~80 µs, plus ~30 µs of notifying it).
 */
export const SPLIT_FLOPS = 8_000_000;

/**
 * `whole` cut into two blocks of C for two threads, or null if it is too small to cut. Along the
 * rows when op(B) is the smaller operand (each thread then packs all of op(B)), else along the
 * columns (each packs all of op(A)); always at a multiple of the micro-tile, so that the tiles,
 * and with them every element's sequence of operations, are those of one call over all of C.
 */
export function halves(whole: Gemm, tileRows: number, tileCols: number): [Gemm, Gemm] | null {
  const { m, n, lda, ldb, ldc } = whole;
  const rowCut = tileRows * Math.round(m / (2 * tileRows));
  const colCut = tileCols * Math.round(n / (2 * tileCols));
  const rowsSplit = rowCut > 0 && rowCut < m;
  const colsSplit = colCut > 0 && colCut < n;
  if (rowsSplit && (n <= m || !colsSplit)) {
    const a = whole.a + 4 * (whole.transA ? rowCut : rowCut * lda);
    return [
      { ...whole, m: rowCut },
      { ...whole, m: m - rowCut, a, c: whole.c + 4 * rowCut * ldc },
    ];
  }
  if (colsSplit) {
    const b = whole.b + 4 * (whole.transB ? colCut * ldb : colCut);
    return [
      { ...whole, n: colCut },
      { ...whole, n: n - colCut, b, c: whole.c + 4 * colCut },
    ];
  }
  return null;
}
