import * as T from "@nabla/tensor";
import { describe } from "@nabla/tensor";
import { asVariable, type Input, record, type Variable } from "../variable.js";
import { axisLayout, normalizeAxis } from "./axes.js";

// Reshape-like ops move no numbers, so their gradient is the output gradient reshaped back.

export function reshape(a: Input, shape: readonly number[]): Variable {
  const x = asVariable(a, undefined, "reshape");
  return record("reshape", [x], T.reshape(x.value, shape), (g) => [T.reshape(g, x.shape)], []);
}

export function flatten(a: Input, startAxis = 0): Variable {
  const x = asVariable(a, undefined, "flatten");
  return record("flatten", [x], T.flatten(x.value, startAxis), (g) => [T.reshape(g, x.shape)], []);
}

export function squeeze(a: Input, axis?: number): Variable {
  const x = asVariable(a, undefined, "squeeze");
  return record("squeeze", [x], T.squeeze(x.value, axis), (g) => [T.reshape(g, x.shape)], []);
}

export function unsqueeze(a: Input, axis: number): Variable {
  const x = asVariable(a, undefined, "unsqueeze");
  return record("unsqueeze", [x], T.unsqueeze(x.value, axis), (g) => [T.reshape(g, x.shape)], []);
}

/** The permutation that undoes `perm` (axes may be negative). */
function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p < 0 ? p + perm.length : p] = i;
  });
  return inv;
}

/** Permutes axes (default: reverses them); the gradient is permuted back. */
export function transpose(a: Input, perm?: readonly number[]): Variable {
  const x = asVariable(a, undefined, "transpose");
  const out = T.transpose(x.value, perm);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  return record("transpose", [x], out, (g) => [T.permute(g, inverse(p))], []);
}

export function permute(a: Input, perm: readonly number[]): Variable {
  const x = asVariable(a, undefined, "permute");
  return record("permute", [x], T.permute(x.value, perm), (g) => [T.permute(g, inverse(perm))], []);
}

export function broadcastTo(a: Input, shape: readonly number[]): Variable {
  const x = asVariable(a, undefined, "broadcastTo");
  return record("broadcastTo", [x], T.broadcastTo(x.value, shape), (g) => [T.sumToShape(g, x.shape)], []);
}

/** Per-axis [begin, end) as the tensor op reads it: negative counts from the end, both clamp. */
function clampedBegin(begin: number | undefined, dim: number): number {
  const b = begin ?? 0;
  return Math.min(Math.max(b < 0 ? b + dim : b, 0), dim);
}

/** The gradient is the output gradient zero-padded back to x's shape. */
export function slice(a: Input, begin: readonly number[], end?: readonly number[]): Variable {
  const x = asVariable(a, undefined, "slice");
  const out = T.slice(x.value, begin, end);
  return record(
    "slice",
    [x],
    out,
    (g) => {
      const pads = x.shape.map((dim, d): [number, number] => {
        const b = clampedBegin(begin[d], dim);
        return [b, dim - b - out.shape[d]!];
      });
      return [T.pad(g, pads)];
    },
    [],
  );
}

function inputList(op: string, inputs: readonly Input[]): readonly Input[] {
  if (!Array.isArray(inputs))
    throw new Error(`${op}: expected an array of Variables or Tensors, got ${describe(inputs)}`);
  return inputs;
}

/** The gradient of each input is its slab of the output gradient. */
export function concat(inputs: readonly Input[], axis = 0): Variable {
  const xs = inputList("concat", inputs).map((v) => asVariable(v, undefined, "concat"));
  const out = T.concat(
    xs.map((v) => v.value),
    axis,
  );
  const ax = normalizeAxis("concat", axis, out.rank);
  return record(
    "concat",
    xs,
    out,
    (g) => {
      let offset = 0;
      return xs.map((v) => {
        const begin = new Array<number>(g.rank).fill(0);
        const end = [...g.shape];
        begin[ax] = offset;
        end[ax] = offset + v.shape[ax]!;
        offset = end[ax]!;
        return v.requiresGrad ? T.slice(g, begin, end) : null;
      });
    },
    [],
  );
}

/** The gradient of input i is slice i of the output gradient along the new axis. */
export function stack(inputs: readonly Input[], axis = 0): Variable {
  const xs = inputList("stack", inputs).map((v) => asVariable(v, undefined, "stack"));
  const out = T.stack(
    xs.map((v) => v.value),
    axis,
  );
  const ax = normalizeAxis("stack", axis, out.rank);
  return record(
    "stack",
    xs,
    out,
    (g) =>
      xs.map((v, i) => {
        if (!v.requiresGrad) return null;
        const begin = new Array<number>(g.rank).fill(0);
        const end = [...g.shape];
        begin[ax] = i;
        end[ax] = i + 1;
        return T.reshape(T.slice(g, begin, end), v.shape);
      }),
    [],
  );
}

/**
 * Index-select along an axis. Backward scatter-adds: an index that appears k times collects the
 * sum of its k output gradients.
 */
export function gather(a: Input, indices: T.Indices, axis = 0): Variable {
  const x = asVariable(a, undefined, "gather");
  const out = T.gather(x.value, indices, axis);
  // A private copy: the caller may reuse its index buffer before backward runs.
  const idx = indices instanceof T.Tensor ? Int32Array.from(indices.data) : Int32Array.from(indices);
  const ax = normalizeAxis("gather", axis, x.rank);
  return record(
    "gather",
    [x],
    out,
    (g) => {
      const { outer, n, inner } = axisLayout(x.shape, ax);
      const m = idx.length;
      const gd = g.data;
      const dx = T.allocate(g.dtype, x.size);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < m; j++) {
          const row = idx[j]! < 0 ? idx[j]! + n : idx[j]!;
          const src = (o * m + j) * inner;
          const dst = (o * n + row) * inner;
          for (let k = 0; k < inner; k++) dx[dst + k] += gd[src + k]!;
        }
      }
      return [new T.Tensor(dx, x.shape)];
    },
    [],
  );
}

/** Zero padding; the gradient is the interior of the output gradient. */
export function pad(a: Input, pads: readonly (readonly [number, number])[]): Variable {
  const x = asVariable(a, undefined, "pad");
  const out = T.pad(x.value, pads);
  return record(
    "pad",
    [x],
    out,
    (g) => {
      const begin = x.shape.map((_, d) => pads[d]?.[0] ?? 0);
      return [
        T.slice(
          g,
          begin,
          begin.map((b, d) => b + x.shape[d]!),
        ),
      ];
    },
    [],
  );
}
