import type { Variable } from "@nabla/autograd";
import { checkOptions, formatShape, Tensor } from "@nabla/tensor";
import type {
  FloatArray,
  OptimizerState,
  ParamGroup,
  ParamGroupState,
  ParamState,
  ParamStateDict,
} from "./optimizer.js";
import { copyValue, show } from "./options.js";

/**
 * One check of a state-dict loader's table: `holds` says whether the subject is well formed,
 * `message` (after "op: ") says what differs. Rules run in order, so a later rule may rely on the
 * earlier ones having held.
 */
interface Rule<S> {
  readonly holds: (subject: S) => boolean;
  readonly message: (subject: S) => string;
}

function enforce<S>(op: string, subject: S, rules: readonly Rule<S>[]): void {
  for (const rule of rules) if (!rule.holds(subject)) throw new Error(`${op}: ${rule.message(subject)}`);
}

const isObject = (x: unknown): x is object => x !== null && typeof x === "object";
const isCount = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

const STATE_RULES: readonly Rule<{ saved: OptimizerState; groups: number }>[] = [
  {
    holds: ({ saved }) => isObject(saved) && Array.isArray(saved.paramGroups) && isObject(saved.state),
    message: ({ saved }) => `expected { state, paramGroups } from stateDict(), got ${show(saved)}`,
  },
  {
    holds: ({ saved, groups }) => saved.paramGroups.length === groups,
    message: ({ saved, groups }) =>
      `the state has ${saved.paramGroups.length} param groups, this optimizer has ${groups}`,
  },
];

const GROUP_RULES: readonly Rule<{ saved: ParamGroupState; mine: number; i: number }>[] = [
  {
    holds: ({ saved }) => isObject(saved) && Array.isArray(saved.params),
    message: ({ saved, i }) => `param group ${i} must be an object with a params array, got ${show(saved)}`,
  },
  {
    holds: ({ saved, mine }) => saved.params.length === mine,
    message: ({ saved, mine, i }) =>
      `param group ${i} has ${saved.params.length} parameters in the state, ${mine} in this optimizer`,
  },
];

const ENTRY_RULES: readonly Rule<{ entry: ParamStateDict; where: string }>[] = [
  {
    holds: ({ entry }) => isObject(entry),
    message: ({ entry, where }) => `${where} must be an object, got ${show(entry)}`,
  },
  {
    holds: ({ entry }) => isCount(entry.step),
    message: ({ entry, where }) => `${where}: step must be a non-negative integer, got ${show(entry.step)}`,
  },
];

interface BufferSubject {
  readonly name: string;
  readonly value: unknown;
  readonly param: Variable;
  readonly where: string;
  readonly known: readonly string[];
}

const BUFFER_RULES: readonly Rule<BufferSubject>[] = [
  {
    holds: ({ name, known }) => known.includes(name),
    message: ({ name, known, where }) => `${where} has unknown buffer '${name}'; expected one of ${known.join(", ")}`,
  },
  {
    holds: ({ value }) => value instanceof Tensor,
    message: ({ name, value, where }) => `${where}: buffer '${name}' must be a Tensor, got ${show(value)}`,
  },
  {
    holds: ({ value, param }) => sameShape((value as Tensor).shape, param.shape),
    message: ({ name, value, param, where }) =>
      `${where}: buffer '${name}' has shape ${formatShape((value as Tensor).shape)}, the parameter has shape ${formatShape(param.shape)}`,
  },
  {
    holds: ({ value }) => (value as Tensor).dtype !== "int32",
    message: ({ name, where }) => `${where}: buffer '${name}' is int32, expected float32 or float64`,
  },
];

/** What an optimizer tells the state-dict code about itself. */
export interface StateDictTarget<O> {
  readonly paramGroups: readonly ParamGroup<O & { lr: number }>[];
  /** The optimizer's option names, each saved with every group. */
  readonly optionNames: readonly string[];
  /** The buffer names a state may hold (Adam's expAvg, ...). */
  readonly stateBuffers: readonly string[];
  /** Validates one group's options as the optimizer's constructor does; `where` is "param group i: ". */
  readonly validateGroup: (options: O, where: string) => void;
}

/** The optimizer's state as `stateDict()` returns it: copies, parameters numbered through the groups. */
export function writeStateDict<O>(
  target: Pick<StateDictTarget<O>, "paramGroups" | "optionNames">,
  state: ReadonlyMap<Variable, ParamState>,
): OptimizerState {
  const saved: Record<number, ParamStateDict> = {};
  const paramGroups: ParamGroupState[] = [];
  let index = 0;
  for (const group of target.paramGroups) {
    const indices: number[] = [];
    for (const param of group.params) {
      const s = state.get(param);
      if (s !== undefined) {
        const entry: ParamStateDict = { step: s.step };
        for (const [name, data] of Object.entries(s.buffers)) entry[name] = new Tensor(data.slice(), param.shape);
        saved[index] = entry;
      }
      indices.push(index++);
    }
    const savedGroup: ParamGroupState = { params: indices };
    const options: Record<string, unknown> = group;
    for (const key of target.optionNames) savedGroup[key] = copyValue(options[key]) as number | boolean | number[];
    paramGroups.push(savedGroup);
  }
  return { state: saved, paramGroups };
}

/** A state read back: each group's options and each parameter's state, for the optimizer to install. */
export interface RestoredState<O> {
  readonly options: O[];
  readonly state: Map<Variable, ParamState>;
}

/**
 * Reads a state from `stateDict()`, checking everything against the optimizer (the tables above,
 * then each group's options with the optimizer's own validation) before anything is installed, so
 * that a bad state throws naming what differs and changes nothing. Parameters match by position.
 */
export function readStateDict<O>(op: string, saved: OptimizerState, target: StateDictTarget<O>): RestoredState<O> {
  enforce(op, { saved, groups: target.paramGroups.length }, STATE_RULES);
  const byIndex = new Map<number, Variable>();
  const options = saved.paramGroups.map((group, i) => {
    const mine = target.paramGroups[i]!.params;
    enforce(op, { saved: group, mine: mine.length, i }, GROUP_RULES);
    group.params.forEach((id, j) => {
      if (!isCount(id))
        throw new Error(`${op}: param group ${i} lists parameter index ${show(id)}, expected a non-negative integer`);
      if (byIndex.has(id)) throw new Error(`${op}: parameter index ${id} is listed twice`);
      byIndex.set(id, mine[j]!);
    });
    return readGroupOptions(op, group, i, target);
  });
  const state = new Map<Variable, ParamState>();
  for (const [key, entry] of Object.entries(saved.state)) {
    const param = byIndex.get(Number(key));
    if (param === undefined)
      throw new Error(`${op}: the state has an entry for parameter ${key}, which no param group lists`);
    const where = `state of parameter ${key}`;
    enforce(op, { entry, where }, ENTRY_RULES);
    const buffers: Record<string, FloatArray> = {};
    for (const [name, value] of Object.entries(entry)) {
      if (name === "step") continue;
      enforce(op, { name, value, param, where, known: target.stateBuffers }, BUFFER_RULES);
      // A copy in the parameter's dtype, so the optimizer never shares storage with the caller.
      const data = param.dtype === "float64" ? new Float64Array(param.size) : new Float32Array(param.size);
      data.set((value as Tensor).data);
      buffers[name] = data;
    }
    state.set(param, { step: entry.step, buffers });
  }
  return { options, state };
}

function readGroupOptions<O>(op: string, group: ParamGroupState, i: number, target: StateDictTarget<O>): O {
  const options: Record<string, unknown> = {};
  for (const key of target.optionNames) {
    if (!(key in group)) throw new Error(`${op}: param group ${i} lacks option '${key}'`);
    options[key] = copyValue(group[key]);
  }
  checkOptions(`${op}: param group ${i}`, group, ["params", ...target.optionNames]);
  // Every option name is present (checked above); validateGroup checks their values.
  const typed = options as O;
  target.validateGroup(typed, `param group ${i}: `);
  return typed;
}
