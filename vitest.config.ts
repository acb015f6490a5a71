import { fileURLToPath } from "node:url";
import type { RunnerTask, RunnerTestFile } from "vitest";
import { defineConfig } from "vitest/config";
import type { Reporter } from "vitest/reporters";

// Tests run against the TypeScript sources, not dist/, so a test run never sees a stale build.
const packages = ["tensor", "autograd", "layers", "losses", "optim", "data", "trainer", "onnx"];
const source = (dir: string, file = "index"): string =>
  fileURLToPath(new URL(`./packages/${dir}/src/${file}.ts`, import.meta.url));

/** Ends the run with a plain "N passed, N failed" line that any CI can read. */
class PlainSummary implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const count = { pass: 0, fail: 0, skip: 0 };
    const visit = (task: RunnerTask): void => {
      if (task.type === "suite") task.tasks.forEach(visit);
      else if (task.result?.state === "pass") count.pass++;
      else if (task.result?.state === "fail") count.fail++;
      else count.skip++;
    };
    files.forEach(visit);
    const failedFiles = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length;
    const skipped = count.skip > 0 ? `, ${count.skip} skipped` : "";
    console.log(`\n${count.pass} passed, ${count.fail + failedFiles} failed${skipped}`);
  }
}

export default defineConfig({
  resolve: {
    alias: [
      ...packages.map((dir) => ({ find: new RegExp(`^@nabla/${dir}$`), replacement: source(dir) })),
      { find: /^@nabla\/onnx\/node$/, replacement: source("onnx", "node") },
      ...["data", "trainer"].map((dir) => ({
        find: new RegExp(`^@nabla/${dir}/node$`),
        replacement: source(dir, "node/index"),
      })),
      { find: /^nabla$/, replacement: source("nabla") },
      { find: /^nabla\/node$/, replacement: source("nabla", "node") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    reporters: ["default", new PlainSummary()],
    pool: "forks",
    // The memory tests force collections to measure what survives a training step.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
