import { messageOf, normal } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { gradcheckLeaves, mul, sum, tanh, Variable } from "../src/index.js";

describe("gradcheckLeaves", () => {
  it("passes when backward agrees with central differences, and restores every leaf", () => {
    const x = new Variable(normal([2, 3], 1), { requiresGrad: true });
    const w = new Variable(normal([3], 2), { requiresGrad: true });
    const before = Array.from(x.value.data);
    gradcheckLeaves(
      () => sum(tanh(mul(x, w))),
      [
        ["x", x],
        ["w", w],
      ],
    );
    expect(Array.from(x.value.data)).toEqual(before);
  });

  it("names the leaf and element whose gradient is wrong", () => {
    const x = new Variable(normal([3], 1), { requiresGrad: true });
    // The loss reads x's storage through a constant: backward never reaches x.
    const loss = () => sum(mul(new Variable(x.value), 2));
    expect(messageOf(() => gradcheckLeaves(loss, [["x", x]]))).toMatch(
      /^gradcheckLeaves: gradient mismatch at 'x' element 0: analytic 0, numeric (?:1\.9999|2\.0000)\d*, error 2\.000e\+0 \(atol 0\.00001, rtol 0\.0001\)$/,
    );
  });

  it("refuses float32 leaves and unknown options", () => {
    const x = new Variable(normal([2], 1, { dtype: "float32" }), { requiresGrad: true });
    expect(messageOf(() => gradcheckLeaves(() => sum(x), [["x", x]]))).toBe(
      "gradcheckLeaves: leaf 'x' is float32; expected float64",
    );
    expect(messageOf(() => gradcheckLeaves(() => sum(x), [], { tol: 1 } as never))).toBe(
      "gradcheckLeaves: unknown option 'tol'; expected one of eps, atol, rtol",
    );
  });
});
