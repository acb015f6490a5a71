import {
  checkOptions,
  type DType,
  describe,
  formatShape,
  formatTensor,
  type NestedArray,
  Tensor,
  tensor,
} from "@nabla/tensor";
import { backwardFrom } from "./backward.js";
import { zeroedGradient } from "./gradients.js";

/**
 * Computes the gradient of each input from the gradient of the output. `into(k)` offers the
 * gradient buffer of input k when it is a leaf that keeps one (zeroed by zeroGrad, of the input's
 * shape and dtype): an op may add its gradient into it and return that very tensor, which
 * backward then takes as accumulated (no allocation, no second pass).
 */
export type Backward = (gradOutput: Tensor, into: (input: number) => Tensor | null) => ReadonlyArray<Tensor | null>;

/** A tensor an op keeps for its backward, with the storage version it had when kept. */
export interface SavedTensor {
  readonly tensor: Tensor;
  readonly version: number;
}

/** How a Variable was made: the op, its inputs, the tensors its backward reads, and the gradient rule. */
export interface Node {
  readonly op: string;
  inputs: readonly Variable[];
  /**
   * Checked by backward: none may have been changed in place since the op ran. `record` always
   * fills it; a Node made by hand without it has nothing checked.
   */
  saved?: readonly SavedTensor[];
  /** null once backward has run and released the graph. */
  backward: Backward | null;
}

/** Anything a differentiable op accepts: non-Variables are constants. */
export type Input = Variable | Tensor | number;

let nextId = 0;

/**
 * A Tensor that remembers how it was made. Leaves the user creates with `requiresGrad` collect
 * gradients in `grad`; intermediate Variables carry the `node` that backward walks.
 */
export class Variable {
  value: Tensor;
  grad: Tensor | null = null;
  requiresGrad: boolean;
  readonly node: Node | null;
  name: string | undefined;
  readonly id = nextId++;

  constructor(value: Tensor, options: { requiresGrad?: boolean; name?: string } = {}, node: Node | null = null) {
    if (!(value instanceof Tensor)) throw new Error(`Variable: expected a Tensor, got ${describe(value)}`);
    checkOptions("Variable", options, ["requiresGrad", "name"]);
    this.value = value;
    this.requiresGrad = options.requiresGrad ?? node !== null;
    if (this.requiresGrad && value.dtype === "int32") {
      throw new Error("Variable: an int32 tensor cannot require gradients; cast it to float32 or float64");
    }
    this.node = node;
    this.name = options.name;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get dtype(): DType {
    return this.value.dtype;
  }

  get size(): number {
    return this.value.size;
  }

  get rank(): number {
    return this.value.rank;
  }

  /** True for Variables the user made rather than an op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  item(): number {
    return this.value.item();
  }

  toArray(): NestedArray {
    return this.value.toArray();
  }

  /** The same value, cut off from the graph. */
  detach(): Variable {
    return new Variable(this.value);
  }

  /**
   * Zeroes the gradient, keeping its storage for the next backward to add into, so that a training
   * loop does not allocate gradients every step (PyTorch 1.x's default). `{ setToNone: true }` drops
   * it instead (PyTorch's set_to_none): the next backward allocates, and `step()` skips the
   * Variable until then.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    checkOptions("zeroGrad", options, ["setToNone"]);
    this.grad = options.setToNone === true || this.grad === null ? null : zeroedGradient(this.grad);
  }

  /**
   * Accumulates d(this)/d(leaf) into every leaf's `grad`. A scalar needs no seed; any other shape
   * needs the gradient of some scalar with respect to it. The graph is released afterwards unless
   * `retainGraph` is set, so a second backward through it throws instead of silently doubling.
   */
  backward(seed?: Tensor, options: { retainGraph?: boolean } = {}): void {
    checkOptions("backward", options, ["retainGraph"]);
    if (seed !== undefined && !(seed instanceof Tensor)) {
      // backward({ retainGraph: true }) is the likely slip: PyTorch's backward(retain_graph=True) is a keyword.
      const hint = isOptionsObject(seed) ? "; options come second: backward(undefined, { retainGraph: true })" : "";
      throw new Error(
        `backward: seed must be a Tensor of the output's shape ${formatShape(this.shape)}, got ${describe(seed)}${hint}`,
      );
    }
    backwardFrom(this, seed, options.retainGraph ?? false);
  }

  /** The value as Tensor prints it, then `op=` for a Variable an op made, or `requiresGrad=true`. */
  toString(): string {
    const how = this.node ? [`op=${this.node.op}`] : this.requiresGrad ? ["requiresGrad=true"] : [];
    return formatTensor(this.value, how);
  }
}

function isOptionsObject(x: unknown): boolean {
  return x !== null && typeof x === "object" && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof Variable);
}

/** Makes a leaf Variable from a Tensor or nested numbers. */
export function variable(
  value: Tensor | NestedArray,
  options: { requiresGrad?: boolean; name?: string; dtype?: DType } = {},
): Variable {
  checkOptions("variable", options, ["requiresGrad", "name", "dtype"]);
  if (value instanceof Variable)
    throw new Error("variable: got a Variable; it already is one (use .detach() for a copy cut off from the graph)");
  const t = value instanceof Tensor ? value : tensor(value, undefined, options.dtype);
  return new Variable(t, { requiresGrad: options.requiresGrad, name: options.name });
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without building a graph (inference, optimizer updates, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * The one way an op joins the graph: if gradients are enabled and any input requires them, the
 * result remembers its inputs and the backward rule; otherwise it is a plain constant.
 * `saved` lists the tensors backward reads (its inputs' values, its output); their versions are
 * recorded so that backward refuses to run on values changed in place since. Without it, every
 * input's value and the output are saved: an op that does not say may throw needlessly, never
 * compute a wrong gradient silently.
 */
export function record(
  op: string,
  inputs: readonly Variable[],
  value: Tensor,
  backward: Backward,
  saved?: readonly Tensor[],
): Variable {
  if (!gradEnabled || !inputs.some((v) => v.requiresGrad)) return new Variable(value);
  const kept = saved ?? [...inputs.map((v) => v.value), value];
  return new Variable(value, { requiresGrad: true }, { op, inputs, saved: kept.map(save), backward });
}

function save(tensor: Tensor): SavedTensor {
  return { tensor, version: tensor.version };
}

/**
 * A Variable for any op input; a number becomes a scalar of the given dtype. `op` names the
 * calling op in the error for anything else (a plain array, undefined, ...).
 */
export function asVariable(x: Input, dtype: DType = "float32", op?: string): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof Tensor) return new Variable(x);
  if (typeof x === "number")
    return new Variable(tensor([x], [], dtype === "int32" && !Number.isInteger(x) ? "float32" : dtype));
  const hint =
    Array.isArray(x) || ArrayBuffer.isView(x)
      ? " (make a Tensor with tensor(...) or a Variable with variable(...))"
      : "";
  throw new Error(
    `${op === undefined ? "" : `${op}: `}expected a Variable, Tensor or number, got ${describe(x)}${hint}`,
  );
}

/** Both operands of a binary op as Variables; a number takes the dtype of the other operand. */
export function asVariables(a: Input, b: Input, op?: string): [Variable, Variable] {
  const like =
    a instanceof Variable || a instanceof Tensor
      ? a.dtype
      : b instanceof Variable || b instanceof Tensor
        ? b.dtype
        : "float32";
  return [asVariable(a, like, op), asVariable(b, like, op)];
}
