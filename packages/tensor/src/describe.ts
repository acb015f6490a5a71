import { formatValue } from "./format.js";
import { formatShape, Tensor } from "./tensor.js";

/**
 * What an argument is, for an error message's "got ...": `a float32 Tensor of shape [2,3]`,
 * `an int32 Variable of shape [4]`, `an array of length 3`, `a Float32Array of length 3`,
 * `the number 3`, `"relu"`, `true`, `null`, `undefined`, `a function`, `an object`, `an Adam`.
 * Every package words its errors with this one helper, so one kind of value always reads the same.
 */
export function describe(x: unknown): string {
  if (x instanceof Tensor) return `${withArticle(x.dtype)} Tensor of shape ${formatShape(x.shape)}`;
  const variableValue = valueOfVariable(x);
  if (variableValue !== undefined) {
    return `${withArticle(variableValue.dtype)} Variable of shape ${formatShape(variableValue.shape)}`;
  }
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === "number") return `the number ${formatValue(x)}`;
  if (typeof x === "function") return "a function";
  if (x === null || typeof x !== "object" || ArrayBuffer.isView(x)) return formatValue(x);
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) return "an object";
  const name: unknown = (x as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? withArticle(name) : "an object";
}

/**
 * The Tensor inside a Variable (from @nabla/autograd, which this package cannot import): an object
 * whose `value` is a Tensor and that has a `requiresGrad` flag.
 */
export function valueOfVariable(x: unknown): Tensor | undefined {
  if (x === null || typeof x !== "object" || !("requiresGrad" in x)) return undefined;
  const value = (x as { value?: unknown }).value;
  return value instanceof Tensor ? value : undefined;
}

function withArticle(name: string): string {
  return `${/^[AEIOU]/i.test(name) ? "an" : "a"} ${name}`;
}
