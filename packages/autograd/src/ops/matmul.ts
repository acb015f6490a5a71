import * as T from "@nabla/tensor";
import { asVariables, type Input, record, type Variable } from "../variable.js";

/**
 * C = A·B. dA = dC·Bᵀ and dB = Aᵀ·dC; the transposes are flags to the kernel, never copies.
 * For 3-D @ 2-D, dB sums over the batch, which the reshape to 2-D does for free.
 */
export function matmul(a: Input, b: Input): Variable {
  const [x, y] = asVariables(a, b, "matmul");
  const out = T.matmul(x.value, y.value);
  return record(
    "matmul",
    [x, y],
    out,
    (g) => {
      const dx = x.requiresGrad ? T.matmul(g, y.value, { transposeB: true }) : null;
      let dy: T.Tensor | null = null;
      if (y.requiresGrad) {
        if (x.rank === 3 && y.rank === 2) {
          const k = x.shape[2]!;
          const n = y.shape[1]!;
          dy = T.matmul(T.reshape(x.value, [-1, k]), T.reshape(g, [-1, n]), { transposeA: true });
        } else {
          dy = T.matmul(x.value, g, { transposeA: true });
        }
      }
      return [dx, dy];
    },
    [x.value, y.value],
  );
}
