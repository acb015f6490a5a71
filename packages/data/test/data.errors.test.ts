import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Generator, tensor, zeros } from "@nabla/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { messageOf } from "../../tensor/test/message-of.js";
import { collate, DataLoader, loadMnist, MNIST_FILES, parseIdx, readIdx, TensorDataset } from "../src/node/index.js";

// What a user can get wrong with data files and loaders, and the exact message each gets.

function idx(code: number, shape: number[], values: ArrayLike<number>, bytesPerValue = 1): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * bytesPerValue);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    if (bytesPerValue === 4) view.setInt32(header + 4 * i, values[i]!, false);
    else out[header + i] = values[i]!;
  }
  return out;
}

const images = (n: number, side = 28): Uint8Array => idx(0x08, [n, side, side], new Uint8Array(n * side * side));
const labels = (values: number[]): Uint8Array => idx(0x08, [values.length], values);

const root = mkdtempSync(join(tmpdir(), "nabla-data-errors-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(root, name);
  writeFileSync(path, bytes);
  return path;
}

/** A folder of MNIST files where `files` replaces some of the four; `null` leaves one out. */
function mnistDir(name: string, files: Partial<Record<keyof typeof MNIST_FILES, Uint8Array | null>>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const all = {
    trainImages: images(3),
    trainLabels: labels([0, 9, 4]),
    testImages: images(2),
    testLabels: labels([1, 2]),
    ...files,
  };
  for (const [key, bytes] of Object.entries(all)) {
    if (bytes !== null) writeFileSync(join(dir, MNIST_FILES[key as keyof typeof MNIST_FILES]), bytes);
  }
  return dir;
}

const good = images(3);
const truncated = file("truncated-idx3-ubyte", good.subarray(0, 1000));
const headerOnly = file("header-idx3-ubyte", good.subarray(0, 10));
const png = file("digit.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
const csv = file("train.csv", "label,pixel0,pixel1\n5,0,0\n");
const gzTruncated = file("images.gz", gzipSync(good).subarray(0, 40));
const longer = file("longer-idx1-ubyte", new Uint8Array([...labels([1, 2, 3]), 7, 7]));
const float16 = file("half-idx1", new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 1, 0, 0]));
const missing = join(root, "no-such-file-idx3-ubyte");

const ds = new TensorDataset(zeros([10, 2]), zeros([10], "int32"));
const catalogue: [string, () => unknown, string][] = [
  // Data files: missing, truncated, of the wrong kind
  [
    "readIdx: a missing file",
    () => readIdx(missing),
    `readIdx: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'`,
  ],
  [
    "readIdx: a directory",
    () => readIdx(root),
    `readIdx: cannot read ${root}: EISDIR: illegal operation on a directory, read`,
  ],
  [
    "readIdx: truncated data",
    () => readIdx(truncated),
    `readIdx: ${truncated}: truncated file: got 1000 bytes, header says 2368 (shape [3,28,28] of uint8 after a 16-byte header)`,
  ],
  [
    "readIdx: truncated header",
    () => readIdx(headerOnly),
    `readIdx: ${headerOnly}: truncated file: got 10 bytes, the header of a 3-d IDX file needs 16`,
  ],
  [
    "readIdx: a PNG",
    () => readIdx(png),
    `readIdx: ${png}: wrong magic number 0x89 0x50 0x4e 0x47: expected 0x00 0x00 <type> <ndim> (e.g. 0x00 0x00 0x08 0x03 for uint8 images); not an IDX file`,
  ],
  [
    "readIdx: a CSV file",
    () => readIdx(csv),
    `readIdx: ${csv}: wrong magic number 0x6c 0x61 0x62 0x65: expected 0x00 0x00 <type> <ndim> (e.g. 0x00 0x00 0x08 0x03 for uint8 images); not an IDX file`,
  ],
  [
    "readIdx: a truncated .gz download",
    () => readIdx(gzTruncated),
    `readIdx: ${gzTruncated}: corrupt gzip data: unexpected end of file`,
  ],
  [
    "readIdx: extra bytes after the data",
    () => readIdx(longer),
    `readIdx: ${longer}: trailing garbage: got 13 bytes, header says 11 (shape [3] of uint8 after a 8-byte header; 2 extra bytes)`,
  ],
  [
    "readIdx: an unknown element type",
    () => readIdx(float16),
    `readIdx: ${float16}: unknown type code 0x0a in magic number 0x00 0x00 0x0a 0x01: expected one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)`,
  ],
  [
    "parseIdx: an empty buffer",
    () => parseIdx(new Uint8Array(0), "download"),
    "parseIdx: download: truncated file: got 0 bytes, an IDX header needs at least 4 (magic number)",
  ],
  [
    "loadMnist: a missing directory",
    () => loadMnist({ dir: join(root, "nope") }),
    `loadMnist: directory ${join(root, "nope")} does not exist; it should hold train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`,
  ],
  [
    "loadMnist: a file missing from the directory",
    () => loadMnist({ dir: mnistDir("no-test-labels", { testLabels: null }) }),
    `loadMnist: missing MNIST file in ${join(root, "no-test-labels")}: looked for ${join(root, "no-test-labels", "t10k-labels-idx1-ubyte")} and ${join(root, "no-test-labels", "t10k-labels-idx1-ubyte.gz")}`,
  ],
  [
    "loadMnist: labels where the images should be",
    () => loadMnist({ dir: mnistDir("swapped", { trainImages: labels([0, 9, 4]) }) }),
    `loadMnist: ${join(root, "swapped", "train-images-idx3-ubyte")}: images have shape [3], expected [N,28,28]`,
  ],
  [
    "loadMnist: images of another size (e.g. 32×32)",
    () => loadMnist({ dir: mnistDir("cifar", { trainImages: images(3, 32) }) }),
    `loadMnist: ${join(root, "cifar", "train-images-idx3-ubyte")}: images have shape [3,32,32], expected [N,28,28]`,
  ],
  [
    "loadMnist: fewer labels than images",
    () => loadMnist({ dir: mnistDir("short-labels", { trainLabels: labels([0, 9]) }) }),
    `loadMnist: image and label counts differ: ${join(root, "short-labels", "train-images-idx3-ubyte")} has 3 images, ${join(root, "short-labels", "train-labels-idx1-ubyte")} has 2 labels`,
  ],
  [
    "loadMnist: a label outside 0..9",
    () => loadMnist({ dir: mnistDir("label-10", { trainLabels: labels([0, 10, 4]) }) }),
    `loadMnist: ${join(root, "label-10", "train-labels-idx1-ubyte")}: label 10 at index 1 is outside 0..9`,
  ],
  [
    "loadMnist: int32 labels",
    () => loadMnist({ dir: mnistDir("int-labels", { trainLabels: idx(0x0c, [3], [0, 9, 4], 4) }) }),
    `loadMnist: ${join(root, "int-labels", "train-labels-idx1-ubyte")}: labels are int32, expected uint8`,
  ],
  [
    "loadMnist: a truncated image file",
    () => loadMnist({ dir: mnistDir("cut", { testImages: images(2).subarray(0, 900) }), limitTest: 1 }),
    `readIdx: ${join(root, "cut", "t10k-images-idx3-ubyte")}: truncated file: got 900 bytes, header says 1584 (shape [2,28,28] of uint8 after a 16-byte header)`,
  ],
  // Options
  [
    "loadMnist: limit",
    () => loadMnist({ limit: 100 } as never),
    "loadMnist: unknown option 'limit'; expected one of dir, limitTrain, limitTest, flatten",
  ],
  [
    "loadMnist: zero examples",
    () => loadMnist({ limitTrain: 0 }),
    "loadMnist: limitTrain must be a positive integer, got 0",
  ],
  [
    "loadMnist: flatten as a string",
    () => loadMnist({ flatten: "no" as never }),
    'loadMnist: flatten must be a boolean, got "no"',
  ],
  [
    "DataLoader: batch_size",
    () => new DataLoader(ds, { batch_size: 4 } as never),
    "DataLoader: unknown option 'batch_size': expected one of batchSize, shuffle, seed, generator, dropLast",
  ],
  [
    "DataLoader: drop_last",
    () => new DataLoader(ds, { drop_last: true } as never),
    "DataLoader: unknown option 'drop_last': expected one of batchSize, shuffle, seed, generator, dropLast",
  ],
  [
    "DataLoader: batchSize 0",
    () => new DataLoader(ds, { batchSize: 0 }),
    "DataLoader: batchSize must be a positive integer, got 0",
  ],
  [
    "DataLoader: fractional batchSize",
    () => new DataLoader(ds, { batchSize: 2.5 }),
    "DataLoader: batchSize must be a positive integer, got 2.5",
  ],
  [
    "DataLoader: shuffle as a string",
    () => new DataLoader(ds, { shuffle: "true" as never }),
    'DataLoader: shuffle must be a boolean, got "true"',
  ],
  [
    "DataLoader: NaN seed",
    () => new DataLoader(ds, { shuffle: true, seed: NaN }),
    "DataLoader: seed must be a finite number or a string, got NaN",
  ],
  [
    "DataLoader: seed and generator",
    () => new DataLoader(ds, { shuffle: true, seed: 1, generator: new Generator(1) }),
    "DataLoader: pass either seed or generator, not both",
  ],
  // Empty batches and datasets
  [
    "DataLoader: an empty dataset",
    () => new DataLoader(new TensorDataset(zeros([0, 2]))),
    "DataLoader: the dataset is empty (length 0); expected at least one example",
  ],
  [
    "DataLoader: dropLast leaves no batch",
    () => new DataLoader(ds, { batchSize: 32, dropLast: true }),
    "DataLoader: dropLast with batchSize 32 and a dataset of 10 examples yields no batches",
  ],
  [
    "DataLoader: a Tensor instead of a dataset",
    () => new DataLoader(zeros([10, 2]) as never),
    "DataLoader: expected a dataset with length and get(i), got a Tensor of shape [10,2] (wrap tensors in new TensorDataset(images, labels))",
  ],
  [
    "DataLoader: an array of batches",
    () => new DataLoader([[zeros([2])]] as never),
    "DataLoader: expected a dataset with length and get(i), got an array (wrap tensors in new TensorDataset(images, labels))",
  ],
  ["collate: no examples", () => collate([]), "collate: expected at least one example, got none"],
  [
    "collate: examples of different shapes",
    () => collate([zeros([2]), zeros([3])]),
    "collate: field 0 of example 1 has shape [3] float32, example 0 has [2] float32; examples must match to be stacked",
  ],
  // Datasets
  [
    "TensorDataset: images and labels of different lengths",
    () => new TensorDataset(zeros([10, 784]), zeros([9], "int32")),
    "TensorDataset: tensors differ in their first dimension: [10,784], [9]; expected the same number of rows in each",
  ],
  [
    "TensorDataset: a nested array",
    () => new TensorDataset([[1, 2]] as never),
    "TensorDataset: expected Tensors, got an array (make a Tensor with tensor(...))",
  ],
  [
    "TensorDataset: a Variable",
    () => new TensorDataset({ value: tensor([1]), requiresGrad: false } as never),
    "TensorDataset: expected Tensors, got a Variable (pass its .value)",
  ],
  [
    "TensorDataset: a scalar",
    () => new TensorDataset(tensor(3)),
    "TensorDataset: got a scalar tensor (shape []); every tensor needs a first dimension to index",
  ],
  [
    "TensorDataset.get: index out of range",
    () => ds.get(10),
    "TensorDataset.get: index 10 is out of range for a dataset of length 10",
  ],
  [
    "DataLoader.setState: garbage",
    () => new DataLoader(ds).setState({ epoch: -1 } as never),
    "DataLoader.setState: expected { epoch: non-negative integer, generator }, as getState() returns",
  ],
];

describe("bad inputs to @nabla/data get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });
});
