import { formatShape, type Tensor } from "@nabla/tensor";

/**
 * A quantity accumulated over the batches of an epoch (or of one `evaluate` call), Keras-style:
 * the Trainer calls `reset()`, then `update(output, target)` after every batch, and reads
 * `result()` for the logs. `output` is the model's output (logits for classifiers) and `target`
 * the batch's second tensor, both plain Tensors. `name` is the key in the logs ("accuracy" gives
 * "accuracy" and "valAccuracy").
 */
export interface Metric {
  readonly name: string;
  reset(): void;
  update(output: Tensor, target: Tensor): void;
  result(): number;
}

/** What the Trainer's `metrics` option accepts: a built-in metric's name or your own Metric. */
export type MetricSpec = "accuracy" | Metric;

/**
 * The fraction of rows whose largest logit is at the target class. Targets are int32 class
 * indices [B], or [B, C] probabilities / one-hot rows (their argmax is the class).
 */
export class Accuracy implements Metric {
  readonly name = "accuracy";
  private correct = 0;
  private total = 0;

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }

  update(output: Tensor, target: Tensor): void {
    this.correct += countCorrect(output, target);
    this.total += output.shape[0]!;
  }

  result(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
}

/** Rows of `output` [B, C] whose argmax (first on ties) equals the target class. */
export function countCorrect(output: Tensor, target: Tensor): number {
  if (output.rank !== 2) {
    throw new Error(`accuracy: output has shape ${formatShape(output.shape)}, expected [batch, classes]`);
  }
  const [rows, classes] = output.shape as [number, number];
  const hard = target.rank === 1 && target.shape[0] === rows;
  const soft = target.rank === 2 && target.shape[0] === rows && target.shape[1] === classes;
  if (!hard && !soft) {
    throw new Error(
      `accuracy: target has shape ${formatShape(target.shape)} for output ${formatShape(output.shape)}, ` +
        `expected [${rows}] class indices or [${rows},${classes}] probabilities`,
    );
  }
  const z = output.data;
  const t = target.data;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const predicted = argmaxRow(z, i * classes, classes);
    const truth = hard ? t[i]! : argmaxRow(t, i * classes, classes);
    if (predicted === truth) correct++;
  }
  return correct;
}

function argmaxRow(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestValue = data[offset]!;
  for (let j = 1; j < n; j++) {
    const v = data[offset + j]!;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

export function createMetric(spec: MetricSpec): Metric {
  if (spec === "accuracy") return new Accuracy();
  if (
    typeof spec === "object" &&
    spec !== null &&
    typeof spec.name === "string" &&
    typeof spec.reset === "function" &&
    typeof spec.update === "function" &&
    typeof spec.result === "function"
  ) {
    return spec;
  }
  throw new Error(
    `Trainer: unknown metric ${JSON.stringify(spec)}: expected 'accuracy' or an object with name, reset, update and result`,
  );
}
