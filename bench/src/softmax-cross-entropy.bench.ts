// Run, not asserted: `npx vitest bench --dir bench`.
import {
  Generator,
  logSoftmax,
  mean,
  mul,
  neg,
  oneHot,
  randint,
  randn,
  softmaxCrossEntropy,
  sum,
  variable,
} from "nabla";
import { bench, describe } from "vitest";

for (const [B, C] of [
  [64, 10],
  [256, 1000],
] as const) {
  describe(`forward + backward, float32 [${B},${C}]`, () => {
    const logits = randn([B, C], { generator: new Generator(1), std: 4 });
    const labels = randint(0, C, [B], { generator: new Generator(2) });
    const q = oneHot(labels, C);
    bench("fused softmaxCrossEntropy", () => {
      const z = variable(logits, { requiresGrad: true });
      softmaxCrossEntropy(z, labels).backward();
    });
    bench("composed -(q·logSoftmax(z)).sum(1).mean()", () => {
      const z = variable(logits, { requiresGrad: true });
      mean(neg(sum(mul(q, logSoftmax(z, 1)), 1))).backward();
    });
  });
}
