// AssemblyScript: sgemm that skips the zero entries of op(A) (MNIST pixels are ~80% zeros, ReLU
// activations about half), for B not transposed. With finite B its result is bit for bit that of
// the dense kernel (./gemm.ts), so which kernel a call runs is invisible.
//
// Why the bits match: the dense kernel computes each element of C as one partial sum per
// KC-block of the depth, in increasing p from +0 (c + a·b, mul then add, in float32), then stores
// it into C (first block, not accumulating) or adds it (partial + C). A term with a == 0 and b
// finite is ±0, and adding ±0 leaves a partial unchanged (a partial is never -0: it starts at +0,
// and a sum is -0 only when both terms are). So skipping such terms changes nothing, provided the
// blocks and the order within them are the same, which this kernel keeps. A skipped 0·Infinity or
// 0·NaN would have been NaN: there the results differ, as in the reference BLAS (its SGEMM long
// skipped the zeros of B; recent versions compute every term).
//
// Structure: for each KC-block and each row of op(A), the row's non-zeros are first listed
// (value, byte offset of B's row), then streamed against B's rows one strip of columns at a time,
// that strip of C in registers.

import { KC } from "./gemm";

/** Bytes of one list: a value or an offset for each depth of a block. */
const LIST: usize = KC * 4;
/** Rows whose lists are built together when A is transposed (one 4×4 tile at a time). */
const ROWS: i32 = 4;
// The scratch region: the compress table, ROWS list lengths (padded to a cache line), then ROWS
// lists of values, each followed by its list of offsets.
const TABLE_BYTES: usize = 16 * 16;
const COUNTS_BYTES: usize = 64;
const LISTS_START: usize = TABLE_BYTES + COUNTS_BYTES;

/** Bytes of scratch sgemmSparseA needs (less than sgemm's). */
export function sparseScratchBytes(): i32 {
  return <i32>(LISTS_START + ROWS * 2 * LIST);
}

/**
 * Non-zero float32 values (NaN counts, -0 does not) among the `count` at byte address `x`: the
 * density check that chooses between this kernel and the dense one.
 */
export function nonZeros(x: usize, count: i32): i32 {
  const zero = f32x4.splat(0);
  // f32x4.ne is -1 (all ones) in the lanes that are non-zero: subtracting it counts them.
  let acc0 = i32x4.splat(0), acc1 = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    acc0 = i32x4.sub(acc0, f32x4.ne(v128.load(x), zero));
    acc1 = i32x4.sub(acc1, f32x4.ne(v128.load(x, 16), zero));
    x += 32;
  }
  const acc = i32x4.add(acc0, acc1);
  let total = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < count; i++) {
    if (load<f32>(x) != 0) total++;
    x += 4;
  }
  return total;
}

// The swizzle table that compresses a vector: entry `mask` (16 bytes) moves the lanes whose bit is
// set in `mask` to the front, in order. Written at each call: the module has no data segment
// (see ./gemm.ts), and 64 stores are nothing next to a gemm.
function writeCompressTable(table: usize): void {
  for (let mask = 0; mask < 16; mask++) {
    const entry = table + (<usize>mask << 4);
    let out: usize = 0;
    for (let lane: u32 = 0; lane < 4; lane++) {
      if ((mask >> lane) & 1) {
        store<u32>(entry + out, 0x03020100 + lane * 0x04040404); // the lane's four bytes
        out += 4;
      }
    }
    for (; out < 16; out += 4) store<u32>(entry + out, 0x80808080); // out-of-range indices give 0
  }
}

// Appends the non-zero lanes of `v`, op(A) at the block's depths p..p+3, to a list: their values
// at `vals + n` and the byte offsets of B's rows p.. at `offs + n`; returns the new length n in
// bytes. Branch-free: it always writes 4 entries, and only the non-zero ones count. The writes
// stay inside the list, since n ≤ 4·p.
// @ts-ignore: decorator
@inline
function compress(v: v128, p: i32, rowBytes: usize, table: usize, vals: usize, offs: usize, n: usize): usize {
  const mask = i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
  const shuffle = v128.load(table + (<usize>mask << 4));
  const rb = <i32>rowBytes;
  const offsets = i32x4.add(i32x4.splat(p * rb), i32x4(0, rb, 2 * rb, 3 * rb));
  v128.store(vals + n, i8x16.swizzle(v, shuffle));
  v128.store(offs + n, i8x16.swizzle(offsets, shuffle));
  return n + (<usize>popcnt(mask) << 2);
}

// Appends op(A)'s value x at the block's depth p to a list of length n (bytes) if it is non-zero;
// returns the new length. Branch-free.
// @ts-ignore: decorator
@inline
function append(x: f32, p: i32, rowBytes: usize, vals: usize, n: usize): usize {
  store<f32>(vals + n, x);
  store<u32>(vals + LIST + n, <u32>(<usize>p * rowBytes));
  return n + select<usize>(4, 0, x != 0);
}

// Lists the non-zeros of row i of op(A) at the block's depths p0..p0+kc, values at `vals` and
// offsets at `vals + LIST`; returns the list's length in bytes.
function gatherRow(a: usize, lda: i32, transA: bool, i: i32, p0: i32, kc: i32, rowBytes: usize, table: usize, vals: usize): usize {
  const offs = vals + LIST;
  let n: usize = 0;
  let p = 0;
  if (!transA) {
    let src = a + ((<usize>i * lda + p0) << 2);
    // Runs of 16 zeros (an image's margins) are passed over whole.
    for (; p + 16 <= kc; p += 16) {
      const v0 = v128.load(src), v1 = v128.load(src, 16), v2 = v128.load(src, 32), v3 = v128.load(src, 48);
      if (v128.any_true(v128.or(v128.or(v0, v1), v128.or(v2, v3)))) {
        n = compress(v0, p, rowBytes, table, vals, offs, n);
        n = compress(v1, p + 4, rowBytes, table, vals, offs, n);
        n = compress(v2, p + 8, rowBytes, table, vals, offs, n);
        n = compress(v3, p + 12, rowBytes, table, vals, offs, n);
      }
      src += 64;
    }
    for (; p + 4 <= kc; p += 4) {
      n = compress(v128.load(src), p, rowBytes, table, vals, offs, n);
      src += 16;
    }
    for (; p < kc; p++) {
      n = append(load<f32>(src), p, rowBytes, vals, n);
      src += 4;
    }
  } else {
    // Column i of A, one element per row: only for the last m % ROWS rows.
    let src = a + ((<usize>p0 * lda + i) << 2);
    const stride = <usize>lda << 2;
    for (; p < kc; p++) {
      n = append(load<f32>(src), p, rowBytes, vals, n);
      src += stride;
    }
  }
  return n;
}

// gatherRow for the ROWS rows i..i+3 of op(A) = Aᵀ, into the lists at `lists` (the r-th at
// lists + r·2·LIST), their lengths at `counts`: A's rows hold 4 consecutive columns contiguously,
// so 4×4 tiles are loaded and transposed in registers, which gives each row 4 depths at a time.
function gatherRowsTransposed(a: usize, lda: i32, i: i32, p0: i32, kc: i32, rowBytes: usize, table: usize, lists: usize, counts: usize): void {
  const l0 = lists, l1 = l0 + 2 * LIST, l2 = l1 + 2 * LIST, l3 = l2 + 2 * LIST;
  let src = a + ((<usize>p0 * lda + i) << 2);
  const stride = <usize>lda << 2;
  let n0: usize = 0, n1: usize = 0, n2: usize = 0, n3: usize = 0;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const r0 = v128.load(src);
    const r1 = v128.load(src + stride);
    const r2 = v128.load(src + 2 * stride);
    const r3 = v128.load(src + 3 * stride);
    src += 4 * stride;
    // An all-zero tile (the margins again) lists nothing.
    if (!v128.any_true(v128.or(v128.or(r0, r1), v128.or(r2, r3)))) continue;
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    n0 = compress(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), p, rowBytes, table, l0, l0 + LIST, n0);
    n1 = compress(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), p, rowBytes, table, l1, l1 + LIST, n1);
    n2 = compress(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), p, rowBytes, table, l2, l2 + LIST, n2);
    n3 = compress(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), p, rowBytes, table, l3, l3 + LIST, n3);
  }
  for (; p < kc; p++) {
    n0 = append(load<f32>(src), p, rowBytes, l0, n0);
    n1 = append(load<f32>(src, 4), p, rowBytes, l1, n1);
    n2 = append(load<f32>(src, 8), p, rowBytes, l2, n2);
    n3 = append(load<f32>(src, 12), p, rowBytes, l3, n3);
    src += stride;
  }
  store<u32>(counts, <u32>n0);
  store<u32>(counts, <u32>n1, 4);
  store<u32>(counts, <u32>n2, 8);
  store<u32>(counts, <u32>n3, 12);
}

// C[i, j..j+4w] (=|+=) Σ over the list of value·B[p, j..j+4w], where `bp` = &B[p0, j] and `out` =
// &C[i, j]: w ≤ 6 accumulators stay in registers while the list streams by. w is a constant at
// each call, so the `if`s fold away. Not 8: V8 loads all w B vectors before multiplying, and
// 8 accumulators + 8 loads + the splat spilled an accumulator (1.8× slower).
// @ts-ignore: decorator
@inline
function strip(w: i32, vals: usize, offs: usize, count: usize, bp: usize, out: usize, overwrite: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0), c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  for (let t: usize = 0; t < count; t += 4) {
    const a = v128.load32_splat(vals + t);
    const row = bp + <usize>load<u32>(offs + t);
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(row)));
    if (w > 1) c1 = f32x4.add(c1, f32x4.mul(a, v128.load(row, 16)));
    if (w > 2) c2 = f32x4.add(c2, f32x4.mul(a, v128.load(row, 32)));
    if (w > 3) c3 = f32x4.add(c3, f32x4.mul(a, v128.load(row, 48)));
    if (w > 4) c4 = f32x4.add(c4, f32x4.mul(a, v128.load(row, 64)));
    if (w > 5) c5 = f32x4.add(c5, f32x4.mul(a, v128.load(row, 80)));
  }
  if (!overwrite) {
    c0 = f32x4.add(c0, v128.load(out));
    if (w > 1) c1 = f32x4.add(c1, v128.load(out, 16));
    if (w > 2) c2 = f32x4.add(c2, v128.load(out, 32));
    if (w > 3) c3 = f32x4.add(c3, v128.load(out, 48));
    if (w > 4) c4 = f32x4.add(c4, v128.load(out, 64));
    if (w > 5) c5 = f32x4.add(c5, v128.load(out, 80));
  }
  v128.store(out, c0);
  if (w > 1) v128.store(out, c1, 16);
  if (w > 2) v128.store(out, c2, 32);
  if (w > 3) v128.store(out, c3, 48);
  if (w > 4) v128.store(out, c4, 64);
  if (w > 5) v128.store(out, c5, 80);
}

// strip() for one column, in scalar float32: the operations of one lane.
// @ts-ignore: decorator
@inline
function column(vals: usize, offs: usize, count: usize, bp: usize, out: usize, overwrite: bool): void {
  let c: f32 = 0;
  for (let t: usize = 0; t < count; t += 4) c = c + load<f32>(vals + t) * load<f32>(bp + <usize>load<u32>(offs + t));
  store<f32>(out, overwrite ? c : c + load<f32>(out));
}

// C[i, 0..n] (=|+=) the listed row of op(A) times the block of B's rows at `block`; `out` = &C[i, 0].
function rowTimesBlock(vals: usize, count: usize, block: usize, n: i32, out: usize, overwrite: bool): void {
  const offs = vals + LIST;
  let j = 0;
  for (; j + 24 <= n; j += 24) strip(6, vals, offs, count, block + (<usize>j << 2), out + (<usize>j << 2), overwrite);
  if (j + 16 <= n) {
    strip(4, vals, offs, count, block + (<usize>j << 2), out + (<usize>j << 2), overwrite);
    j += 16;
  }
  if (j + 8 <= n) {
    strip(2, vals, offs, count, block + (<usize>j << 2), out + (<usize>j << 2), overwrite);
    j += 8;
  }
  if (j + 4 <= n) {
    strip(1, vals, offs, count, block + (<usize>j << 2), out + (<usize>j << 2), overwrite);
    j += 4;
  }
  for (; j < n; j++) column(vals, offs, count, block + (<usize>j << 2), out + (<usize>j << 2), overwrite);
}

/**
 * C[m×n] (=|+=) op(A)·B, skipping the terms whose A entry is zero: sgemm's parameters, B not
 * transposed (k×n, its rows contiguous). Bit-identical to sgemm when B is finite; where B holds an
 * Infinity or a NaN, a 0 in A contributes nothing instead of NaN, as in the reference BLAS.
 * `scratch` points at sparseScratchBytes() of memory no other running call uses. Requires
 * m, n, k ≥ 1.
 */
export function sgemmSparseA(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  transA: bool,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  const table = scratch;
  const counts = scratch + TABLE_BYTES;
  const lists = scratch + LISTS_START;
  writeCompressTable(table);
  const rowBytes = <usize>ldb << 2;
  const cRowBytes = <usize>ldc << 2;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const overwrite = pc == 0 && !accumulate;
    const block = b + <usize>pc * rowBytes;
    let i = 0;
    if (transA) {
      for (; i + ROWS <= m; i += ROWS) {
        gatherRowsTransposed(a, lda, i, pc, kc, rowBytes, table, lists, counts);
        for (let r = 0; r < ROWS; r++) {
          const count = <usize>load<u32>(counts + (<usize>r << 2));
          rowTimesBlock(lists + <usize>r * 2 * LIST, count, block, n, c + <usize>(i + r) * cRowBytes, overwrite);
        }
      }
    }
    for (; i < m; i++) {
      const count = gatherRow(a, lda, transA, i, pc, kc, rowBytes, table, lists);
      rowTimesBlock(lists, count, block, n, c + <usize>i * cRowBytes, overwrite);
    }
  }
}
