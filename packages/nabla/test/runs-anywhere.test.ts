import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

// The core runs wherever JavaScript runs: its sources import no `node:` module and touch no Node
// global, and a browser bundle of it builds with no `node:` import and runs on the wasm kernels
// whose bytes it carries. What needs Node lives in a package's src/node/ (its Node entry point).

/** The packages that must run anywhere; a package joins the list once its Node side is in src/node/. */
const CORE_PACKAGES = ["tensor", "autograd", "layers", "losses", "optim"] as const;

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Source files of a package's src/, without its Node entry point (src/node/). */
function coreSources(pkg: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return path === join(root, "packages", pkg, "src", "node") ? [] : walk(path);
      return /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) ? [path] : [];
    });
  return walk(join(root, "packages", pkg, "src"));
}

/** A `node:` module imported, or a Node global used as a value (not a property: `globalThis.process` is a guarded lookup). */
const forbidden = [
  /\bfrom\s+["']node:/,
  /\bimport\s*\(\s*["']node:/,
  /^\s*import\s+["']node:/,
  /\brequire\s*\(/,
  /(?<![.\w$])(process|Buffer|setImmediate|__dirname|__filename)\s*(\?\.|\.|\[|\()/,
];

/** Lines that are comments: prose may say "process." without using it. */
const comment = /^\s*(\/\/|\/?\*)/;

describe("the core packages", () => {
  it("import no node: module and use no Node global outside src/node/", () => {
    const hits: string[] = [];
    let files = 0;
    for (const pkg of CORE_PACKAGES) {
      for (const file of coreSources(pkg)) {
        files++;
        readFileSync(file, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (!comment.test(line) && forbidden.some((pattern) => pattern.test(line))) {
              hits.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
            }
          });
      }
    }
    // Sanity: the walk found the sources (tensor's Node entry point excluded), so an empty list means something.
    expect(files).toBeGreaterThan(50);
    expect(hits).toEqual([]);
  });

  it("the check catches what it is for", () => {
    const caught = (line: string): boolean => !comment.test(line) && forbidden.some((p) => p.test(line));
    for (const line of [
      'import { readFileSync } from "node:fs";',
      'import "node:worker_threads";',
      'const { Worker } = await import("node:worker_threads");',
      "const fs = require('fs');",
      "const n = process.env.NABLA_THREADS;",
      "process.stdout.write(text);",
      "const bytes = Buffer.from(data);",
      "setImmediate(next);",
    ]) {
      expect(caught(line), line).toBe(true);
    }
    for (const line of [
      "const env = (globalThis as { process?: Env }).process?.env;",
      "// the process exits. Buffer.from is Node's",
      "const processed = buffer.length;",
    ]) {
      expect(caught(line), line).toBe(false);
    }
  });
});

describe("a browser bundle of the core (esbuild --bundle --platform=browser)", () => {
  const dir = mkdtempSync(join(tmpdir(), "nabla-browser-bundle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("builds with no node: import, from the packages as published (dist/, their exports)", async () => {
    const result = await build({
      stdin: {
        contents: CORE_PACKAGES.map((pkg) => `export * as ${pkg} from "@nabla/${pkg}";`).join("\n"),
        // packages/nabla depends on every core package, so they resolve from here.
        resolveDir: join(root, "packages", "nabla"),
        loader: "js",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // The browser build of @nabla/tensor, not its Node entry point.
    expect(inputs.some((input) => /tensor[/\\]dist[/\\]index\.js$/.test(input))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:") || /[/\\]dist[/\\]node[/\\]/.test(input))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.match(/["']node:[\w/]+["']/g) ?? []).toEqual([]);
  });

  it("runs on the wasm kernels it carries, with no .wasm file anywhere", async () => {
    const bundle = join(dir, "tensor.mjs");
    await build({
      stdin: {
        contents: `import { activeKernels, matmul, ready, tensor } from "@nabla/tensor";
const eager = activeKernels();
const a = tensor([[1, 2], [3, 4]]);
console.log(JSON.stringify({ eager, ready: await ready(), product: matmul(a, a).toArray() }));`,
        resolveDir: join(root, "packages", "nabla"),
        loader: "js",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      outfile: bundle,
      logLevel: "silent",
    });
    expect(readdirSync(dir)).toEqual(["tensor.mjs"]);
    const out = JSON.parse(execFileSync(process.execPath, [bundle], { cwd: dir, encoding: "utf8" })) as unknown;
    expect(out).toEqual({
      eager: { name: "wasm-simd", threads: 1 },
      ready: { name: "wasm-simd", threads: 1 },
      product: [
        [7, 10],
        [15, 22],
      ],
    });
  });
});
