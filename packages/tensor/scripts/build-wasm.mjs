// Compiles the AssemblyScript kernels (src/kernels/wasm/assembly) to kernels.wasm with the `asc`
// from node_modules, and writes it next to the loader in src/ (vitest runs on sources) and in
// dist/ (the built package). Skips the compile when both copies are newer than every source.
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = join(root, "src/kernels/wasm/assembly");
const entry = join(sourceDir, "index.ts");
const outputs = [join(root, "src/kernels/wasm/kernels.wasm"), join(root, "dist/kernels/wasm/kernels.wasm")];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};
const inputs = [fileURLToPath(import.meta.url), ...readdirSync(sourceDir).map((f) => join(sourceDir, f))];
const newestInput = Math.max(...inputs.map(mtime));
if (!process.argv.includes("--force") && outputs.every((out) => mtime(out) > newestInput)) {
  console.log("build:wasm: kernels.wasm is up to date");
  process.exit(0);
}

// Loaded only when needed: the compiler (with binaryen) takes seconds to import.
const { default: asc } = await import("assemblyscript/asc");
const [primary, ...copies] = outputs;
mkdirSync(dirname(primary), { recursive: true });
const { error, stderr } = await asc.main([
  entry,
  "--outFile",
  primary,
  "-O3",
  "--noAssert",
  // No GC, no allocator: the JS side lays out linear memory itself.
  "--runtime",
  "stub",
  // The memory comes from the JS side, shared, so that an instance in a worker thread can run
  // over it too; 65536 pages is wasm32's 4 GiB (a shared memory must declare its maximum).
  "--importMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
  "--enable",
  "simd,threads",
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build:wasm: ${error.message}`);
  process.exit(1);
}
for (const copy of copies) {
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(primary, copy);
}
console.log(`build:wasm: wrote ${outputs.map((o) => o.slice(root.length + 1)).join(", ")}`);
