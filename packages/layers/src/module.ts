import { Variable } from "@nabla/autograd";
import { cast, checkOptions, type DType, formatShape, formatValue, Tensor } from "@nabla/tensor";
import { summary } from "./summary.js";

/** A trainable tensor owned by a Module: a leaf Variable that requires gradients. */
export class Parameter extends Variable {
  constructor(value: Tensor, options: { name?: string } = {}) {
    super(value, { ...options, requiresGrad: true });
  }
}

/** The record `loadStateDict` accepts and what it reports with `strict: false`. */
export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * The base of every layer and model, shaped like PyTorch's nn.Module. A subclass declares its
 * Parameters, sub-Modules and arrays of sub-Modules as ordinary fields; they are found from the
 * instance's own enumerable properties in definition order, so names are stable and predictable
 * ("fc1.weight", "blocks.0.bias"). `Output` is what forward returns: a Variable for most layers,
 * a record such as { output, h } for the recurrent ones.
 */
export abstract class Module<Output = Variable> {
  training = true;
  // ES-private so that the property scan that finds children never sees it.
  readonly #buffers = new Map<string, Tensor>();

  /** Layers take a Variable, or a Tensor (a constant input, as every differentiable op does). */
  abstract forward(x: Variable | Tensor): Output;

  /** The direct sub-Modules with their local names. Sequential overrides this. */
  namedChildren(): [string, Module<unknown>][] {
    const out: [string, Module<unknown>][] = [];
    for (const [key, value] of Object.entries(this) as [string, unknown][]) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((item: unknown, i) => {
          if (item instanceof Module) out.push([`${key}.${i}`, item]);
        });
      }
    }
    return out;
  }

  /** The Parameters held by this Module itself (not by its children), with their local names. */
  namedDirectParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of Object.entries(this) as [string, unknown][]) {
      if (value instanceof Parameter) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((item: unknown, i) => {
          if (item instanceof Parameter) out.push([`${key}.${i}`, item]);
        });
      }
    }
    return out;
  }

  children(): Module<unknown>[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This Module and every descendant, depth first, with dotted names ("" for this one). A Module
   * reachable twice (shared weights, or a field pointing back up) is listed once, under its first name.
   */
  namedModules(): [string, Module<unknown>][] {
    const out: [string, Module<unknown>][] = [];
    const seen = new Set<Module<unknown>>();
    const stack: [string, Module<unknown>][] = [["", this]];
    while (stack.length > 0) {
      const [name, m] = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
      const kids = m.namedChildren();
      for (let i = kids.length - 1; i >= 0; i--) {
        const [k, child] = kids[i]!;
        stack.push([name === "" ? k : `${name}.${k}`, child]);
      }
    }
    return out;
  }

  modules(): Module<unknown>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every Parameter with its dotted name, each Parameter once (tied weights appear under their first name). */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, p] of m.namedDirectParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix === "" ? k : `${prefix}.${k}`, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of scalar parameters (buffers excluded, as in PyTorch). */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /**
   * Registers non-trainable state (e.g. BatchNorm running statistics) that is saved in the state
   * dict and cast by `to()`. Registering an existing name replaces it. Read it back with `getBuffer`,
   * since `to()` and the module itself may replace the tensor.
   */
  registerBuffer(name: string, value: Tensor): Tensor {
    if (name === "" || name.includes(".")) {
      throw new Error(`registerBuffer: invalid name '${name}': expected a non-empty name without '.'`);
    }
    if (!(value instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor`);
    if (Object.hasOwn(this, name)) {
      throw new Error(`registerBuffer: '${name}' is already a property of ${this.constructor.name}`);
    }
    this.#buffers.set(name, value);
    return value;
  }

  getBuffer(name: string): Tensor {
    const b = this.#buffers.get(name);
    if (b === undefined) throw new Error(`getBuffer: ${this.constructor.name} has no buffer '${name}'`);
    return b;
  }

  /** This Module's own buffers (not its children's). */
  namedDirectBuffers(): [string, Tensor][] {
    return [...this.#buffers];
  }

  /** Every buffer with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, b] of m.namedDirectBuffers()) out.push([prefix === "" ? k : `${prefix}.${k}`, b]);
    }
    return out;
  }

  /** Sets training mode (Dropout active, BatchNorm using batch statistics) on this Module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Inference mode: the same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes every parameter's gradient in place (`{ setToNone: true }`: drops them); see Variable.zeroGrad. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) p.zeroGrad(options);
  }

  /**
   * Casts every Parameter and floating-point buffer to `dtype`, in place: the Parameter objects
   * stay the same (so an optimizer holding them still works), their values are replaced.
   * `model.to("float64")` is PyTorch's `model.double()`, used for gradient checks.
   */
  to(dtype: DType): this {
    if (dtype !== "float32" && dtype !== "float64") {
      throw new Error(`to: parameters must be float32 or float64, got '${String(dtype)}'`);
    }
    for (const p of this.parameters()) {
      if (p.dtype !== dtype) {
        p.value = cast(p.value, dtype);
        if (p.grad !== null) p.grad = cast(p.grad, dtype);
      }
    }
    for (const m of this.modules()) {
      for (const [k, b] of m.namedDirectBuffers()) {
        if (b.dtype !== "int32" && b.dtype !== dtype) m.#buffers.set(k, cast(b, dtype));
      }
    }
    return this;
  }

  /** Copies of every Parameter and buffer, keyed by dotted name ("0.weight", "0.bias", ...). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, t] of this.stateEntries()) out.set(k, t.clone());
    return out;
  }

  /**
   * Copies a state dict into this Module's existing tensors (so optimizers holding the Parameters
   * keep working). Every key, shape and dtype is validated before anything is written: on error
   * nothing has changed. float32 and float64 convert into each other; int32 and float do not mix.
   * With `strict: false`, missing and unexpected keys are ignored (and returned); bad shapes still throw.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): LoadStateDictResult {
    checkOptions("loadStateDict", options, ["strict"]);
    if (state === null || typeof state !== "object") {
      throw new Error(
        `loadStateDict: expected a Map or object of Tensors as stateDict() returns, got ${formatValue(state)}`,
      );
    }
    const { strict = true } = options;
    const given = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateEntries();
    const missingKeys: string[] = [];
    const mismatches: string[] = [];
    for (const [k, target] of own) {
      const src: unknown = given.get(k);
      if (src === undefined) {
        missingKeys.push(k);
        continue;
      }
      if (!(src instanceof Tensor)) {
        mismatches.push(`'${k}' is not a Tensor`);
        continue;
      }
      if (src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
        mismatches.push(`'${k}' has shape ${formatShape(src.shape)}, expected ${formatShape(target.shape)}`);
      } else if ((src.dtype === "int32") !== (target.dtype === "int32")) {
        mismatches.push(`'${k}' has dtype ${src.dtype}, expected ${target.dtype}`);
      }
    }
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing keys ${quoteAll(missingKeys)}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys ${quoteAll(unexpectedKeys)}`);
    problems.push(...mismatches);
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join("; ")}`);
    for (const [k, target] of own) {
      const src = given.get(k);
      // TypedArray.set converts between float32 and float64.
      if (src !== undefined) {
        target.data.set(src.data);
        target.markModified();
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /** The live tensors behind the state dict: parameters, then buffers, module by module. */
  private stateEntries(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      const name = (k: string): string => (prefix === "" ? k : `${prefix}.${k}`);
      for (const [k, p] of m.namedDirectParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.set(name(k), p.value);
      }
      for (const [k, b] of m.namedDirectBuffers()) out.set(name(k), b);
    }
    return out;
  }

  /**
   * A Keras-like table of the top-level layers, their output shapes and parameter counts, found by
   * running one forward pass on zeros of shape [1, ...inputShape].
   */
  summary(inputShape: readonly number[]): string {
    return summary(this, inputShape);
  }

  /** What goes between the parentheses in `toString()`, e.g. "784→128" for Dense (PyTorch's extra_repr). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch-style description: the Module and its children, indented. */
  toString(): string {
    return render(this, new Set());
  }
}

/** `ancestors` cuts cycles (a field pointing back up); a module shared by two parents prints twice, as in PyTorch. */
function render(m: Module<unknown>, ancestors: Set<Module<unknown>>): string {
  const head = `${m.constructor.name}(${m.extraRepr()}`;
  const kids = m.namedChildren();
  if (kids.length === 0) return `${head})`;
  ancestors.add(m);
  const lines = kids.map(([k, c]) => {
    const text = ancestors.has(c) ? `${c.constructor.name}(...)` : render(c, ancestors);
    return `  (${k}): ${text.split("\n").join("\n  ")}`;
  });
  ancestors.delete(m);
  return `${head}\n${lines.join("\n")}\n)`;
}

function quoteAll(keys: readonly string[]): string {
  return keys.map((k) => `'${k}'`).join(", ");
}
