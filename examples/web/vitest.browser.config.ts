import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Browser tests: the demo's dev server and Debian's Chromium, driven by playwright-core. They import
// `nabla` as the page does (the built packages), so run `pnpm build` first (`pnpm test:browser` does).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    include: ["test-browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
