import type { FloatArray } from "./kernels.js";

// The activations' elementwise loops, forward and backward, each writing every element of its
// output (so a reused buffer serves as well as a fresh one). The float32 loops select on the
// floats' bits instead of comparing: the signs of real activations are random, so a comparison
// mispredicts a branch for about every second element (relu's and leakyRelu's forward and backward
// measured 2–3× faster this way). The wasm backend runs these same loops: each reads and writes
// every element once, so copying into linear memory and back would cost more than the loop.

/**
 * All ones when the float32 with bit pattern b is not positive (negative, ±0 or NaN), else 0:
 * the sign bit of b (negatives, -0), of b − 1 (+0), or of the magnitude's distance below
 * Infinity's pattern (NaN).
 */
function notPositive(b: number): number {
  return (b | (b - 1) | (0x7f800000 - (b & 0x7fffffff))) >> 31;
}

/** The int32 view of float32 storage, for the loops on bits. */
function bitsOf(x: Float32Array, n: number): Int32Array {
  return new Int32Array(x.buffer, x.byteOffset, n);
}

/** out = max(x, 0) over n elements; NaN stays NaN (as in PyTorch), -0 becomes +0. */
function reluForward(n: number, x: FloatArray, out: FloatArray): void {
  if (x instanceof Float32Array && out instanceof Float32Array) {
    const bits = bitsOf(x, n);
    const outBits = bitsOf(out, n);
    for (let i = 0; i < n; i++) {
      const b = bits[i]!;
      const negative = b >> 31; // all ones when the sign bit is set
      const nan = (0x7f800000 - (b & 0x7fffffff)) >> 31; // all ones for a NaN
      outBits[i] = b & ~(negative & ~nan);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = v > 0 || v !== v ? v : 0;
  }
}

/** dx = g where x > 0, else +0 (the gradient at 0 is 0). */
function reluBackward(n: number, x: FloatArray, g: FloatArray, dx: FloatArray): void {
  if (x instanceof Float32Array && g instanceof Float32Array && dx instanceof Float32Array) {
    const xBits = bitsOf(x, n);
    const gBits = bitsOf(g, n);
    const dxBits = bitsOf(dx, n);
    for (let i = 0; i < n; i++) dxBits[i] = gBits[i]! & ~notPositive(xBits[i]!);
    return;
  }
  for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? g[i]! : 0;
}

/**
 * out = v where x > 0, else slope·v: leakyRelu's forward (v = x) and backward (v = g). In float32,
 * slope·v is stored, so rounded to float32, then its bits or v's are kept.
 */
function leakyRelu(n: number, x: FloatArray, v: FloatArray, slope: number, out: FloatArray): void {
  if (x instanceof Float32Array && v instanceof Float32Array && out instanceof Float32Array) {
    const xBits = bitsOf(x, n);
    const vBits = bitsOf(v, n);
    const outBits = bitsOf(out, n);
    for (let i = 0; i < n; i++) {
      out[i] = slope * v[i]!;
      const off = notPositive(xBits[i]!);
      outBits[i] = (vBits[i]! & ~off) | (outBits[i]! & off);
    }
    return;
  }
  for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? v[i]! : slope * v[i]!;
}

/** dx = g·y·(1 − y), y the sigmoid's output. */
function sigmoidBackward(n: number, y: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    dx[i] = g[i]! * yi * (1 - yi);
  }
}

/** dx = g·(1 − y²), y the tanh's output. */
function tanhBackward(n: number, y: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    dx[i] = g[i]! * (1 - yi * yi);
  }
}

/** The activations' loops: reluForward, reluBackward, leakyRelu, sigmoidBackward, tanhBackward. */
export const activationKernels = { reluForward, reluBackward, leakyRelu, sigmoidBackward, tanhBackward };
