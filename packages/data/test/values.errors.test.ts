import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor } from "@nabla/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { messageOf } from "../../tensor/test/message-of.js";
import { DataLoader, loadMnist, TensorDataset } from "../src/node/index.js";

const root = mkdtempSync(join(tmpdir(), "nabla-data-values-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const wanted =
  "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]";

describe("loadMnist's dir", () => {
  it("a file given as the directory is called a file, and its folder is named", () => {
    const file = join(root, "train-images-idx3-ubyte");
    writeFileSync(file, new Uint8Array(16));
    expect(messageOf(() => loadMnist({ dir: file }))).toBe(
      `loadMnist: ${file} is a file, not a directory; pass the folder that holds ${wanted} (this file is in ${root})`,
    );
  });

  it("a missing directory is still called missing", () => {
    const missing = join(root, "nope");
    expect(messageOf(() => loadMnist({ dir: missing }))).toBe(
      `loadMnist: directory ${missing} does not exist; it should hold ${wanted}`,
    );
  });

  it("a dir that is not a path says what it got", () => {
    expect(messageOf(() => loadMnist({ dir: 7 as never }))).toBe("loadMnist: dir must be the path of a folder, got 7");
    expect(messageOf(() => loadMnist({ dir: "" }))).toBe('loadMnist: dir must be the path of a folder, got ""');
  });
});

describe("data options show the value they got", () => {
  const ds = new TensorDataset(tensor([[1], [2], [3]]));

  it('strings are quoted, so "32" is not mistaken for 32', () => {
    expect(messageOf(() => new DataLoader(ds, { batchSize: "32" as never }))).toBe(
      'DataLoader: batchSize must be a positive integer, got "32"',
    );
    expect(messageOf(() => new DataLoader(ds, { dropLast: "false" as never }))).toBe(
      'DataLoader: dropLast must be a boolean, got "false"',
    );
    expect(messageOf(() => new DataLoader(ds, { shuffle: true, seed: NaN }))).toBe(
      "DataLoader: seed must be a finite number or a string, got NaN",
    );
    expect(messageOf(() => loadMnist({ limitTrain: "100" as never }))).toBe(
      'loadMnist: limitTrain must be a positive integer, got "100"',
    );
  });

  it("a string where a dataset belongs is quoted too", () => {
    expect(messageOf(() => new DataLoader("mnist" as never))).toMatch(
      /^DataLoader: expected a dataset with length and get\(i\), got "mnist"/,
    );
  });
});
