import { Tensor } from "@nabla/tensor";

/**
 * Splits a structured state (an optimizer's or a callback's state dict: numbers, strings,
 * arrays, plain objects, Maps, Tensors and typed arrays) into JSON and named tensors, so it can
 * live in one safetensors file: tensors go to the file's data section under `prefix + path`, and
 * the JSON keeps a reference `{ "$tensor": name }` in their place. `decodeState` reverses it
 * exactly (numbers survive JSON unchanged; the tensors are stored bit for bit).
 */
export function encodeState(state: unknown, prefix: string, tensors: Map<string, Tensor>): string {
  return JSON.stringify(encode(state, prefix, tensors, prefix));
}

export function decodeState(json: string, tensors: ReadonlyMap<string, Tensor>, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${(e as Error).message})`);
  }
  return decode(parsed, tensors, what);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function encode(value: unknown, path: string, tensors: Map<string, Tensor>, prefix: string): Json {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    // JSON has no NaN or Infinity (they would become null) and writes -0 as 0: spell those out.
    return Number.isFinite(value) && !Object.is(value, -0)
      ? value
      : { $number: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (value === undefined) return { $undefined: true };
  const child = (k: string | number): string => (path === prefix ? `${prefix}${k}` : `${path}.${k}`);
  if (value instanceof Tensor) {
    tensors.set(path, value);
    return { $tensor: path };
  }
  if (value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array) {
    tensors.set(path, new Tensor(value, [value.length]));
    return { $typed: path };
  }
  if (Array.isArray(value)) return value.map((v, i) => encode(v, child(i), tensors, prefix));
  if (value instanceof Map) {
    return {
      $map: [...value].map(([k, v], i) => [
        encode(k, child(`key${i}`), tensors, prefix),
        encode(v, child(i), tensors, prefix),
      ]),
    };
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("$"))
        throw new Error(`checkpoint: state key '${k}' at ${path} starts with '$', which is reserved`);
      out[k] = encode(v, child(k), tensors, prefix);
    }
    return out;
  }
  throw new Error(
    `checkpoint: cannot save ${Object.prototype.toString.call(value)} at ${path}: expected numbers, strings, arrays, plain objects, Maps or Tensors`,
  );
}

function decode(value: unknown, tensors: ReadonlyMap<string, Tensor>, what: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => decode(v, tensors, what));
  const obj = value as Record<string, unknown>;
  if (typeof obj.$tensor === "string" || typeof obj.$typed === "string") {
    const name = (obj.$tensor ?? obj.$typed) as string;
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`${what} refers to tensor '${name}', which is not in the file`);
    return typeof obj.$tensor === "string" ? t : t.data;
  }
  if (typeof obj.$number === "string") return Number(obj.$number);
  if (obj.$undefined === true) return undefined;
  if (Array.isArray(obj.$map)) {
    return new Map((obj.$map as unknown[][]).map(([k, v]) => [decode(k, tensors, what), decode(v, tensors, what)]));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = decode(v, tensors, what);
  return out;
}
