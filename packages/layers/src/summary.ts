import { noGrad, Variable } from "@nabla/autograd";
import { type DType, formatValue, zeros } from "@nabla/tensor";
import type { Module } from "./module.js";

interface Count {
  elements: number;
  bytes: number;
}

/** Parameters (trainable or frozen) and buffers of a module, each tensor once. */
function count(module: Module<unknown>): { trainable: Count; frozen: Count } {
  const trainable = { elements: 0, bytes: 0 };
  const frozen = { elements: 0, bytes: 0 };
  for (const p of module.parameters()) {
    const c = p.requiresGrad ? trainable : frozen;
    c.elements += p.size;
    c.bytes += p.value.data.byteLength;
  }
  for (const [, b] of module.namedBuffers()) {
    frozen.elements += b.size;
    frozen.bytes += b.data.byteLength;
  }
  return { trainable, frozen };
}

function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** An output shape with the batch axis (always 1 here) shown as "?". */
function formatOutput(shape: readonly number[]): string {
  return shape.length === 0
    ? "[]"
    : `[?${shape
        .slice(1)
        .map((d) => `, ${d}`)
        .join("")}]`;
}

/**
 * Keras-like table of a model's top-level layers: "name (Type)", output shape, parameter count
 * (buffers such as running statistics count as non-trainable parameters, as in Keras).
 * The shapes come from one forward pass on zeros of shape [1, ...inputShape] under noGrad and in
 * eval mode (so Dropout draws no random numbers and running statistics are untouched); each
 * top-level child's forward is intercepted on the instance for the duration, so this works for any
 * module, not only Sequential. Training flags are restored afterwards.
 */
export function summary(model: Module<unknown>, inputShape: readonly number[]): string {
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(
      `summary: inputShape must be an array of positive integers without the batch axis, got ${formatValue(inputShape)}`,
    );
  }
  const children = model.namedChildren();
  const rows: [string, Module<unknown>][] = children.length > 0 ? children : [["", model]];
  const dtype: DType = model.parameters()[0]?.dtype ?? "float32";

  const outputs = new Map<Module<unknown>, readonly number[]>();
  const modes = model.modules().map((m) => [m, m.training] as const);
  const saved = new Map<Module<unknown>, PropertyDescriptor | undefined>();
  for (const [, m] of rows) {
    if (saved.has(m)) continue;
    saved.set(m, Object.getOwnPropertyDescriptor(m, "forward"));
    const original = m.forward;
    Object.defineProperty(m, "forward", {
      configurable: true,
      writable: true,
      enumerable: false,
      value: (x: Variable): unknown => {
        const y = original.call(m, x);
        // A recurrent layer returns a record, { output, h } or { output, h, c }: show its output.
        const shown = y instanceof Variable ? y : (y as { output?: unknown } | null)?.output;
        if (shown instanceof Variable && !outputs.has(m)) outputs.set(m, shown.shape);
        return y;
      },
    });
  }
  try {
    model.eval();
    noGrad(() => model.forward(new Variable(zeros([1, ...inputShape], dtype))));
  } finally {
    for (const [m, descriptor] of saved) {
      if (descriptor === undefined) Reflect.deleteProperty(m, "forward");
      else Object.defineProperty(m, "forward", descriptor);
    }
    for (const [m, mode] of modes) m.training = mode;
  }

  const header = ["Layer (type)", "Output shape", "Param #"];
  const body = rows.map(([name, m]) => {
    const { trainable, frozen } = count(m);
    const type = m.constructor.name;
    const shape = outputs.get(m);
    return [
      name === "" ? type : `${name} (${type})`,
      shape === undefined ? "-" : formatOutput(shape),
      formatCount(trainable.elements + frozen.elements),
    ];
  });
  // Keras's widths (65 characters in all) unless a name or shape needs more.
  const widths = [28, 20, 11].map((min, c) => Math.max(min, ...body.map((r) => r[c]!.length)));
  const gap = "   ";
  const line = (r: string[]): string =>
    [r[0]!.padEnd(widths[0]!), r[1]!.padEnd(widths[1]!), r[2]!.padStart(widths[2]!)].join(gap).trimEnd();
  const width = widths.reduce((a, b) => a + b, 0) + gap.length * (widths.length - 1);

  const { trainable, frozen } = count(model);
  const total = { elements: trainable.elements + frozen.elements, bytes: trainable.bytes + frozen.bytes };
  return [
    `Model: ${model.constructor.name} (input ${formatOutput([1, ...inputShape])}, ${dtype})`,
    "_".repeat(width),
    line(header),
    "=".repeat(width),
    ...body.map(line),
    "=".repeat(width),
    `Total params: ${formatCount(total.elements)} (${formatBytes(total.bytes)})`,
    `Trainable params: ${formatCount(trainable.elements)} (${formatBytes(trainable.bytes)})`,
    `Non-trainable params: ${formatCount(frozen.elements)} (${formatBytes(frozen.bytes)})`,
    "_".repeat(width),
  ].join("\n");
}
