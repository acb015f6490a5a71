import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Generator } from "../src/index.js";
import { jsKernels } from "../src/kernels/js.js";
import { wasmKernels } from "../src/kernels/wasm/index.js";
import { sameBits } from "./bits.js";

// The wasm batch norm does the reference's float64 operations in its order (the per-channel
// sums in the same four lanes), so both must give the same bits, for every S (S mod 4 decides
// how much of a plane goes through the lanes and how much into lane 0).

const gen = new Generator(31);
const randomInt = (lo: number, hi: number): number => lo + Math.floor(gen.random() * (hi - lo + 1));

function randomArray(n: number, offset = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = offset + gen.random() * 4 - 2;
  return x;
}

type BatchNormKernels = Pick<typeof jsKernels, "batchNormForward" | "batchNormBackward">;

interface Case {
  N: number;
  C: number;
  S: number;
  x: Float32Array;
  grad: Float32Array;
  weight: Float32Array | null;
  bias: Float32Array | null;
  runningMean: Float64Array;
  runningVar: Float64Array;
}

function randomCase(S: number, affine: boolean): Case {
  const [N, C] = [randomInt(2, 5), randomInt(1, 6)];
  return {
    N,
    C,
    S,
    // A mean far from zero, where the two-pass variance matters.
    x: randomArray(N * C * S, 100),
    grad: randomArray(N * C * S),
    weight: affine ? randomArray(C) : null,
    bias: affine ? randomArray(C) : null,
    runningMean: Float64Array.from(randomArray(C, 100)),
    runningVar: Float64Array.from(randomArray(C, 3)),
  };
}

/** Forward outputs and statistics, then backward gradients, with batch statistics or running ones. */
function run(k: BatchNormKernels, c: Case, batchStats: boolean): (Float32Array | Float64Array)[] {
  const { N, C, S } = c;
  const mean = batchStats ? new Float64Array(C).fill(Number.NaN) : c.runningMean.slice();
  const variance = batchStats ? new Float64Array(C).fill(Number.NaN) : c.runningVar.slice();
  const invstd = new Float64Array(C).fill(Number.NaN);
  const out = new Float32Array(N * C * S).fill(Number.NaN);
  k.batchNormForward(N, C, S, c.x, c.weight, c.bias, 1e-5, batchStats, mean, variance, invstd, out, false);
  const dx = new Float32Array(N * C * S).fill(Number.NaN);
  const dweight = new Float32Array(C).fill(Number.NaN);
  const dbias = new Float32Array(C).fill(Number.NaN);
  k.batchNormBackward(N, C, S, c.x, c.grad, c.weight, batchStats, mean, invstd, dx, dweight, dbias, null);
  return [out, mean, variance, invstd, dx, dweight, dbias];
}

function bitsEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  if (a instanceof Float32Array && b instanceof Float32Array) return sameBits(a, b);
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe("batch norm kernels: wasm gives the TypeScript reference's bits", () => {
  for (const S of [1, 2, 3, 4, 5, 7, 8, 25, 100, 197]) {
    it(`S = ${S}, with and without weight and bias, batch and running statistics`, () => {
      for (const affine of [true, false]) {
        for (const batchStats of [true, false]) {
          const c = randomCase(S, affine);
          const got = run(wasmKernels, c, batchStats);
          const expected = run(jsKernels, c, batchStats);
          got.forEach((array, i) => {
            expect(bitsEqual(array, expected[i]!), `affine ${affine}, batch ${batchStats}, result ${i}`).toBe(true);
          });
        }
      }
    });
  }

  it("null dx, dweight and dbias are skipped, and the rest is unchanged", () => {
    const c = randomCase(9, true);
    const [, mean, , invstd, dx] = run(jsKernels, c, true);
    for (const k of [jsKernels, wasmKernels]) {
      const onlyDx = new Float32Array(dx!.length);
      k.batchNormBackward(
        c.N,
        c.C,
        c.S,
        c.x,
        c.grad,
        c.weight,
        true,
        mean as Float64Array,
        invstd as Float64Array,
        onlyDx,
        null,
        null,
        null,
      );
      expect(sameBits(onlyDx, dx as Float32Array)).toBe(true);
    }
  });

  it("the batch statistics are the mean and biased variance", () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const k of [jsKernels, wasmKernels]) {
      // N 2, C 2, S 2: channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8.
      const [mean, variance, invstd] = [new Float64Array(2), new Float64Array(2), new Float64Array(2)];
      k.batchNormForward(2, 2, 2, x, null, null, 0, true, mean, variance, invstd, new Float32Array(8), false);
      expect(Array.from(mean)).toEqual([3.5, 5.5]);
      expect(Array.from(variance)).toEqual([4.25, 4.25]);
      expect(invstd[0]).toBe(1 / Math.sqrt(4.25));
    }
  });

  it("names what is wrong", () => {
    for (const k of [jsKernels, wasmKernels]) {
      const stats = new Float64Array(2);
      expect(
        messageOf(() =>
          k.batchNormForward(
            2,
            2,
            3,
            new Float32Array(11),
            null,
            null,
            0,
            true,
            stats,
            stats,
            stats,
            new Float32Array(12),
            false,
          ),
        ),
      ).toBe("batchNormForward: x needs 12 elements, has 11");
      expect(
        messageOf(() =>
          k.batchNormForward(
            2,
            3,
            2,
            new Float32Array(12),
            null,
            null,
            0,
            true,
            stats,
            stats,
            stats,
            new Float32Array(12),
            false,
          ),
        ),
      ).toBe("batchNormForward: mean needs 3 elements, has 2");
      expect(
        messageOf(() =>
          k.batchNormBackward(
            1,
            2,
            1,
            new Float32Array(2),
            new Float64Array(2),
            null,
            true,
            stats,
            stats,
            null,
            null,
            null,
            null,
          ),
        ),
      ).toBe("batchNormBackward: every array must share one element type, got Float32Array and Float64Array (grad)");
      expect(
        messageOf(() =>
          k.batchNormBackward(
            1,
            -2,
            1,
            new Float32Array(2),
            new Float32Array(2),
            null,
            true,
            stats,
            stats,
            null,
            null,
            null,
            null,
          ),
        ),
      ).toBe("batchNormBackward: C must be a non-negative integer, got -2");
    }
  });
});

describe("batch norm kernels with a fused relu", () => {
  /** relu as @nabla/tensor computes it: +0 for negatives and −0, NaN kept. */
  const relu = (v: number): number => (v > 0 || v !== v ? v : 0);

  for (const k of [jsKernels, wasmKernels]) {
    it(`${k.name}: forward gives relu of the plain output's bits, backward the plain backward of the masked gradient`, () => {
      for (const S of [1, 6, 100]) {
        const c = randomCase(S, true);
        // Values around zero (and a NaN) so that the relu cuts through every channel.
        c.x.forEach((_, i) => {
          c.x[i] = gen.random() * 4 - 2;
        });
        c.x[3] = Number.NaN;
        const { N, C } = c;
        const stats = (): Float64Array[] => [new Float64Array(C), new Float64Array(C), new Float64Array(C)];
        const [mean, variance, invstd] = stats();
        const plain = new Float32Array(N * C * S);
        k.batchNormForward(
          N,
          C,
          S,
          c.x,
          c.weight,
          c.bias,
          1e-5,
          false,
          c.runningMean,
          c.runningVar,
          invstd!,
          plain,
          false,
        );
        const fused = new Float32Array(N * C * S);
        k.batchNormForward(
          N,
          C,
          S,
          c.x,
          c.weight,
          c.bias,
          1e-5,
          false,
          c.runningMean,
          c.runningVar,
          invstd!,
          fused,
          true,
        );
        expect(sameBits(fused, plain.map(relu))).toBe(true);

        // A NaN in the batch would make its channel's statistics NaN: only the running ones see it.
        c.x[3] = 0.5;
        k.batchNormForward(N, C, S, c.x, c.weight, c.bias, 1e-5, true, mean!, variance!, invstd!, fused, true);
        // Batch statistics centre every channel: the relu cuts through each of them.
        expect(fused.some((v) => v === 0) && fused.some((v) => v > 0)).toBe(true);
        const masked = c.grad.map((g, i) => (fused[i]! > 0 ? g : 0));
        const expected = [new Float32Array(N * C * S), new Float32Array(C), new Float32Array(C)] as const;
        k.batchNormBackward(N, C, S, c.x, masked, c.weight, true, mean!, invstd!, ...expected, null);
        const got = [new Float32Array(N * C * S), new Float32Array(C), new Float32Array(C)] as const;
        k.batchNormBackward(N, C, S, c.x, c.grad, c.weight, true, mean!, invstd!, ...got, fused);
        got.forEach((array, i) => {
          expect(sameBits(array, expected[i]!), `S ${S}, result ${i}`).toBe(true);
        });
      }
    });
  }
});
