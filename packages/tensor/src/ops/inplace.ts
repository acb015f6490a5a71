import { describe } from "../describe.js";
import { formatShape, type Tensor } from "../tensor.js";
import { broadcastInto } from "./broadcast.js";
import { addRow, addRowFloat32, runBinary } from "./elementwise.js";
import { asTensor, checkOperand, checkTensor, type Operand } from "./util.js";

// The in-place ops: each writes into target's own storage, returns target, and bumps its version
// so that a backward pass which saved target's old values throws instead of using the new ones.

/**
 * target += source, in target's own storage (autograd accumulation and optimizers use it to avoid
 * allocating). source must have target's shape or broadcast to it. A float source cannot go into
 * an int32 target. Returns target.
 */
export function accumulate(target: Tensor, source: Operand): Tensor {
  const src = checkInPlace("accumulate", target, source, "add");
  // Writing into target's own data while reading it element by element is safe: out[i] = a[i] + b[·].
  const row = target.dtype === "float32" && src.dtype === "float32" ? addRowFloat32 : addRow;
  runBinary("accumulate", row, target, src, target.dtype, target.data);
  target.markModified();
  return target;
}

/**
 * target ← source, in target's own storage: the supported way to change a tensor's values in place
 * (PyTorch's `copy_`, and `fill_` when source is a number). source must have target's shape or
 * broadcast to it; float64 and float32 convert into each other, a float cannot go into int32.
 * Returns target.
 */
export function assign(target: Tensor, source: Operand): Tensor {
  const src = checkInPlace("assign", target, source, "copy");
  // A source sharing target's storage has target's size, hence its elements in the same order.
  broadcastInto(src, target.shape, target.data);
  target.markModified();
  return target;
}

/** source as a Tensor that can be written into target, or an error naming the op. */
function checkInPlace(op: string, target: Tensor, source: Operand, verb: string): Tensor {
  checkTensor(op, target, "target");
  checkOperand(op, source);
  const src = asTensor(source, target.dtype);
  if (
    target.dtype === "int32" &&
    (src.dtype !== "int32" || (typeof source === "number" && !Number.isInteger(source)))
  ) {
    throw new Error(
      `${op}: cannot ${verb} ${describe(source)} into an int32 target (it would truncate); cast the target to a float dtype`,
    );
  }
  const extra = target.rank - src.rank;
  const fits = extra >= 0 && src.shape.every((d, i) => d === 1 || d === target.shape[extra + i]);
  if (!fits) {
    throw new Error(
      `${op}: source shape ${formatShape(src.shape)} does not broadcast to target shape ${formatShape(target.shape)}`,
    );
  }
  return src;
}
