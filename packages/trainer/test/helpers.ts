import { record, type Variable } from "@nabla/autograd";
import { DataLoader, TensorDataset } from "@nabla/data";
import { Dense, type Module, ReLU, Sequential } from "@nabla/layers";
import { Generator, Tensor } from "@nabla/tensor";
import type { ProgressStream } from "../src/node/index.js";

/**
 * A small 3-class problem: 4-d Gaussian points labelled by which of three fixed directions they
 * point most along. Linearly separable, so a small MLP learns it in a few epochs.
 */
export function blobs(n: number, seed = 7): { x: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const directions = [
    [1, 0.5, 0, -1],
    [-1, 1, 0.5, 0],
    [0, -1, 1, 0.5],
  ];
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = g.normal();
    directions.forEach((d, c) => {
      let s = 0;
      for (let j = 0; j < 4; j++) s += d[j]! * x[i * 4 + j]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    });
    y[i] = best;
  }
  return { x: new Tensor(x, [n, 4]), y: new Tensor(y, [n]) };
}

export function mlp(seed = 1): Module {
  const generator = new Generator(seed);
  return new Sequential(new Dense(4, 16, { generator }), new ReLU(), new Dense(16, 3, { generator }));
}

export function loader(x: Tensor, y: Tensor, batchSize: number, seed?: number): DataLoader {
  return new DataLoader(
    new TensorDataset(x, y),
    seed === undefined ? { batchSize } : { batchSize, shuffle: true, seed },
  );
}

/** A stream that records what progress writes. */
export function capture(isTTY: boolean): ProgressStream & { text: string } {
  const stream = {
    text: "",
    isTTY,
    write(s: string): boolean {
      stream.text += s;
      return true;
    },
  };
  return stream;
}

/** The loss that the model output gives, but with a NaN gradient: a finite loss over a broken backward. */
export function lossWithNaNGradient(prediction: Variable): Variable {
  return record("nanGradient", [prediction], new Tensor(new Float32Array([1]), []), () => [
    new Tensor(new Float32Array(prediction.size).fill(NaN), prediction.shape),
  ]);
}

/** A safetensors file made by hand from a header object (or its exact text) and a data section. */
export function handMade(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerText = JSON.stringify(header),
): Uint8Array {
  return handMadeFromBytes(Buffer.from(headerText, "utf8"), data);
}

/** The same from the header's raw bytes, which need not be valid UTF-8. */
export function handMadeFromBytes(header: Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** The value of IEEE half-precision bits, by the formula of the standard. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
