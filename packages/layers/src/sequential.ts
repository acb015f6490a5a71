import { asVariable, type Variable } from "@nabla/autograd";
import type { Tensor } from "@nabla/tensor";
import { ReLU } from "./activations.js";
import { BatchNorm } from "./batchnorm.js";
import { Module } from "./module.js";

/** Runs its modules in order, each on the previous one's output. Children are named "0", "1", ... as in PyTorch. */
export class Sequential extends Module {
  // ES-private: the children are exposed through namedChildren() with index names, not as a field.
  readonly #modules: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.add(m);
  }

  /** Appends a module; returns this, so calls chain. */
  add(module: Module): this {
    if (!(module instanceof Module)) {
      const hint = Array.isArray(module)
        ? "an array (pass the modules as separate arguments: new Sequential(a, b, c))"
        : typeof module;
      throw new Error(`Sequential.add: expected a Module, got ${hint}`);
    }
    this.#modules.push(module);
    return this;
  }

  get length(): number {
    return this.#modules.length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const m = this.#modules.at(i);
    if (m === undefined)
      throw new Error(`Sequential.at: index ${i} is out of range for ${this.#modules.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#modules[Symbol.iterator]();
  }

  override namedChildren(): [string, Module][] {
    return this.#modules.map((m, i) => [String(i), m]);
  }

  /**
   * A BatchNorm followed by a ReLU (neither with a forward of its own) runs as one fused
   * node, with the same result bits: one pass and one activation array fewer each way.
   */
  forward(x: Variable | Tensor): Variable {
    let out: Variable | Tensor = x;
    const modules = this.#modules;
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i]!;
      const next = modules[i + 1];
      if (
        m instanceof BatchNorm &&
        m.forward === BatchNorm.prototype.forward &&
        next instanceof ReLU &&
        next.forward === ReLU.prototype.forward
      ) {
        out = m.forwardRelu(out);
        i++;
      } else out = m.forward(out);
    }
    // An empty Sequential returns its input: as a Variable, so that the declared type holds.
    return asVariable(out, undefined, "Sequential.forward");
  }
}
