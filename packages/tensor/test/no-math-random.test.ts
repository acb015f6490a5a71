import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Reproducibility rests on every random draw going through a seeded Generator. JavaScript's
// built-in generator cannot be seeded, so one call to it anywhere in library code makes runs
// unrepeatable: this test keeps it out of every package's src/ (comments included, so that a
// grep stays a reliable check).
const root = fileURLToPath(new URL("../../..", import.meta.url));
const forbidden = /Math\s*(\.\s*random|\[\s*["'`]random["'`]\s*\])/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

describe("reproducibility", () => {
  it("Math.random appears nowhere in packages/*/src", () => {
    const packages = join(root, "packages");
    const files = readdirSync(packages)
      .map((p) => join(packages, p, "src"))
      .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true)
      .flatMap(sources);
    // Sanity: the walk found the library (tensor's random.ts at least), so an empty pass means nothing.
    expect(files.some((f) => f.endsWith(join("tensor", "src", "random.ts")))).toBe(true);
    const hits: string[] = [];
    for (const file of files) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (forbidden.test(line)) hits.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
