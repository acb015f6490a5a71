import { noGrad, Variable } from "@nabla/autograd";
import type { Module } from "@nabla/layers";
import { allocate, describe, formatShape, Tensor } from "@nabla/tensor";

/** model.forward(x), which must give a Variable; errors start with `op`. */
export function forwardChecked(model: Module, x: Tensor, op: string): Variable {
  const output: unknown = model.forward(new Variable(x));
  if (!(output instanceof Variable))
    throw new Error(`${op}: model.forward returned ${describe(output)}, expected a Variable`);
  return output;
}

/** Trainer.predict: the model's outputs for every row of `x`, in batches, in eval mode (the mode is restored). */
export function predictInBatches(model: Module, x: Tensor, options: { batchSize?: number }): Tensor {
  const { batchSize = 256 } = options;
  if (!(x instanceof Tensor)) throw new Error(`Trainer.predict: x must be a Tensor, got ${describe(x)}`);
  if (x.rank === 0 || x.shape[0] === 0)
    throw new Error(`Trainer.predict: x has shape ${formatShape(x.shape)}, expected [rows, ...] with rows > 0`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`Trainer.predict: batchSize must be a positive integer, got ${batchSize}`);
  const rows = x.shape[0]!;
  const rowSize = x.size / rows;
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let out: Tensor | null = null;
      let outRow = 0;
      for (let start = 0; start < rows; start += batchSize) {
        const end = Math.min(rows, start + batchSize);
        // A view of the rows, not a copy: ops never write to their inputs.
        const batch = new Tensor(x.data.subarray(start * rowSize, end * rowSize), [end - start, ...x.shape.slice(1)]);
        const y = forwardChecked(model, batch, "Trainer.predict").value;
        if (out === null) {
          outRow = y.size / (end - start);
          out = new Tensor(allocate(y.dtype, rows * outRow), [rows, ...y.shape.slice(1)]);
        }
        out.data.set(y.data, start * outRow);
      }
      return out!;
    });
  } finally {
    model.train(wasTraining);
  }
}
