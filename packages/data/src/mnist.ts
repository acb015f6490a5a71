import { checkOptions, formatValue, Tensor } from "@nabla/tensor";
import { type IdxHeader, type IdxRecordReader, idxRecordsFromBytes } from "./idx.js";

/** The four standard MNIST file names; each may also carry a `.gz` suffix. */
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** One of the four MNIST files. */
export type MnistFile = keyof typeof MNIST_FILES;

export interface ParseMnistOptions {
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

/** The four MNIST files' bytes (uncompressed IDX), e.g. fetched by a web page. */
export type MnistBytes = Record<MnistFile, Uint8Array>;

/** Where each MNIST file is read from, and the name its errors give it. */
export type MnistSources = Record<MnistFile, { name: string; read: IdxRecordReader }>;

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

/**
 * MNIST from the bytes of its four IDX files (uncompressed): images float32 in [0,1], [N,784] by
 * default ([N,1,28,28] with `flatten: false`), labels int32 [N]. In Node, `loadMnist` of
 * `@nabla/data/node` reads them from a folder.
 */
export function parseMnist(files: MnistBytes, options: ParseMnistOptions = {}): Mnist {
  if (typeof files !== "object" || files === null)
    throw new Error(`parseMnist: expected the four files' bytes { ${Object.keys(MNIST_FILES).join(", ")} }`);
  checkOptions("parseMnist: files", files, Object.keys(MNIST_FILES));
  const sources = {} as MnistSources;
  for (const key of Object.keys(MNIST_FILES) as MnistFile[]) {
    const bytes = files[key];
    if (!(bytes instanceof Uint8Array)) {
      throw new Error(
        `parseMnist: files.${key} must be a Uint8Array (the bytes of ${MNIST_FILES[key]}), got ${formatValue(bytes)}`,
      );
    }
    sources[key] = { name: key, read: idxRecordsFromBytes(bytes, key, "parseMnist") };
  }
  return readMnist(sources, options, "parseMnist");
}

/** MNIST from its four sources; errors start with `op`. */
export function readMnist(sources: MnistSources, options: ParseMnistOptions, op: string): Mnist {
  checkOptions(op, options, ["limitTrain", "limitTest", "flatten"]);
  const { limitTrain, limitTest, flatten = true } = options;
  checkMnistOptions(op, options);
  return {
    train: loadSplit(op, sources.trainImages, sources.trainLabels, limitTrain, flatten),
    test: loadSplit(op, sources.testImages, sources.testLabels, limitTest, flatten),
  };
}

/** Checks limitTrain, limitTest and flatten. */
export function checkMnistOptions(op: string, options: ParseMnistOptions): void {
  const { limitTrain, limitTest, flatten = true } = options;
  checkLimit(op, "limitTrain", limitTrain);
  checkLimit(op, "limitTest", limitTest);
  if (typeof flatten !== "boolean") throw new Error(`${op}: flatten must be a boolean, got ${formatValue(flatten)}`);
}

function checkLimit(op: string, name: string, limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`${op}: ${name} must be a positive integer, got ${formatValue(limit)}`);
  }
}

function loadSplit(
  op: string,
  images: MnistSources[MnistFile],
  labels: MnistSources[MnistFile],
  limit: number | undefined,
  flatten: boolean,
): MnistSplit {
  const imagesPath = images.name;
  const labelsPath = labels.name;
  // A 256-entry table turns each byte into its float with one load, no division per pixel.
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  let count = 0;
  let x = new Float32Array(0);
  images.read(limit ?? Infinity, (images) => {
    expectUint8(op, images, imagesPath, "images");
    if (images.shape.length !== 3 || images.shape[1] !== SIDE || images.shape[2] !== SIDE) {
      throw new Error(`${op}: ${imagesPath}: images have shape [${images.shape.join(",")}], expected [N,28,28]`);
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
  labels.read(n, (labels) => {
    expectUint8(op, labels, labelsPath, "labels");
    if (labels.shape.length !== 1) {
      throw new Error(`${op}: ${labelsPath}: labels have shape [${labels.shape.join(",")}], expected [N]`);
    }
    if (labels.shape[0] !== count) {
      throw new Error(
        `${op}: image and label counts differ: ${imagesPath} has ${count} images, ${labelsPath} has ${labels.shape[0]} labels`,
      );
    }
    return (classes, start) => {
      for (let i = 0; i < classes.length; i++) {
        const c = classes[i]!;
        if (c > 9) throw new Error(`${op}: ${labelsPath}: label ${c} at index ${start + i} is outside 0..9`);
        y[start + i] = c;
      }
    };
  });
  return {
    images: new Tensor(x, flatten ? [n, PIXELS] : [n, 1, SIDE, SIDE]),
    labels: new Tensor(y, [n]),
  };
}

function expectUint8(op: string, idx: IdxHeader, path: string, what: string): void {
  if (idx.dtype !== "uint8") throw new Error(`${op}: ${path}: ${what} are ${idx.dtype}, expected uint8`);
}
