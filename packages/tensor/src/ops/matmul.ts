import { kernels } from "../kernels/index.js";
import type { FloatArray } from "../kernels/kernels.js";
import { checkOptions } from "../options.js";
import { allocate, type DType, formatShape, Tensor } from "../tensor.js";
import { checkTensor, convert, floatDtype, promote } from "./util.js";

export interface MatmulOptions {
  /** Use the transpose of each matrix of a (its last two axes swapped); no copy is made. */
  transposeA?: boolean;
  /** Use the transpose of each matrix of b. */
  transposeB?: boolean;
}

function floatData(t: Tensor, dtype: DType): FloatArray {
  return (t.dtype === dtype ? t.data : convert(t.data, dtype)) as FloatArray;
}

/**
 * Matrix product through `kernels.gemm`: [m,k] @ [k,n] → [m,n]; batched [B,m,k] @ [B,k,n] →
 * [B,m,n]; and [B,m,k] @ [k,n] → [B,m,n] (one weight for the whole batch). The transpose options
 * apply to the last two axes. int32 operands compute in float32; float64 wins over float32.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkTensor("matmul", a, "a");
  checkTensor("matmul", b, "b");
  checkOptions("matmul", options, ["transposeA", "transposeB"]);
  const transposeA = options.transposeA === true;
  const transposeB = options.transposeB === true;
  const flags = [transposeA ? "transposeA" : "", transposeB ? "transposeB" : ""].filter((f) => f !== "").join(", ");
  const shapes = `${formatShape(a.shape)} @ ${formatShape(b.shape)}${flags === "" ? "" : ` (${flags})`}`;
  const ranksOk = (a.rank === 2 && b.rank === 2) || (a.rank === 3 && (b.rank === 3 || b.rank === 2));
  if (!ranksOk) {
    throw new Error(`matmul: expected 2-D @ 2-D, 3-D @ 3-D or 3-D @ 2-D operands, got ${shapes}`);
  }
  const batch = a.rank === 3 ? a.shape[0]! : 1;
  if (b.rank === 3 && b.shape[0] !== batch) {
    throw new Error(`matmul: batch sizes differ: ${shapes}`);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const kb = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (k !== kb) throw new Error(`matmul: inner dimensions differ: ${shapes}`);

  const dtype = floatDtype(promote(a.dtype, b.dtype));
  const ad = floatData(a, dtype);
  const bd = floatData(b, dtype);
  const outShape = a.rank === 3 ? [batch, m, n] : [m, n];
  const out = allocate(dtype, batch * m * n, "matmul", outShape) as FloatArray;
  const active = kernels;
  if (b.rank === 2 && !transposeA) {
    // The batch of row-major [m,k] matrices is one [batch·m, k] matrix: a single call.
    active.gemm(batch * m, n, k, ad, 0, false, bd, 0, transposeB, out, 0, false);
  } else {
    const bStep = b.rank === 3 ? k * n : 0;
    for (let i = 0; i < batch; i++) {
      active.gemm(m, n, k, ad, i * m * k, transposeA, bd, i * bStep, transposeB, out, i * m * n, false);
    }
  }
  return new Tensor(out, outShape);
}
