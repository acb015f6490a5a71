import { Tensor, formatShape } from "../tensor.js";
import { addRow, addRowFloat32, runBinary } from "./elementwise.js";
import { type Operand, asTensor, checkOperand, checkTensor, describe } from "./util.js";

/**
 * target += source, in target's own storage (the one op that mutates; autograd accumulation and
 * optimizers use it to avoid allocating). source must have target's shape or broadcast to it.
 * A float source cannot go into an int32 target. Returns target.
 */
export function accumulate(target: Tensor, source: Operand): Tensor {
  checkTensor("accumulate", target, "target");
  checkOperand("accumulate", source);
  const src = asTensor(source, target.dtype);
  if (target.dtype === "int32" && (src.dtype !== "int32" || (typeof source === "number" && !Number.isInteger(source)))) {
    throw new Error(`accumulate: cannot add ${describe(source)} into an int32 target (it would truncate); cast the target to a float dtype`);
  }
  const extra = target.rank - src.rank;
  const fits = extra >= 0 && src.shape.every((d, i) => d === 1 || d === target.shape[extra + i]);
  if (!fits) {
    throw new Error(`accumulate: source shape ${formatShape(src.shape)} does not broadcast to target shape ${formatShape(target.shape)}`);
  }
  // Writing into target's own data while reading it element by element is safe: out[i] = a[i] + b[·].
  const row = target.dtype === "float32" && src.dtype === "float32" ? addRowFloat32 : addRow;
  runBinary("accumulate", row, target, src, target.dtype, target.data);
  return target;
}
