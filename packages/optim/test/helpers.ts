import { readFileSync } from "node:fs";
import { Variable } from "@nabla/autograd";
import { Tensor } from "@nabla/tensor";
import {
  Adagrad,
  type AdagradOptions,
  Adam,
  type AdamOptions,
  AdamW,
  type Optimizer,
  type Params,
  RMSprop,
  type RMSpropOptions,
  SGD,
  type SGDOptions,
} from "../src/index.js";

export type FloatDType = "float32" | "float64";

export interface ReferenceCase {
  name: string;
  optimizer: "SGD" | "Adagrad" | "RMSprop" | "Adam" | "AdamW";
  options: Record<string, number | boolean | number[]>;
  groups: ({ params: number[] } & Record<string, number | boolean | number[]>)[] | null;
  shapes: number[][];
  params: number[][];
  /** grads[step][param], null where the parameter gets no gradient on that step. */
  grads: (number[] | null)[][];
  float64: { params: number[][][]; state: Record<string, Record<string, number | number[]>> };
  float32: { params: number[][][] };
}

export interface SchedulerCase {
  name: string;
  scheduler: "StepLR" | "CosineAnnealingLR" | "ExponentialLR";
  options: Record<string, number>;
  lrs: number[];
  epochs: number;
  lastLr: number[][];
}

export interface Reference {
  torch: string;
  steps: number;
  optimizers: ReferenceCase[];
  schedulers: SchedulerCase[];
}

export const reference = JSON.parse(
  readFileSync(new URL("../reference/optim.json", import.meta.url), "utf8"),
) as Reference;

export function param(
  values: readonly number[],
  shape: readonly number[] = [values.length],
  dtype: FloatDType = "float64",
  name?: string,
): Variable {
  const data = dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
  return new Variable(new Tensor(data, shape), { requiresGrad: true, ...(name === undefined ? {} : { name }) });
}

export function setGrad(p: Variable, values: readonly number[] | null): void {
  p.grad =
    values === null
      ? null
      : new Tensor(p.dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values), p.shape);
}

export function values(p: Variable): number[] {
  return Array.from(p.value.data);
}

export function build(name: string, params: unknown, options: object): Optimizer {
  switch (name) {
    case "SGD":
      return new SGD(params as Params<SGDOptions>, options as SGDOptions);
    case "Adagrad":
      return new Adagrad(params as Params<AdagradOptions>, options as AdagradOptions);
    case "RMSprop":
      return new RMSprop(params as Params<RMSpropOptions>, options as RMSpropOptions);
    case "Adam":
      return new Adam(params as Params<AdamOptions>, options as AdamOptions);
    case "AdamW":
      return new AdamW(params as Params<AdamOptions>, options as AdamOptions);
    default:
      throw new Error(`unknown optimizer ${name}`);
  }
}

/** The case's parameters (fresh Variables of the dtype) and an optimizer over them, groups included. */
export function setup(c: ReferenceCase, dtype: FloatDType): { params: Variable[]; optimizer: Optimizer } {
  const params = c.params.map((v, i) => param(v, c.shapes[i]!, dtype));
  return { params, optimizer: build(c.optimizer, groupsOf(c, params), c.options) };
}

export function groupsOf(c: ReferenceCase, params: Variable[]): unknown {
  return c.groups === null ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]!) }));
}

/** Sets step `s`'s gradients of the case and steps the optimizer. */
export function stepCase(c: ReferenceCase, params: Variable[], optimizer: Optimizer, s: number): void {
  params.forEach((p, i) => setGrad(p, c.grads[s]![i]!));
  optimizer.step();
}

/** Largest |a − b| / max(1, |b|). */
export function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (Number.isNaN(d)) return Infinity;
    if (d > worst) worst = d;
  }
  return worst;
}
