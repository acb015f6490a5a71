import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// "Imported as a framework" means: packed, installed into a project outside this workspace,
// imported from plain Node ESM, and typechecked from a .ts file there.
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const packageDirs = ["tensor", "autograd", "layers", "losses", "optim", "data", "trainer", "onnx", "nabla"].map((d) =>
  join(root, "packages", d),
);

let consumer = "";

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `run` without blocking the worker: a minute and more of synchronous packing starves vitest's RPC until it times out. */
async function runAsync(command: string, args: string[], cwd: string): Promise<void> {
  await promisify(execFile)(command, args, { cwd, encoding: "utf8" });
}

beforeAll(async () => {
  await runAsync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b"], root);
  consumer = mkdtempSync(join(tmpdir(), "nabla-consumer-"));
  const tarballs = join(consumer, "tarballs");
  const overrides: Record<string, string> = {};
  for (const dir of packageDirs) {
    await runAsync("pnpm", ["pack", "--pack-destination", tarballs], dir);
    const { name, version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    const file = `${name.replace("@", "").replace("/", "-")}-${version}.tgz`;
    overrides[name] = `file:${join(tarballs, file)}`;
  }
  expect(readdirSync(tarballs)).toHaveLength(packageDirs.length);
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({
      name: "nabla-consumer",
      private: true,
      type: "module",
      dependencies: { nabla: overrides.nabla, "@types/node": "^20.19.0", typescript: "^5.9.0" },
      pnpm: { overrides },
    }),
  );
  await runAsync("pnpm", ["install", "--prefer-offline", "--ignore-workspace"], consumer);
}, 240_000);

// Removing an installed node_modules takes more than vitest's default 10 s on a loaded machine.
afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
}, 120_000);

describe("nabla as an installed package", () => {
  it("imports from plain Node ESM and trains a step", () => {
    writeFileSync(
      join(consumer, "main.mjs"),
      `import { Dense, ReLU, SGD, Sequential, manualSeed, softmaxCrossEntropy, tensor } from "nabla";
manualSeed(1);
const model = new Sequential(new Dense(4, 8), new ReLU(), new Dense(8, 3));
const opt = new SGD(model.parameters(), { lr: 0.5 });
const x = tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);
const y = tensor([0, 1, 2], [3], "int32");
let first = 0, last = 0;
for (let i = 0; i < 50; i++) {
  opt.zeroGrad();
  const loss = softmaxCrossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  if (i === 0) first = loss.item();
  last = loss.item();
}
console.log(JSON.stringify({ first, last }));
`,
    );
    const out = JSON.parse(run(process.execPath, ["main.mjs"], consumer)) as { first: number; last: number };
    expect(out.last).toBeLessThan(out.first / 10);
  });

  it("exports ONNX from plain Node ESM (onnx-proto is CommonJS)", () => {
    writeFileSync(
      join(consumer, "onnx.mjs"),
      `import { readFileSync } from "node:fs";
import { Dense, ReLU, Sequential, exportOnnx, saveOnnx } from "nabla";
const model = new Sequential(new Dense(4, 8), new ReLU(), new Dense(8, 3));
const bytes = exportOnnx(model, { inputShape: [4] });
saveOnnx(model, "model.onnx", { inputShape: [4] });
console.log(JSON.stringify({ size: bytes.length, same: Buffer.compare(readFileSync("model.onnx"), bytes) === 0 }));
`,
    );
    const out = JSON.parse(run(process.execPath, ["onnx.mjs"], consumer)) as { size: number; same: boolean };
    expect(out.size).toBeGreaterThan((4 * 8 + 8 + 8 * 3 + 3) * 4);
    expect(out.same).toBe(true);
  });

  it("typechecks a TypeScript file that uses the API", async () => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    writeFileSync(
      join(consumer, "check.ts"),
      `import { Adam, DataLoader, Dense, ReLU, Sequential, TensorDataset, Trainer, Variable, loadMnist, softmaxCrossEntropy, type Tensor } from "nabla";
import { gradcheck } from "nabla/extend";
import { kernels } from "nabla/kernels";
const model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const loss = (logits: Variable, labels: Tensor): Variable => softmaxCrossEntropy(logits, labels);
const trainer = new Trainer({ model, loss, optimizer });
export async function train(): Promise<number> {
  const { train } = loadMnist({ limitTrain: 100, limitTest: 100 });
  const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 32, shuffle: true, seed: 0 });
  await trainer.fit(loader, { epochs: 1, progress: "none" });
  return model.numParameters();
}
// Subpath entry points, methods declared by module augmentation, typed batches.
export const backend: string = kernels.name;
export const check: typeof gradcheck = gradcheck;
export function first(loader: DataLoader<[Tensor, Tensor]>, w: Variable): number {
  for (const [images, labels] of loader) return images.matmul(w.value).add(labels.cast("float32").unsqueeze(1)).sum().item();
  return w.matmul(w).relu().sum().item();
}
`,
    );
    // Asynchronous: tsc takes ~10 s of CPU, over a minute on a loaded machine, and a synchronous
    // run would starve vitest's RPC until it times out.
    await runAsync(process.execPath, [join(consumer, "node_modules/typescript/bin/tsc"), "-p", consumer], consumer);
  }, 180_000);
});
