import { Variable } from "@nabla/autograd";
import { checkOptions, formatShape, Tensor, type TypedArray } from "@nabla/tensor";
import { copyValue, mergeOptions, type OptionDefaults, show } from "./options.js";
import { readStateDict, writeStateDict } from "./state-dict.js";

// adam.ts, clip.ts and schedulers.ts import show from here.
export { show };

/** Storage of a trainable parameter and of every state buffer (the parameter's dtype). */
export type FloatArray = Float32Array | Float64Array;

/** A hyper-parameter value: numbers, flags and pairs such as Adam's betas. */
export type HyperParameter = number | boolean | readonly number[];

/** Hyper-parameters every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/** A param group as the user passes it: its Variables plus options overriding the defaults. */
export type ParamGroupInput<O extends OptimizerOptions> = Partial<O> & { params: Iterable<Variable> };

/** What an optimizer is built from: Variables, or param groups, as in PyTorch. */
export type Params<O extends OptimizerOptions> = Iterable<Variable> | ReadonlyArray<ParamGroupInput<O>>;

/** A param group inside an optimizer: its Variables and its full set of hyper-parameters. */
export type ParamGroup<O extends OptimizerOptions> = O & { params: Variable[] };

/** The running state of one parameter: how many updates it has had and its buffers by name. */
export interface ParamState {
  step: number;
  buffers: Record<string, FloatArray>;
}

/** One parameter's state in a state dict: its step count and copies of its buffers. */
export interface ParamStateDict {
  step: number;
  [buffer: string]: number | Tensor;
}

/** One param group in a state dict: parameter indices and hyper-parameters. */
export interface ParamGroupState {
  params: number[];
  [option: string]: number | boolean | number[];
}

/**
 * An optimizer's state, as PyTorch lays it out: parameters are numbered in order through all param
 * groups, `state` is keyed by that index (only parameters that have been updated appear), and each
 * group lists its indices and hyper-parameters. Numbers and arrays are JSON-serialisable; buffers
 * are Tensors (copies, never the optimizer's own storage).
 */
export interface OptimizerState {
  state: Record<number, ParamStateDict>;
  paramGroups: ParamGroupState[];
}

/**
 * The base of every optimizer: param groups, per-parameter state, `step()`, `zeroGrad()` and the
 * state dict. A subclass provides `update` (one parameter's in-place update over typed arrays),
 * `validateOptions` and the names of its state buffers.
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The optimizer's name, used in error messages. */
  readonly name: string;
  /** The options every param group starts from (constructor options over the optimizer's defaults). */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[];
  /** Per-parameter state, created on the parameter's first update. */
  protected readonly state = new Map<Variable, ParamState>();
  /** The buffer names a state dict may hold for this optimizer. */
  protected abstract readonly stateBuffers: readonly string[];

  /**
   * `defaults` names every option of the optimizer (in the order error messages list them) with its
   * default value or `REQUIRED`; `options` are the user's, checked against those names.
   */
  constructor(
    params: Params<O>,
    defaults: OptionDefaults<O>,
    options: Partial<O> = {},
    name: string = new.target.name,
  ) {
    this.name = name;
    const optionNames = Object.keys(defaults);
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new Error(`${name}: options must be an object, got ${show(options)}`);
    }
    const merged = mergeOptions(name, defaults, options, copyValue);
    const groups = parseParams(name, params, optionNames);
    // With param groups, lr may come from each group instead of the options (PyTorch allows it).
    this.validate(merged, "", groups.grouped && merged.lr === undefined);
    this.defaults = Object.freeze(merged);
    this.paramGroups = groups.groups.map((g, i) => {
      const group = { ...copyOverrides(merged), ...copyOverrides(g.overrides), params: g.params } as ParamGroup<O>;
      if (groups.grouped) this.validate(group, `param group ${i}: `, false);
      return group;
    });
  }

  /**
   * Validates the options other than lr. Messages start with `op` (the optimizer's name, or
   * "Adam.loadStateDict") followed by `where` (empty, or e.g. "param group 1: ").
   */
  protected abstract validateOptions(options: O, op: string, where: string): void;

  /**
   * Updates one parameter in place from its gradient. `state.step` already counts this update;
   * buffers come from `buffer()`. Both arrays have the parameter's size.
   */
  protected abstract update(param: FloatArray, grad: TypedArray, state: ParamState, group: ParamGroup<O>): void;

  /** The learning rate of the first param group; setting it sets every group's. */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  set lr(value: number) {
    checkLr(this.name, "", value);
    for (const group of this.paramGroups) group.lr = value;
  }

  /** Updates every parameter that has a gradient; parameters whose `grad` is null are skipped. */
  step(): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = param.grad;
        if (grad === null) continue;
        const value = param.value;
        if (!sameShape(grad.shape, value.shape)) {
          throw new Error(
            `${this.name}.step: ${this.describeParam(param)} has shape ${formatShape(value.shape)} but its gradient has shape ${formatShape(grad.shape)}`,
          );
        }
        if (value.dtype === "int32") {
          throw new Error(
            `${this.name}.step: ${this.describeParam(param)} is int32; only float32 and float64 parameters can be optimized`,
          );
        }
        let state = this.state.get(param);
        if (state === undefined) {
          state = { step: 0, buffers: {} };
          this.state.set(param, state);
        }
        state.step++;
        this.update(value.data as FloatArray, grad.data, state, group);
        // A graph built before this step and not yet differentiated saw the old values.
        value.markModified();
      }
    }
  }

  /**
   * Zeroes every parameter's gradient in place, keeping its storage for the next backward; with
   * `{ setToNone: true }` sets them to null instead, which `step()` skips (see Variable.zeroGrad).
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) for (const param of group.params) param.zeroGrad(options);
  }

  /**
   * The buffer `name` of a parameter's state, allocated (with the parameter's dtype, filled with
   * `fill`) the first time it is asked for and reused on every later step.
   */
  protected buffer(state: ParamState, name: string, param: FloatArray, fill = 0): FloatArray {
    const existing = state.buffers[name];
    if (existing !== undefined) {
      if (existing.length !== param.length || existing.constructor !== param.constructor) {
        throw new Error(
          `${this.name}.step: state buffer '${name}' has ${existing.length} elements but the parameter has ${param.length}; was the parameter's value replaced by one of another shape or dtype?`,
        );
      }
      return existing;
    }
    const created = param instanceof Float32Array ? new Float32Array(param.length) : new Float64Array(param.length);
    if (fill !== 0) created.fill(fill);
    state.buffers[name] = created;
    return created;
  }

  /** Whether the buffer `name` exists yet (SGD's momentum buffer starts from the first gradient). */
  protected hasBuffer(state: ParamState, name: string): boolean {
    return state.buffers[name] !== undefined;
  }

  /** A copy of the state: per-parameter step counts and buffers, and each group's hyper-parameters. */
  stateDict(): OptimizerState {
    return writeStateDict({ paramGroups: this.paramGroups, optionNames: Object.keys(this.defaults) }, this.state);
  }

  /**
   * Restores a state from `stateDict()`: hyper-parameters per group, and step counts and buffers per
   * parameter (matched by position, as in PyTorch). Everything is validated first; on any mismatch
   * it throws naming what differs and changes nothing.
   */
  loadStateDict(saved: OptimizerState): void {
    const op = `${this.name}.loadStateDict`;
    const restored = readStateDict(op, saved, {
      paramGroups: this.paramGroups,
      optionNames: Object.keys(this.defaults),
      stateBuffers: this.stateBuffers,
      validateGroup: (options: O, where: string) => this.validate(options, where, false, op),
    });
    this.paramGroups.forEach((group, i) => Object.assign(group, restored.options[i]));
    this.state.clear();
    for (const [param, s] of restored.state) this.state.set(param, s);
  }

  private validate(options: O, where: string, lrOptional: boolean, op: string = this.name): void {
    if (!(lrOptional && options.lr === undefined)) checkLr(op, where, options.lr);
    this.validateOptions(options, op, where);
  }

  private describeParam(param: Variable): string {
    let index = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p === param) return `parameter ${index}${param.name === undefined ? "" : ` ('${param.name}')`}`;
        index++;
      }
    }
    return "a parameter";
  }
}

interface ParsedParams {
  groups: { params: Variable[]; overrides: Record<string, unknown> }[];
  grouped: boolean;
}

function parseParams(name: string, params: unknown, optionNames: readonly string[]): ParsedParams {
  const expected = "an iterable of Variables or an array of param groups { params, ...options }";
  if (params instanceof Variable) {
    throw new Error(`${name}: expected ${expected}, got a single Variable; wrap it in an array`);
  }
  if (!isIterable(params) || typeof params === "string" || params instanceof Tensor) {
    throw new Error(`${name}: expected ${expected}, got ${show(params)}`);
  }
  const items = Array.from(params as Iterable<unknown>);
  if (items.length === 0) throw new Error(`${name}: got an empty parameter list`);
  const grouped = items.some(isGroup);
  if (grouped && !items.every(isGroup)) {
    throw new Error(`${name}: expected either Variables or param groups { params, ...options }, not a mix of both`);
  }
  const seen = new Map<Variable, string>();
  const groups = (grouped ? items : [{ params: items }]).map((item, g) => {
    const { params: groupParams, ...overrides } = item as { params: unknown } & Record<string, unknown>;
    const prefix = grouped ? `param group ${g}, ` : "";
    if (grouped) {
      checkOptions(`${name}: param group ${g}`, overrides, ["params", ...optionNames]);
      if (groupParams instanceof Variable || !isIterable(groupParams) || typeof groupParams === "string") {
        throw new Error(`${name}: param group ${g}: params must be an iterable of Variables, got ${show(groupParams)}`);
      }
    }
    const list = Array.from(groupParams as Iterable<unknown>);
    if (grouped && list.length === 0) throw new Error(`${name}: param group ${g} has no parameters`);
    list.forEach((p, i) => {
      const where = `${prefix}parameter ${i}`;
      if (!(p instanceof Variable)) throw new Error(`${name}: ${where} is not a Variable (got ${show(p)})`);
      const label = `${where}${p.name === undefined ? "" : ` ('${p.name}')`}`;
      if (!p.requiresGrad)
        throw new Error(`${name}: ${label} does not require gradients; create it with { requiresGrad: true }`);
      if (p.node !== null)
        throw new Error(
          `${name}: ${label} is not a leaf (it was made by '${p.node.op}'); only leaf Variables can be optimized`,
        );
      const first = seen.get(p);
      if (first !== undefined)
        throw new Error(`${name}: ${label} is the same Variable as ${first}; a parameter may appear only once`);
      seen.set(p, where);
    });
    return { params: list as Variable[], overrides };
  });
  return { groups, grouped };
}

function isIterable(x: unknown): boolean {
  return x !== null && x !== undefined && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

function isGroup(x: unknown): boolean {
  return x !== null && typeof x === "object" && !(x instanceof Variable) && !(x instanceof Tensor) && "params" in x;
}

function copyOverrides(overrides: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = copyValue(value);
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkLr(name: string, where: string, lr: unknown): void {
  if (lr === undefined) throw new Error(`${name}: ${where}lr is required`);
  checkNonNegative(name, where, "lr", lr);
}

export function checkNonNegative(name: string, where: string, key: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name}: ${where}${key} must be a non-negative number, got ${show(value)}`);
  }
}

export function checkPositive(name: string, where: string, key: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${name}: ${where}${key} must be a positive number, got ${show(value)}`);
  }
}

/** A number in [0, 1) (closed = false) or [0, 1] (closed = true). */
export function checkUnit(name: string, where: string, key: string, value: unknown, closed = false): void {
  if (typeof value !== "number" || !(value >= 0 && (closed ? value <= 1 : value < 1))) {
    throw new Error(`${name}: ${where}${key} must be in [0, 1${closed ? "]" : ")"}, got ${show(value)}`);
  }
}

export function checkBoolean(name: string, where: string, key: string, value: unknown): void {
  if (typeof value !== "boolean") throw new Error(`${name}: ${where}${key} must be true or false, got ${show(value)}`);
}
