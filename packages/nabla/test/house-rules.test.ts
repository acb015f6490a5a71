import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// House rules that run: dependency direction and size budgets. docs/contributing.md explains them.

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * What each workspace package may depend on (package.json and `from "@nabla/..."` in src), so
 * that dependencies point one way: tensor <- autograd <- layers, losses, optim <- trainer <- nabla;
 * data on tensor only; onnx exports trained modules (layers, trainer's safetensors); testing is the
 * private test-helper package. Examples and bench use the framework through `nabla` only.
 */
const BELOW_TRAINER = [
  "@nabla/tensor",
  "@nabla/autograd",
  "@nabla/layers",
  "@nabla/losses",
  "@nabla/optim",
  "@nabla/data",
];
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "@nabla/tensor": [],
  "@nabla/autograd": ["@nabla/tensor"],
  "@nabla/layers": ["@nabla/tensor", "@nabla/autograd"],
  "@nabla/losses": ["@nabla/tensor", "@nabla/autograd"],
  "@nabla/optim": ["@nabla/tensor", "@nabla/autograd"],
  "@nabla/data": ["@nabla/tensor"],
  "@nabla/trainer": BELOW_TRAINER,
  "@nabla/onnx": ["@nabla/tensor", "@nabla/autograd", "@nabla/layers", "@nabla/trainer", "@nabla/data"],
  nabla: [...BELOW_TRAINER, "@nabla/trainer", "@nabla/onnx"],
  "@nabla/testing": ["@nabla/tensor"],
  "@nabla/example-mnist": ["nabla"],
  "@nabla/example-words": ["nabla"],
  "@nabla/example-web": ["nabla"],
  "@nabla/bench": ["nabla"],
};

/** Source files over this many lines, or functions over FUNCTION_LINES, are reviewed exceptions. */
const FILE_LINES = 400;
const FUNCTION_LINES = 60;

/** Files over FILE_LINES lines today, each with why it may be. Remove an entry once its file is split. */
const LONG_FILES: Readonly<Record<string, string>> = {};

/** Functions over FUNCTION_LINES lines today ("file#name"), each with why it may be. */
const LONG_FUNCTIONS: Readonly<Record<string, string>> = {
  "examples/mnist/src/main.ts#main": "the example's script, read top to bottom",
  "examples/web/src/chart.ts#draw": "one canvas chart drawn in order: axes, curves, legend",
  "packages/tensor/src/kernels/conv.ts#convKernelsWith": "the conv reference kernels, one closure over gemm",
  "packages/tensor/src/kernels/wasm/conv.ts#wasmConvKernels":
    "the wasm adapters of the conv kernels, one closure over the engine",
  "examples/mnist/src/report.ts#trainingChartSvg": "one SVG drawn in order",
  "packages/autograd/src/backward.ts#backwardFrom": "the one reverse walk, with its checks beside it",
  "packages/autograd/src/gradcheck.ts#gradcheck": "validation, the differences and the report of one check",
  "packages/autograd/src/ops/batchnorm.ts#batchNorm": "forward and backward side by side (the op's rule)",
  "packages/autograd/src/ops/recurrent.ts#recurrence": "forward and backward through time side by side (the op's rule)",
  "packages/layers/src/summary.ts#summary": "one table laid out column by column",
  "packages/losses/src/softmax-cross-entropy.ts#softmaxCrossEntropy": "the fused loss: forward and analytic backward",
  "packages/onnx/src/recurrent.ts#recurrentNodes": "one ONNX LSTM/GRU node list, in ONNX's order",
  "packages/tensor/src/kernels/js.ts#macroKernel": "hot loop: unrolled register tile, measured",
  "packages/tensor/src/kernels/wasm/assembly/gemm.ts#packA": "hot loop in AssemblyScript: unrolled packing",
  "packages/tensor/src/kernels/wasm/assembly/gemm.ts#micro": "hot loop in AssemblyScript: the 4×8 f32x4 micro-kernel",
  "packages/tensor/src/ops/reduce.ts#argExtremum": "contiguous and strided paths of one reduction",
  "packages/trainer/src/safetensors.ts#decodeSafetensors": "one header's checks in file order",
  "packages/trainer/src/trainer.ts#run": "the training loop (issue 13: trainer.ts to split)",
};

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const workspaces = ["packages", "examples"].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
);
workspaces.push(join(root, "bench"));

const sourceFiles = workspaces.flatMap((dir) => walk(join(dir, "src")));

const FUNCTION_START = new RegExp(
  [
    /^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\*?\s*([\w$]*)/.source,
    // A class member: two spaces in (Biome's formatting), not a statement keyword.
    /^( {2})(?:(?:public|private|protected|static|override|async|get|set)\s+)*(?!(?:if|for|while|switch|catch|return|new)\b)([\w$#]+)\s*(?:<[^>]*>)?\(/
      .source,
    /^(\s*)(?:export\s+)?(?:const|let)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:\([^)]*\)|[\w$]+)?\s*(?::\s*[^=]+)?=>/
      .source,
  ].join("|"),
);

/**
 * Functions and their lengths, measured by indentation (reliable on Biome-formatted code): a
 * `function`, a class method (two spaces in) or a `const f = (...) =>` whose body opens with `{`,
 * from its first line to the first later line that starts with `}` at its own indentation.
 */
function functionLengths(text: string): { name: string; line: number; lines: number }[] {
  const lines = text.split("\n");
  const code = (n: number): string => lines[n]!.replace(/\/\/.*$/, "");
  const found: { name: string; line: number; lines: number }[] = [];
  lines.forEach((line, i) => {
    const m = FUNCTION_START.exec(line);
    if (m === null) return;
    const indent = m[1] ?? m[3] ?? m[5] ?? "";
    const name = m[2] ?? m[4] ?? m[6] ?? "";
    let open = i;
    while (open < lines.length && !/\{\s*$/.test(code(open)) && !/;\s*$/.test(code(open))) open++;
    if (open >= lines.length || !/\{\s*$/.test(code(open))) return;
    let close = open + 1;
    while (close < lines.length && !lines[close]!.startsWith(`${indent}}`)) close++;
    found.push({ name, line: i + 1, lines: close - i + 1 });
  });
  return found;
}

function packageJson(dir: string): { name: string; deps: string[] } | null {
  try {
    const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    const names = ["dependencies", "devDependencies", "peerDependencies"].flatMap((field) =>
      Object.keys((json[field] as Record<string, string> | undefined) ?? {}),
    );
    return { name: String(json.name), deps: names.filter((n) => n === "nabla" || n.startsWith("@nabla/")) };
  } catch {
    return null;
  }
}

/** The workspace packages a source file imports, by package name (subpaths such as @nabla/onnx/node count as @nabla/onnx). */
function importedPackages(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"((?:@nabla\/[\w-]+)|nabla)(?:\/[^"]*)?"/g))
    found.add(m[1]!);
  return [...found];
}

describe("house rules", () => {
  it("package dependencies point one way (package.json and imports in src)", () => {
    const wrong: string[] = [];
    for (const dir of workspaces) {
      const pkg = packageJson(dir);
      if (pkg === null) continue;
      const allowed = ALLOWED[pkg.name];
      if (allowed === undefined) {
        wrong.push(`${pkg.name}: not in the table of allowed dependencies (add it in house-rules.test.ts)`);
        continue;
      }
      for (const dep of pkg.deps) {
        if (!allowed.includes(dep)) wrong.push(`${pkg.name}: package.json depends on ${dep}`);
      }
      for (const file of walk(join(dir, "src"))) {
        const text = readFileSync(file, "utf8");
        for (const dep of importedPackages(text)) {
          if (dep !== pkg.name && !allowed.includes(dep)) wrong.push(`${relative(root, file)} imports ${dep}`);
        }
        if (/from\s+"(?:\.\.\/){2,}[\w-]+\/(?:src|dist)\//.test(text)) {
          wrong.push(`${relative(root, file)} reaches into another package by a relative path`);
        }
      }
    }
    expect(wrong, "dependencies that point the wrong way (allowed: see ALLOWED)").toEqual([]);
  });

  it("the dependency check finds an upward import", () => {
    expect(importedPackages('import { Trainer } from "@nabla/trainer";\nimport x from "nabla";')).toEqual([
      "@nabla/trainer",
      "nabla",
    ]);
    expect(importedPackages('export { saveOnnx } from "@nabla/onnx/node";')).toEqual(["@nabla/onnx"]);
  });

  it(`a source file over ${FILE_LINES} lines or a function over ${FUNCTION_LINES} lines is a listed exception`, () => {
    const longFiles: string[] = [];
    const longFunctions: string[] = [];
    for (const file of sourceFiles) {
      const path = relative(root, file).split("\\").join("/");
      const text = readFileSync(file, "utf8");
      if (text.split("\n").length > FILE_LINES) longFiles.push(path);
      for (const f of functionLengths(text)) if (f.lines > FUNCTION_LINES) longFunctions.push(`${path}#${f.name}`);
    }
    const newFiles = longFiles.filter((f) => !(f in LONG_FILES));
    const newFunctions = longFunctions.filter((f) => !(f in LONG_FUNCTIONS));
    expect(newFiles, `split these files, or list them in LONG_FILES with a reason`).toEqual([]);
    expect(newFunctions, `split these functions, or list them in LONG_FUNCTIONS with a reason`).toEqual([]);
    // An exception whose file or function is now within budget is removed, so the lists stay true.
    expect(
      Object.keys(LONG_FILES).filter((f) => !longFiles.includes(f)),
      "within budget now: remove from LONG_FILES",
    ).toEqual([]);
    expect(
      Object.keys(LONG_FUNCTIONS).filter((f) => !longFunctions.includes(f)),
      "within budget now: remove from LONG_FUNCTIONS",
    ).toEqual([]);
  });

  it("measures a function from its first line to its closing brace", () => {
    const text = [
      "export function outer(",
      "  a: number,",
      "): number {",
      "  const inner = (x: number): number => {",
      "    return x;",
      "  };",
      "  return inner(a); // a call, not a function",
      "}",
      "class A {",
      "  method(): void {",
      "    if (true) {",
      "    }",
      "  }",
      "}",
    ].join("\n");
    expect(functionLengths(text)).toEqual([
      { name: "outer", line: 1, lines: 8 },
      { name: "inner", line: 4, lines: 3 },
      { name: "method", line: 10, lines: 4 },
    ]);
  });
});
