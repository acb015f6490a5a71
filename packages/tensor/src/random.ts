import seedrandom from "seedrandom";
import { formatValue } from "./format.js";
import { checkOptions } from "./options.js";
import { allocate, checkShape, type DType, type Shape, shapeSize, Tensor } from "./tensor.js";

/**
 * The serialisable state of a Generator (ARC4's i, j and S): enough to continue its sequence
 * exactly. Spelt out rather than taken from @types/seedrandom, a dev-only package, so that the
 * published declarations typecheck in a project that does not have it.
 */
export interface GeneratorState {
  i: number;
  j: number;
  S: number[];
}

/**
 * A seeded source of random numbers (ARC4 via seedrandom): the same seed gives the same numbers
 * on every machine. Every random draw in Nabla goes through one of these, never through the
 * unseedable built-in generator of JavaScript.
 */
export class Generator {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  private spareNormal: number | null = null;

  constructor(seed: number | string = 0, state?: GeneratorState) {
    checkSeed("Generator", seed);
    this.prng = seedrandom(String(seed), state ? { state } : { state: true });
  }

  /** A uniform float in [0, 1) with 53 bits of randomness. */
  random(): number {
    return this.prng.double();
  }

  /** A standard normal draw (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  int(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`Generator.int: expected integers low < high, got low=${low}, high=${high}`);
    }
    return low + Math.floor(this.random() * (high - low));
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  getState(): { prng: GeneratorState; spareNormal: number | null } {
    return { prng: this.prng.state(), spareNormal: this.spareNormal };
  }

  setState(state: { prng: GeneratorState; spareNormal: number | null }): void {
    this.prng = seedrandom("", { state: state.prng });
    this.spareNormal = state.spareNormal;
  }
}

/** NaN or undefined would seed "NaN"/"undefined": reproducible, but almost surely not what was meant. */
function checkSeed(op: string, seed: unknown): void {
  if (typeof seed === "string" || (typeof seed === "number" && Number.isFinite(seed))) return;
  throw new Error(`${op}: seed must be a finite number or a string, got ${formatValue(seed)}`);
}

let globalGenerator = new Generator(0);

/** Reseeds the generator used when no `generator` option is passed. */
export function manualSeed(seed: number | string): Generator {
  checkSeed("manualSeed", seed);
  globalGenerator = new Generator(seed);
  return globalGenerator;
}

export function defaultGenerator(): Generator {
  return globalGenerator;
}

export interface RandomOptions {
  generator?: Generator;
  dtype?: DType;
}

/** Uniform samples in [low, high). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape("rand", shape);
  checkOptions("rand", options, ["generator", "dtype", "low", "high"]);
  const { generator = globalGenerator, dtype = "float32", low = 0, high = 1 } = options;
  if (dtype === "int32") throw new Error("rand: dtype must be float32 or float64, got int32 (use randint)");
  const data = allocate(dtype, shapeSize(shape), "rand", shape);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * generator.random();
  return new Tensor(data, shape);
}

/** Normal samples with the given mean and standard deviation. */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape("randn", shape);
  checkOptions("randn", options, ["generator", "dtype", "mean", "std"]);
  const { generator = globalGenerator, dtype = "float32", mean = 0, std = 1 } = options;
  if (dtype === "int32") throw new Error("randn: dtype must be float32 or float64, got int32");
  const data = allocate(dtype, shapeSize(shape), "randn", shape);
  for (let i = 0; i < data.length; i++) data[i] = mean + std * generator.normal();
  return new Tensor(data, shape);
}

/** Uniform integers in [low, high), as int32. */
export function randint(low: number, high: number, shape: Shape, options: { generator?: Generator } = {}): Tensor {
  checkShape("randint", shape);
  checkOptions("randint", options, ["generator"]);
  const generator = options.generator ?? globalGenerator;
  const data = allocate("int32", shapeSize(shape), "randint", shape);
  for (let i = 0; i < data.length; i++) data[i] = generator.int(low, high);
  return new Tensor(data, shape);
}
