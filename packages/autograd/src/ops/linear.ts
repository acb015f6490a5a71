import * as T from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";

/**
 * x·W + b as ONE graph node (Dense's op): x [..., in], weight [in, out], bias [out] → [..., out].
 * The forward pre-fills the result with the bias and lets gemm accumulate into it, so the bias
 * costs no extra pass. Backward: dx = g·Wᵀ, dW = xᵀ·g (transpose flags, no copies), db = Σ_rows g.
 */
export function linear(input: Input, weight: Input, bias?: Input): Variable {
  const x = asVariable(input, undefined, "linear");
  const w = asVariable(weight, undefined, "linear");
  const b = bias === undefined ? null : asVariable(bias, undefined, "linear");
  if (w.rank !== 2) throw new Error(`linear: weight must be 2-D [in,out], got shape ${T.formatShape(w.shape)}`);
  const [inF, outF] = w.shape as [number, number];
  if (x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: inner dimensions differ: ${T.formatShape(x.shape)} @ ${T.formatShape(w.shape)}`);
  }
  if (b !== null && (b.rank !== 1 || b.shape[0] !== outF)) {
    throw new Error(
      `linear: bias must have shape [${outF}] for weight ${T.formatShape(w.shape)}, got ${T.formatShape(b.shape)}`,
    );
  }
  // gemm needs one element type: promote like the elementwise ops (int32 → float32).
  const dtype: T.DType = [x, w, b].some((v) => v?.dtype === "float64") ? "float64" : "float32";
  const as = (v: Variable): T.Tensor => (v.dtype === dtype ? v.value : T.cast(v.value, dtype));
  const xv = as(x);
  const wv = as(w);
  const rows = T.shapeSize(x.shape.slice(0, -1));
  const x2 = T.reshape(xv, [rows, inF]);

  const outShape = [...x.shape.slice(0, -1), outF];
  const out = T.allocate(dtype, rows * outF, "linear", outShape) as T.FloatArray;
  if (b !== null) {
    const bd = as(b).data;
    for (let r = 0; r < rows; r++) out.set(bd, r * outF);
  }
  T.kernels.gemm(
    rows,
    outF,
    inF,
    x2.data as T.FloatArray,
    0,
    false,
    wv.data as T.FloatArray,
    0,
    false,
    out,
    0,
    b !== null,
  );

  const inputs = b === null ? [x, w] : [x, w, b];
  return record(
    "linear",
    inputs,
    new T.Tensor(out, outShape),
    (g, into) => {
      const g2 = T.reshape(g, [rows, outF]);
      return [
        x.requiresGrad ? T.reshape(T.matmul(g2, wv, { transposeB: true }), x.shape) : null,
        w.requiresGrad ? weightGradient(x2, g2, dtype, into(1)) : null,
        b?.requiresGrad ? T.sum(g2, 0) : null,
      ];
    },
    [xv, wv],
  );
}

/**
 * dW = x2ᵀ·g2, added by gemm straight into the weight's kept gradient buffer when backward offers
 * one of the compute dtype (0 + a sum is that sum: the same bits as a fresh product), else a new
 * tensor.
 */
function weightGradient(x2: T.Tensor, g2: T.Tensor, dtype: T.DType, kept: T.Tensor | null): T.Tensor {
  if (kept === null || kept.dtype !== dtype || g2.dtype !== dtype) return T.matmul(x2, g2, { transposeA: true });
  const [rows, inF] = x2.shape as [number, number];
  const outF = g2.shape[1]!;
  T.kernels.gemm(
    inF,
    outF,
    rows,
    x2.data as T.FloatArray,
    0,
    true,
    g2.data as T.FloatArray,
    0,
    false,
    kept.data as T.FloatArray,
    0,
    true,
  );
  return kept;
}
