import { full, maxAbsDiff, pad, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { conv2d } from "../src/index.js";

// conv2d's im2col buffer (one per dtype) only grows, so stale values can sit exactly where a
// padded conv must write zeros. Vitest gives each test file fresh modules: here the buffer starts
// empty, and each test (one per dtype, so neither depends on the other) first fills it with an
// unpadded conv of exactly the size the padded conv needs. Mutation testing showed that with a
// larger buffer, a broken zeroing of the padding is hidden by TypedArray.fill's negative end.

describe("a padded conv right after an unpadded conv of the same scratch size", () => {
  it("float64: an output made only of padding is zero, not the previous conv's input", () => {
    const x = tensor([3, 4], [1, 2, 1, 1], "float64");
    const w = full([1, 2, 1, 1], 1, "float64");
    // K·P = 2·1 for both: the first leaves [3, 4] in the buffer.
    expect(Array.from(conv2d(x, w).value.data)).toEqual([7]);
    // No bias: a bias would add a row of ones and a larger (fresh) buffer.
    const out = conv2d(x, w, null, { padding: 1, stride: 3 });
    expect(out.shape).toEqual([1, 1, 1, 1]);
    expect(Array.from(out.value.data)).toEqual([0]);
  });

  it("float32: the bottom padding rows of the last kernel tap read zeros", () => {
    const ramp = (n: number): Tensor =>
      tensor(
        Array.from({ length: n * n }, (_, i) => i + 1),
        [1, 1, n, n],
      );
    const w = tensor(
      Array.from({ length: 9 }, (_, i) => i - 4),
      [1, 1, 3, 3],
    );
    // K·P = 9·16 for both: a 6×6 input unpadded, then a 4×4 input with padding 1.
    conv2d(ramp(6), w);
    const x = ramp(4);
    const got = conv2d(x, w, null, { padding: 1 }).value;
    const want = conv2d(
      pad(x, [
        [0, 0],
        [0, 0],
        [1, 1],
        [1, 1],
      ]),
      w,
    ).value;
    expect(maxAbsDiff(got, want)).toBe(0);
  });
});
