import { readFileSync } from "node:fs";
import { type DType, type Tensor, tensor } from "@nabla/tensor";

/** A nested JSON array as written by reference/generate.py: non-finite numbers spelled as strings. */
export type Nested = number | string | Nested[];

/** The cases of one reference file written by reference/generate.py (PyTorch's values). */
export function loadReference<Case>(file: string): { torch: string; cases: Case[] } {
  return JSON.parse(readFileSync(new URL(`../reference/${file}`, import.meta.url), "utf8")) as {
    torch: string;
    cases: Case[];
  };
}

function number(x: Nested): number {
  if (typeof x === "number") return x;
  if (x === "NaN") return NaN;
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  throw new Error(`reference: expected a number, got ${JSON.stringify(x)}`);
}

export function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [number(x)];
}

export function toTensor(x: Nested, shape: readonly number[], dtype: DType): Tensor {
  return tensor(flat(x), shape, dtype);
}

export { expectClose } from "@nabla/testing";
