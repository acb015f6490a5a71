import { Variable } from "@nabla/autograd";
import { describe, formatShape, Tensor } from "@nabla/tensor";

/** A batch's input and target, checked: Tensors whose first (batch) dimensions agree. */
export function unpack(batch: readonly Tensor[], op: string): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new Error(`${op}: each batch must be [input, target, ...] Tensors, got ${describe(batch)}`);
  }
  const [x, y] = batch as [Tensor, Tensor];
  if (x.rank === 0 || x.shape[0] === 0)
    throw new Error(`${op}: a batch input has shape ${formatShape(x.shape)}, expected [batch, ...] with batch > 0`);
  if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
    throw new Error(
      `${op}: batch input ${formatShape(x.shape)} and target ${formatShape(y.shape)} differ in their first (batch) dimension`,
    );
  }
  return [x, y];
}

/** The value of what the loss function returned, which must be a scalar Variable. */
export function scalarLoss(loss: unknown, op: string): number {
  if (!(loss instanceof Variable))
    throw new Error(`${op}: the loss function returned ${describe(loss)}, expected a scalar Variable`);
  if (loss.size !== 1) {
    throw new Error(
      `${op}: the loss has shape ${formatShape(loss.shape)}, expected a scalar (use reduction 'mean' or 'sum')`,
    );
  }
  return loss.value.data[0]!;
}
