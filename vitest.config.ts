import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources, not dist/, so a test run never sees a stale build.
const packages = ["tensor", "autograd", "layers", "losses", "optim", "data", "trainer"];
const source = (dir: string): string =>
  fileURLToPath(new URL(`./packages/${dir}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      ...packages.map((dir) => ({ find: new RegExp(`^@nabla/${dir}$`), replacement: source(dir) })),
      { find: /^nabla$/, replacement: source("nabla") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // The memory tests force collections to measure what survives a training step.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
