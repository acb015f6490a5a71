import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Every ```ts block in docs/ is a promise to the reader that it runs; this test keeps it.
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const docs = join(root, "docs");
const scratch = join(root, "packages/nabla/test/.snippets");

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The README's section on using Nabla from a project: its Node and its bundler snippets both run here. */
function readmeUseSection(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Use Nabla in your project");
  expect(start).toBeGreaterThan(-1);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("README: use Nabla in your project", () => {
  snippets(readmeUseSection()).forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      mkdirSync(scratch, { recursive: true });
      const file = join(scratch, `README_use_${i}.ts`);
      writeFileSync(file, code);
      const log = console.log;
      console.log = () => {};
      try {
        await expect(import(file)).resolves.toBeDefined();
      } finally {
        console.log = log;
      }
    }, 120_000);
  });
});

describe("documentation snippets", () => {
  const pages = readdirSync(docs).filter((f) => f.endsWith(".md"));
  for (const page of pages) {
    // Snippets that only illustrate a pattern (a class body, an op definition) cannot run alone.
    const runnable = snippets(readFileSync(join(docs, page), "utf8")).filter((s) => s.trimStart().startsWith("import"));
    runnable.forEach((code, i) => {
      it(`${page} snippet ${i + 1} runs`, async () => {
        mkdirSync(scratch, { recursive: true });
        const file = join(scratch, `${page.replace(/\W/g, "_")}_${i}.ts`);
        writeFileSync(file, code);
        const log = console.log;
        console.log = () => {};
        try {
          await expect(import(file)).resolves.toBeDefined();
        } finally {
          console.log = log;
        }
      }, 120_000);
    });
  }
});
