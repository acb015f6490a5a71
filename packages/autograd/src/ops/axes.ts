import type { Shape } from "@nabla/tensor";

/** A non-negative axis, or an error naming the op, for `rank` dimensions. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (rank === 0) throw new Error(`${op}: a scalar (shape []) has no axis ${axis}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(
      `${op}: axis ${axis} is out of range for ${rank} dimensions (expected an integer in [${-rank}, ${rank - 1}])`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * The shape a reduction over `axes` has with keepdims (reduced axes set to 1), so a gradient of
 * the reduced shape can be reshaped and broadcast back. Call after the tensor op validated axes.
 */
export function keptShape(shape: Shape, axes: number | readonly number[] | undefined): number[] {
  const rank = shape.length;
  if (axes === undefined) return new Array<number>(rank).fill(1);
  const kept = [...shape];
  for (const a of typeof axes === "number" ? [axes] : axes) kept[a < 0 ? a + rank : a] = 1;
  return kept;
}

/** Sizes before, along and after one axis: element (o, j, i) sits at (o·n + j)·inner + i. */
export function axisLayout(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { outer, n: shape[axis]!, inner };
}
