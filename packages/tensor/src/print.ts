import { formatShape, type Tensor } from "./tensor.js";

// PyTorch's printed form (torch/_tensor_str.py with its default print options), so that a tensor
// reads the way PyTorch users expect: one number format for the whole tensor, right-aligned,
// rows wrapped at 80 characters, and only the first and last 3 entries of each dimension shown
// once the tensor has more than 1000 elements.

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PREFIX = "tensor(";

/**
 * `tensor([[1., 2.],\n        [3., 4.]], dtype=float32)`: the values as PyTorch prints them,
 * then `dtype=` and any `suffixes` (autograd adds `requires_grad=True` or `grad_fn=<...>`).
 */
export function formatTensor(t: Tensor, suffixes: readonly string[] = []): string {
  const summarize = t.size > THRESHOLD;
  const shown = shownValues(t, summarize);
  const format = numberFormat(t.dtype === "int32", shown);
  const body = t.size === 0 ? "[]" : render(t, 0, 0, PREFIX.length, summarize, format);
  const all = [...(t.size === 0 && t.rank !== 1 ? [`size=${formatShape(t.shape)}`] : []), `dtype=${t.dtype}`];
  return addSuffixes(PREFIX + body, [...all, ...suffixes], PREFIX.length);
}

/** Indices printed along a dimension of length n. */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGE_ITEMS) {
    return [
      ...Array.from({ length: EDGE_ITEMS }, (_, i) => i),
      ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i),
    ];
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** The values that will be printed: the number format is chosen from these only, as PyTorch does. */
function shownValues(t: Tensor, summarize: boolean): number[] {
  const out: number[] = [];
  const strides = t.strides;
  const visit = (dim: number, offset: number): void => {
    if (dim === t.rank) {
      out.push(t.data[offset]!);
      return;
    }
    for (const i of shownIndices(t.shape[dim]!, summarize)) visit(dim + 1, offset + i * strides[dim]!);
  };
  if (t.size > 0) visit(0, 0);
  return out;
}

interface NumberFormat {
  /** Every number is padded on the left to this width. */
  readonly width: number;
  readonly text: (x: number) => string;
}

function numberFormat(integer: boolean, values: readonly number[]): NumberFormat {
  if (integer) return { width: Math.max(1, ...values.map((v) => String(v).length)), text: String };
  const nonzero = values.filter((v) => Number.isFinite(v) && v !== 0);
  if (nonzero.length === 0) return { width: 1, text: whole };
  let lo = Infinity;
  let hi = 0;
  for (const v of nonzero) {
    lo = Math.min(lo, Math.abs(v));
    hi = Math.max(hi, Math.abs(v));
  }
  const wide = hi / lo > 1000 || hi > 1e8;
  const allWhole = nonzero.every(Number.isInteger);
  const text = wide || (!allWhole && lo < 1e-4) ? scientific : allWhole ? whole : fixed;
  return { width: Math.max(1, ...nonzero.map((v) => text(v).length)), text };
}

/** Python's spelling of the non-finite values. */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
}

/** A float that holds an integer, with the point that says it is a float: `3.`. */
function whole(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(0)}.` : nonFinite(x);
}

function fixed(x: number): string {
  return Number.isFinite(x) ? x.toFixed(PRECISION) : nonFinite(x);
}

/** `1.2346e+03` as Python writes it: at least two exponent digits. */
function scientific(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  return x.toExponential(PRECISION).replace(/e([+-])(\d)$/, "e$10$2");
}

function formatNumber(x: number, format: NumberFormat): string {
  return format.text(x).padStart(format.width);
}

function render(
  t: Tensor,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  format: NumberFormat,
): string {
  if (t.rank === 0) return formatNumber(t.data[0]!, format);
  const n = t.shape[dim]!;
  const stride = t.strides[dim]!;
  const elided = summarize && n > 2 * EDGE_ITEMS;
  const indices = shownIndices(n, summarize);
  if (dim === t.rank - 1) {
    const items = indices.map((i) => formatNumber(t.data[offset + i * stride]!, format));
    if (elided) items.splice(EDGE_ITEMS, 0, " ...");
    // ", " between elements: PyTorch counts it in each element's width when it wraps a row.
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (format.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
  }
  const slices = indices.map((i) => render(t, dim + 1, offset + i * stride, indent + 1, summarize, format));
  if (elided) slices.splice(EDGE_ITEMS, 0, "...");
  const rest = t.rank - dim - 1;
  return `[${slices.join(`,${"\n".repeat(rest)}${" ".repeat(indent + 1)}`)}]`;
}

/** Appends `, suffix` for each suffix, starting a new line where the line would pass 80 characters. */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  let out = text;
  let lineLength = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lineLength + suffix.length + 2 > LINE_WIDTH) {
      out += `,\n${" ".repeat(indent)}${suffix}`;
      lineLength = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lineLength += suffix.length + 2;
    }
  }
  return `${out})`;
}
