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
    (g) => {
      const g2 = T.reshape(g, [rows, outF]);
      return [
        x.requiresGrad ? T.reshape(T.matmul(g2, wv, { transposeB: true }), x.shape) : null,
        w.requiresGrad ? T.matmul(x2, g2, { transposeA: true }) : null,
        b?.requiresGrad ? T.sum(g2, 0) : null,
      ];
    },
    [xv, wv],
  );
}
