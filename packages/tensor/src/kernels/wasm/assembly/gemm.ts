// AssemblyScript (compiled by `asc` in scripts/build-wasm.mjs, not by tsc): single-precision
// GEMM over raw pointers into linear memory. The JS side (../index.ts) places A, B, C and each
// thread's scratch region and passes their addresses; nothing here allocates.
//
// No static data: the memory is shared with a second instance in a worker, and instantiating that
// instance would re-apply any data segment over memory the first one is using. Everything a call
// writes besides C lives in the caller's scratch region.
//
// Structure (Goto/BLIS): op(B) is packed a KC×NC block at a time into 8-column panels, op(A) a
// MC×KC block at a time into 4-row panels, and a 4×8 register-blocked micro-kernel runs over
// every (A panel, B panel) pair. Transposes are absorbed by the packing, so every combination
// runs the same inner loop. 4×8 keeps 8 accumulators + 2 B vectors + 1 A splat in V8's 16 SIMD
// registers; 6×8 and unrolled variants spilled and were slower.

const MR: i32 = 4;
const NR: i32 = 8;
/** Depth block: also the blocking ./sparse.ts reproduces to match this kernel's bits. */
export const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const EDGE_BYTES: usize = MR * NR * 4;

/**
 * Bytes of scratch one sgemm call needs (64-aligned): the packed A block, the packed B block and
 * a tile for edge blocks. Two threads running sgemm at once each need their own.
 */
export function scratchBytes(): i32 {
  return <i32>(PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES);
}

/** Micro-kernel columns: a split of C between threads along n keeps tiles whole at multiples. */
export function tileCols(): i32 {
  return NR;
}

/** Micro-kernel rows: likewise for a split along m. */
export function tileRows(): i32 {
  return MR;
}

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

// Pack op(B)[p0..p0+kc, j0..j0+nc] into panels of NR columns: panel q holds, for each p, the
// NR values op(B)[p0+p][j0+q*NR .. +NR], zero-padded past nc.
function packB(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const w = min(NR, nc - jp);
    if (!transB) {
      let src = b + ((<usize>p0 * ldb + j0 + jp) << 2);
      const stride = <usize>ldb << 2;
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += stride;
          dst += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
          for (let j = 0; j < w; j++) store<f32>(dst + (j << 2), load<f32>(src + (j << 2)));
          src += stride;
          dst += NR << 2;
        }
      }
    } else {
      // B stored n×k: column j of op(B) is row j of B, contiguous in p.
      const col = b + ((<usize>(j0 + jp) * ldb + p0) << 2);
      const stride = <usize>ldb << 2;
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          const s = col + (<usize>p << 2);
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + stride), 4);
          store<f32>(dst, load<f32>(s + 2 * stride), 8);
          store<f32>(dst, load<f32>(s + 3 * stride), 12);
          store<f32>(dst, load<f32>(s + 4 * stride), 16);
          store<f32>(dst, load<f32>(s + 5 * stride), 20);
          store<f32>(dst, load<f32>(s + 6 * stride), 24);
          store<f32>(dst, load<f32>(s + 7 * stride), 28);
          dst += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
          const s = col + (<usize>p << 2);
          for (let j = 0; j < w; j++) store<f32>(dst + (j << 2), load<f32>(s + <usize>j * stride));
          dst += NR << 2;
        }
      }
    }
  }
}

// Pack op(A)[i0..i0+mc, p0..p0+kc] into panels of MR rows: panel q holds, for each p, the MR
// values op(A)[i0+q*MR .. +MR][p0+p], zero-padded past mc.
function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const h = min(MR, mc - ip);
    if (!transA) {
      const row = a + ((<usize>(i0 + ip) * lda + p0) << 2);
      const stride = <usize>lda << 2;
      if (h == MR) {
        // 4×4 tiles: four row loads, an in-register transpose, four panel stores.
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const s = row + (<usize>p << 2);
          const r0 = v128.load(s);
          const r1 = v128.load(s + stride);
          const r2 = v128.load(s + 2 * stride);
          const r3 = v128.load(s + 3 * stride);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
          dst += 64;
        }
        for (; p < kc; p++) {
          const s = row + (<usize>p << 2);
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + stride), 4);
          store<f32>(dst, load<f32>(s + 2 * stride), 8);
          store<f32>(dst, load<f32>(s + 3 * stride), 12);
          dst += MR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, f32x4.splat(0));
          const s = row + (<usize>p << 2);
          for (let i = 0; i < h; i++) store<f32>(dst + (i << 2), load<f32>(s + <usize>i * stride));
          dst += MR << 2;
        }
      }
    } else {
      // A stored k×m: for each p the MR values are contiguous.
      let src = a + ((<usize>p0 * lda + i0 + ip) << 2);
      const stride = <usize>lda << 2;
      if (h == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          src += stride;
          dst += MR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, f32x4.splat(0));
          for (let i = 0; i < h; i++) store<f32>(dst + (i << 2), load<f32>(src + (i << 2)));
          src += stride;
          dst += MR << 2;
        }
      }
    }
  }
}

// C[0..rows, 0..cols] (=|+=) Apanel·Bpanel over kc. `ldc` is in elements. Edge blocks (rows < MR
// or columns < NR) still compute a full 4×8 tile, into the scratch tile `edge`, and only the
// valid part is copied out.
// @inline keeps the accumulators in registers across the call boundary.
// @ts-ignore: decorator
@inline
function micro(
  kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, overwrite: bool, rows: i32, cols: i32, edge: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += MR << 2;
    pb += NR << 2;
  }
  const full = rows == MR && cols == NR;
  const out = full ? c : edge;
  const ld: usize = full ? <usize>ldc << 2 : NR << 2;
  const r1 = out + ld;
  const r2 = r1 + ld;
  const r3 = r2 + ld;
  if (full && !overwrite) {
    c00 = f32x4.add(c00, v128.load(out));
    c01 = f32x4.add(c01, v128.load(out, 16));
    c10 = f32x4.add(c10, v128.load(r1));
    c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2));
    c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3));
    c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(out, c00);
  v128.store(out, c01, 16);
  v128.store(r1, c10);
  v128.store(r1, c11, 16);
  v128.store(r2, c20);
  v128.store(r2, c21, 16);
  v128.store(r3, c30);
  v128.store(r3, c31, 16);
  if (!full) {
    const ldcb = <usize>ldc << 2;
    for (let i = 0; i < rows; i++) {
      const src = edge + <usize>(i * NR * 4);
      const dst = c + <usize>i * ldcb;
      if (overwrite) {
        for (let j = 0; j < cols; j++) store<f32>(dst + (j << 2), load<f32>(src + (j << 2)));
      } else {
        for (let j = 0; j < cols; j++) {
          store<f32>(dst + (j << 2), load<f32>(dst + (j << 2)) + load<f32>(src + (j << 2)));
        }
      }
    }
  }
}

/**
 * C[m×n] (=|+=) op(A)·op(B), all row-major float32 at the given byte addresses, with leading
 * dimensions (row strides) in elements, so a call can cover a block of larger matrices. A is m×k
 * (k×m with transA), B is k×n (n×k with transB). `scratch` points at scratchBytes() of memory no
 * other running call uses. Requires m, n, k ≥ 1.
 *
 * Each element of C is the same sequence of operations whatever block of C a call covers (the
 * depth is always blocked by KC from 0), so splitting C between threads at multiples of MR rows
 * or NR columns gives bit-identical results.
 */
export function sgemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  transA: bool,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  const bufA = scratch;
  const bufB = bufA + PACK_A_BYTES;
  const edge = bufB + PACK_B_BYTES;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, ldb, transB, pc, kc, jc, nc, bufB);
      const overwrite = pc == 0 && !accumulate;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, lda, transA, ic, mc, pc, kc, bufA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = bufB + (<usize>jr * kc << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const pa = bufA + (<usize>ir * kc << 2);
            const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            micro(kc, pa, pb, cp, ldc, overwrite, rows, cols, edge);
          }
        }
      }
    }
  }
}
