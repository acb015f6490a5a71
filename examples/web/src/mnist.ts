import { MNIST_FILES, type Mnist, type MnistSplit, parseIdx, Tensor } from "nabla";

/** The four IDX files of MNIST as bytes. */
export type MnistBytes = Record<keyof typeof MNIST_FILES, Uint8Array>;

export interface Limits {
  /** Keep the first `train` training images (all 60,000 if undefined). */
  train?: number;
  /** Keep the first `test` test images (all 10,000 if undefined). */
  test?: number;
}

/** Fetches the four IDX files from the folder `baseUrl` (which the dev server and the build both provide). */
export async function fetchMnistBytes(baseUrl: string): Promise<MnistBytes> {
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, file]) => {
      const url = `${baseUrl.replace(/\/$/, "")}/${file}`;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`cannot fetch MNIST from ${url}: HTTP ${response.status}`);
      return [key, new Uint8Array(await response.arrayBuffer())] as const;
    }),
  );
  return Object.fromEntries(entries) as MnistBytes;
}

/** MNIST as loadMnist gives it in Node: float32 pixels in [0, 1], [N, 784], and int32 labels [N]. */
export function mnistFromBytes(bytes: MnistBytes, limits: Limits = {}): Mnist {
  return {
    train: split(bytes.trainImages, bytes.trainLabels, MNIST_FILES.trainImages, limits.train),
    test: split(bytes.testImages, bytes.testLabels, MNIST_FILES.testImages, limits.test),
  };
}

function split(imageBytes: Uint8Array, labelBytes: Uint8Array, name: string, limit: number | undefined): MnistSplit {
  const images = parseIdx(imageBytes, name);
  const labels = parseIdx(labelBytes, name.replace("images-idx3", "labels-idx1"));
  const count = Math.min(limit ?? Infinity, images.shape[0]!, labels.shape[0]!);
  // The same table loadMnist uses, so that pixels are bit-identical to a run in Node.
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = scale[images.data[i]!]!;
  return {
    images: new Tensor(x, [count, 784]),
    labels: new Tensor(Int32Array.from(labels.data.subarray(0, count)), [count]),
  };
}
