// The activations' kernels write every element of their output, so a reused (dirty) buffer gives
// the same bits as a fresh one; the float32 loops on bits agree with the plain formulas; and the
// wasm backend's kernels give the TypeScript reference's bits (they are the same loops).
import { describe, expect, it } from "vitest";
import { type FloatArray, Generator, jsKernels, randn, wasmKernels } from "../src/index.js";

const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45];

/** n values of the given type: normals with the special values mixed in. */
function values(n: number, type: "float32" | "float64", seed: number): FloatArray {
  const out = randn([n], { generator: new Generator(seed), dtype: type }).data as FloatArray;
  for (let i = 0; i < n; i += 5) out[i] = specials[(i / 5) % specials.length]!;
  return out;
}

/** The output buffer, filled with garbage the kernel must overwrite. */
function dirty(n: number, type: "float32" | "float64"): FloatArray {
  return (type === "float32" ? new Float32Array(n) : new Float64Array(n)).fill(Number.NaN);
}

const bits = (a: FloatArray): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
/** a stored into the array type of `like` (float32 rounding). */
const stored = (like: FloatArray, xs: number[]): number[] => [
  ...(like.constructor as Float64ArrayConstructor).from(xs),
];

describe("activation kernels", () => {
  for (const type of ["float32", "float64"] as const) {
    for (const n of [0, 1, 3, 4, 17, 64, 129]) {
      it(`${type}, ${n} elements: every output element written, as the formulas say, the same in wasm`, () => {
        const x = values(n, type, n + 1);
        const g = values(n, type, n + 2);
        const relu = dirty(n, type);
        jsKernels.reluForward(n, x, relu);
        expect([...relu]).toEqual(
          stored(
            relu,
            [...x].map((v) => (v > 0 || Number.isNaN(v) ? v : 0)),
          ),
        );
        const reluGrad = dirty(n, type);
        jsKernels.reluBackward(n, x, g, reluGrad);
        expect([...reluGrad]).toEqual(
          stored(
            reluGrad,
            [...x].map((v, i) => (v > 0 ? g[i]! : 0)),
          ),
        );
        const leaky = dirty(n, type);
        jsKernels.leakyRelu(n, x, g, 0.1, leaky);
        expect([...leaky]).toEqual(
          stored(
            leaky,
            [...x].map((v, i) => (v > 0 ? g[i]! : 0.1 * g[i]!)),
          ),
        );
        const y = values(n, type, n + 3).map((v) => 1 / (1 + Math.exp(-v))) as FloatArray;
        const sig = dirty(n, type);
        jsKernels.sigmoidBackward(n, y, g, sig);
        expect([...sig]).toEqual(
          stored(
            sig,
            [...y].map((v, i) => g[i]! * v * (1 - v)),
          ),
        );
        const th = dirty(n, type);
        jsKernels.tanhBackward(n, y, g, th);
        expect([...th]).toEqual(
          stored(
            th,
            [...y].map((v, i) => g[i]! * (1 - v * v)),
          ),
        );

        for (const [name, run] of [
          ["reluForward", (k: typeof jsKernels, out: FloatArray) => k.reluForward(n, x, out)],
          ["reluBackward", (k: typeof jsKernels, out: FloatArray) => k.reluBackward(n, x, g, out)],
          ["leakyRelu", (k: typeof jsKernels, out: FloatArray) => k.leakyRelu(n, x, g, 0.1, out)],
          ["sigmoidBackward", (k: typeof jsKernels, out: FloatArray) => k.sigmoidBackward(n, y, g, out)],
          ["tanhBackward", (k: typeof jsKernels, out: FloatArray) => k.tanhBackward(n, y, g, out)],
        ] as const) {
          const js = dirty(n, type);
          const wasm = dirty(n, type);
          run(jsKernels, js);
          run(wasmKernels, wasm);
          expect(bits(wasm), name).toEqual(bits(js));
        }
      });
    }
  }
});
