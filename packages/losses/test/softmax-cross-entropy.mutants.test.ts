import { Generator, randn, type Tensor, tensor } from "@nabla/tensor";
import { describe, expect, it, vi } from "vitest";
import { softmaxCrossEntropy } from "../src/index.js";

// Survivors of the StrykerJS run on softmax-cross-entropy.ts (docs/mutation.md).

const logits = (): Tensor => randn([4, 3], { generator: new Generator(1), dtype: "float64" });

describe("softmaxCrossEntropy: mutation survivors", () => {
  it("refuses a 2-D weight whose first axis is the number of classes ([C, 1])", () => {
    // The rank check on its own: [C, 1] has as many rows as classes, and as many values.
    expect(() => softmaxCrossEntropy(logits(), [0, 1, 2, 0], { weight: tensor([[1], [2], [3]]) })).toThrow(
      new Error("softmaxCrossEntropy: weight has shape [3,1]; expected [3], one per class"),
    );
    expect(() =>
      softmaxCrossEntropy(logits(), [0, 1, 2, 0], {
        weight: tensor([
          [1, 1],
          [2, 2],
          [3, 3],
        ]),
      }),
    ).toThrow(new Error("softmaxCrossEntropy: weight has shape [3,2]; expected [3], one per class"));
  });

  it("a freshly loaded module names the op in its messages", async () => {
    // The op's name is a module-level constant, read once at import: load the module anew so
    // that what is checked is the module as it is now, not one cached by an earlier test file.
    vi.resetModules();
    const fresh = await import("../src/softmax-cross-entropy.js");
    expect(() => fresh.softmaxCrossEntropy([[1, 2]] as never, [0])).toThrow(
      new Error("softmaxCrossEntropy: logits must be a Variable or Tensor, got an array of length 1"),
    );
  });
});
