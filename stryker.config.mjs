import { fileURLToPath } from "node:url";

// StrykerJS mutation testing (`pnpm mutation [target ...]`, see docs/mutation.md). Each target is
// one source file mutated against the tests of the package it belongs to; scripts/mutation.mjs
// runs the targets one after another, naming the current one in NABLA_MUTATION_TARGET.

/** @type {Record<string, { mutate: string; testFiles: string[] }>} */
export const targets = {
  "softmax-cross-entropy": {
    mutate: "packages/losses/src/softmax-cross-entropy.ts",
    testFiles: ["packages/losses/test/**/*.test.ts"],
  },
  adam: { mutate: "packages/optim/src/adam.ts", testFiles: ["packages/optim/test/**/*.test.ts"] },
  sgd: { mutate: "packages/optim/src/sgd.ts", testFiles: ["packages/optim/test/**/*.test.ts"] },
  conv2d: {
    mutate: "packages/autograd/src/ops/conv2d.ts",
    testFiles: ["packages/autograd/test/**/conv*.test.ts"],
  },
  safetensors: {
    mutate: "packages/trainer/src/safetensors.ts",
    // The trainer's other suites train models (and its memory test needs --expose-gc, which
    // Stryker's thread pool does not pass); these are the ones that read and write files.
    testFiles: ["packages/trainer/test/**/safetensors*.test.ts", "packages/trainer/test/**/checkpoint*.test.ts"],
  },
};

const name = process.env.NABLA_MUTATION_TARGET ?? "conv2d";
const target = targets[name];
if (target === undefined) {
  throw new Error(`stryker.config.mjs: unknown target "${name}"; expected one of ${Object.keys(targets).join(", ")}`);
}

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  // pnpm keeps the runner out of core's own node_modules, so it is named rather than discovered.
  plugins: [fileURLToPath(import.meta.resolve("@stryker-mutator/vitest-runner"))],
  testRunner: "vitest",
  vitest: { configFile: "vitest.config.ts", related: false },
  mutate: [target.mutate],
  testFiles: target.testFiles,
  coverageAnalysis: "perTest",
  // Vitest strips types itself, and the AssemblyScript sources under tensor/ are not TypeScript
  // that Babel can parse.
  disableTypeChecks: false,
  // Two cores, shared with others: two test runners at most.
  concurrency: 2,
  timeoutMS: 5_000,
  ignorePatterns: ["dist", "coverage", "examples/mnist/out", "bench"],
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
