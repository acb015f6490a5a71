import { checkOptions } from "../options.js";
import { allocate } from "../tensor.js";
import { broadcastInto, broadcastShapesFor } from "./broadcast.js";
import { asTensor, checkOperand, type Operand } from "./util.js";

export interface AllCloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
}

/** Both operands broadcast to their common shape, as float64 arrays (test helpers favour clarity over speed). */
function expand(op: string, a: Operand, b: Operand): [Float64Array, Float64Array] {
  checkOperand(op, a);
  checkOperand(op, b);
  const x = asTensor(a, "float64");
  const y = asTensor(b, "float64");
  const shape = broadcastShapesFor(op, [x.shape, y.shape]);
  const size = shape.reduce((p, d) => p * d, 1);
  const xs = allocate("float64", size) as Float64Array;
  const ys = allocate("float64", size) as Float64Array;
  broadcastInto(x, shape, xs);
  broadcastInto(y, shape, ys);
  return [xs, ys];
}

/**
 * NumPy's allclose: every |a - b| <= atol + rtol·|b| (shapes broadcast). NaN is never close;
 * equal infinities are.
 */
export function allClose(a: Operand, b: Operand, options: AllCloseOptions = {}): boolean {
  checkOptions("allClose", options, ["rtol", "atol"]);
  const { rtol = 1e-5, atol = 1e-8 } = options;
  if (!(rtol >= 0) || !(atol >= 0))
    throw new Error(`allClose: rtol and atol must be non-negative, got rtol=${rtol}, atol=${atol}`);
  const [x, y] = expand("allClose", a, b);
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (u === v) continue;
    // Unequal infinities (or a NaN) are never close, whatever rtol·|b| says.
    if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false;
  }
  return true;
}

/** The largest |a - b| over the broadcast shapes: 0 when empty, NaN if any difference is NaN. */
export function maxAbsDiff(a: Operand, b: Operand): number {
  const [x, y] = expand("maxAbsDiff", a, b);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    const d = u === v ? 0 : Math.abs(u - v);
    if (d > m || d !== d) m = d;
    if (m !== m) return m;
  }
  return m;
}
