import { accumulate, add, type Tensor, type TypedArray, zerosLike } from "@nabla/tensor";
import type { Variable } from "./variable.js";

/**
 * Gradient storage that autograd made for a leaf and that nothing else references: zeroGrad may
 * zero it and backward may add into it in place. A gradient handed to a leaf as an op computed it
 * (the first backward) is not in here: an op may have returned a tensor it also keeps (a saved
 * output, the caller's seed), so the first zeroGrad swaps it for a buffer of the leaf's own, once.
 */
const owned = new WeakSet<TypedArray>();

/**
 * Adds `g` into the leaf gradient `current` and returns the result: in place when `current` is a
 * buffer the leaf owns with g's shape and dtype (every step of a loop after the first), else a
 * new tensor.
 */
export function accumulateGradient(current: Tensor, g: Tensor): Tensor {
  const fits =
    owned.has(current.data) &&
    current.data !== g.data &&
    current.dtype === g.dtype &&
    current.shape.length === g.shape.length &&
    current.shape.every((d, i) => d === g.shape[i]);
  return fits ? accumulate(current, g) : add(current, g);
}

/**
 * The gradient zeroGrad leaves: the same storage, zeroed, when the leaf owns it; otherwise a
 * zeroed buffer of its own, which later steps then reuse (allocated once, on the first zeroGrad).
 */
export function zeroedGradient(grad: Tensor): Tensor {
  if (owned.has(grad.data)) {
    grad.data.fill(0);
    grad.markModified();
    return grad;
  }
  const fresh = zerosLike(grad);
  owned.add(fresh.data);
  return fresh;
}

/** The gradient buffer an op may add `v`'s gradient into directly (see Backward), or null. */
export function gradientBuffer(v: Variable): Tensor | null {
  const grad = v.grad;
  if (v.node !== null || grad === null || !owned.has(grad.data) || grad.dtype !== v.dtype) return null;
  return grad.shape.length === v.shape.length && grad.shape.every((d, i) => d === v.shape[i]) ? grad : null;
}
