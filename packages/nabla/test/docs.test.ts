/**
 * Every TypeScript snippet of README.md and docs/*.md is a promise to the reader; this test keeps it.
 *
 * The snippets are written to a scratch project (packages/nabla/test/.snippets, kept after a failing run so that
 * the failure can be reproduced with `npx tsc -p packages/nabla/test/.snippets` and `node .snippets/out/<page>-<n>.js`)
 * that sees Nabla as a user's project does: `import ... from "nabla"` resolves through node_modules to the built package,
 * its package.json exports and its .d.ts. One `tsc -p` run typechecks them all with `--strict` and compiles them;
 * then each program runs under node, with the default kernels (NABLA_* variables are not passed on).
 *
 * How a page marks its code blocks (docs/design.md says the same in brief):
 * - ```ts            a whole program: typechecked, then run; it must exit without an error.
 * - ```ts fragment   a piece (a class, an op as a package writes it): typechecked only, never run. The names it uses
 *                    and does not declare are imported from the entry points of `nabla` that export them, and `T`
 *                    is the tensor ops namespace (the packages' own `import * as T from "@nabla/tensor"`).
 * - ```text output   the next fenced block after a program: exactly what it prints to stdout. A program that prints
 *                    must be followed by one, and one may follow nothing else.
 * Printed text and page are compared after one narrow normalisation: the duration and throughput in a Trainer's
 * "Epoch" lines ("1.6s  3,750 samples/s") become "<time>" on both sides, since they change from run to run.
 *
 * After a change that alters what programs print, `DOCS_UPDATE=1 npx vitest run packages/nabla/test/docs.test.ts`
 * writes what they print into the pages' output blocks (adding missing ones) instead of comparing: review the diff.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const scratch = join(root, "packages/nabla/test/.snippets");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs")).flatMap((f) => (f.endsWith(".md") ? [`docs/${f}`] : [])),
];

interface Block {
  info: string;
  /** The line of the opening fence, 1-based: the block's first line of content is the next one. */
  fence: number;
  text: string;
}

interface Snippet {
  page: string;
  /** 1-based among the page's ```ts blocks. */
  number: number;
  kind: "program" | "fragment";
  block: Block;
  output: Block | undefined;
  /** The scratch file's name, without extension. */
  name: string;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { info: string; fence: number; lines: string[] } | undefined;
  markdown.split("\n").forEach((text, index) => {
    if (open === undefined) {
      if (text.startsWith("```")) open = { info: text.slice(3).trim(), fence: index + 1, lines: [] };
    } else if (text.trimEnd() === "```") {
      blocks.push({ info: open.info, fence: open.fence, text: open.lines.map((line) => `${line}\n`).join("") });
      open = undefined;
    } else {
      open.lines.push(text);
    }
  });
  return blocks;
}

const KINDS: Record<string, Snippet["kind"]> = { ts: "program", "ts fragment": "fragment" };
/** Blocks in these languages would not be checked: a typo or a habit, reported rather than silently skipped. */
const UNCHECKED = new Set(["ts", "typescript", "tsx", "js", "javascript", "mjs"]);

/** Marks this test cannot act on: an unknown ```ts marker, or a ```text output block that follows no program. */
const markProblems: string[] = [];

function snippetsOf(page: string): Snippet[] {
  const blocks = fencedBlocks(readFileSync(join(root, page), "utf8"));
  const snippets: Snippet[] = [];
  blocks.forEach((block, index) => {
    const kind = KINDS[block.info];
    if (block.info === "text output" && blocks[index - 1]?.info !== "ts") {
      markProblems.push(
        `${page}:${block.fence}: a \`\`\`text output block must be the next block after a \`\`\`ts one`,
      );
    } else if (kind === undefined && UNCHECKED.has(block.info.split(" ")[0]!)) {
      markProblems.push(
        `${page}:${block.fence}: '\`\`\`${block.info}' is not checked; write '\`\`\`ts' or '\`\`\`ts fragment'`,
      );
    }
    if (kind === undefined) return;
    const next = blocks[index + 1];
    const output = kind === "program" && next?.info === "text output" ? next : undefined;
    const number = snippets.length + 1;
    snippets.push({ page, number, kind, block, output, name: `${page.replace(/^docs\/|\.md$/g, "")}-${number}` });
  });
  return snippets;
}

const snippets = pages.flatMap(snippetsOf);

function setUpScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(scratch, "src"), { recursive: true });
  mkdirSync(join(scratch, "node_modules"));
  symlinkSync(join(root, "packages/nabla"), join(scratch, "node_modules/nabla"), "dir");
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    types: ["node"],
    // A user's default (tsc --init); the declarations themselves are checked without it by consumer.test.ts.
    skipLibCheck: true,
    rootDir: "src",
    outDir: "out",
  };
  writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }, null, 2));
}

/** Every name an entry point of `nabla` exports, with the first entry point (in package.json's order) that does. */
function exportedNames(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, "packages/nabla/package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  const entries = Object.keys(manifest.exports).map((key) => (key === "." ? "nabla" : `nabla/${key.slice(2)}`));
  const probe = join(scratch, "src/entry-points.ts");
  writeFileSync(probe, entries.map((entry, i) => `import * as entry${i} from "${entry}";\n`).join(""));
  const config = ts.parseJsonConfigFileContent(
    JSON.parse(readFileSync(join(scratch, "tsconfig.json"), "utf8")),
    ts.sys,
    scratch,
  );
  // Export names need neither the standard library nor @types/node: leaving them out makes this probe 2x cheaper.
  const program = ts.createProgram([probe], { ...config.options, noLib: true, types: [] });
  const checker = program.getTypeChecker();
  const names = new Map<string, string>();
  program.getSourceFile(probe)!.statements.forEach((statement, i) => {
    const module = ts.isImportDeclaration(statement)
      ? checker.getSymbolAtLocation(statement.moduleSpecifier)
      : undefined;
    if (module === undefined) throw new Error(`fragments: cannot resolve the entry point '${entries[i]}'`);
    for (const symbol of checker.getExportsOfModule(module)) {
      if (!names.has(symbol.name)) names.set(symbol.name, entries[i]!);
    }
  });
  rmSync(probe);
  return names;
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  const { name } = statement as { name?: ts.Node };
  return name !== undefined && ts.isIdentifier(name) ? [name.text] : [];
}

/**
 * A fragment with imports for the exported names it uses and does not declare itself. They go at the end (imports
 * are hoisted), so that tsc's line numbers are the fragment's own.
 */
function completeFragment(code: string, exported: ReadonlyMap<string, string>): string {
  const source = ts.createSourceFile("fragment.ts", code, ts.ScriptTarget.ES2022);
  const declared = new Set(source.statements.flatMap(declaredNames));
  const used = [...new Set(code.match(/[A-Za-z_$][\w$]*/g))].filter((name) => !declared.has(name));
  const byEntry = new Map<string, string[]>();
  for (const name of used) {
    const entry = exported.get(name);
    if (entry !== undefined) byEntry.set(entry, [...(byEntry.get(entry) ?? []), name]);
  }
  const imports = [...byEntry].map(([entry, names]) => `import { ${names.join(", ")} } from "${entry}";`);
  const tensorOps = exported.get("tensorOps");
  if (used.includes("T") && tensorOps !== undefined) imports.push(`import { tensorOps as T } from "${tensorOps}";`);
  return `${code}\n${imports.join("\n")}\nexport {};\n`;
}

/** tsc's diagnostics by scratch file name, each placed on its page: "docs/guide.md:104:48 (snippet 4, line 20): ..." */
const diagnostics = new Map<string, string[]>();

function placeDiagnostics(output: string): void {
  const byName = new Map(snippets.map((s) => [s.name, s]));
  let current: string[] | undefined;
  for (const text of output.split("\n")) {
    const match = /^src\/(.+)\.ts\((\d+),(\d+)\): (error .*)$/.exec(text);
    if (match !== null) {
      const [, name = "", line = "", column = "", message = ""] = match;
      const snippet = byName.get(name);
      const where =
        snippet === undefined
          ? text
          : `${snippet.page}:${snippet.block.fence + Number(line)}:${column} (snippet ${snippet.number}, line ${line})`;
      current = diagnostics.get(name) ?? [];
      current.push(`${where}: ${message}`);
      diagnostics.set(name, current);
    } else if (text.startsWith(" ") && current !== undefined) {
      current[current.length - 1] += `\n${text}`;
    } else if (text.trim() !== "") {
      throw new Error(`tsc said something this test cannot place on a page:\n${output}`);
    }
  }
}

/** Set by a failing test, or until the set-up has succeeded: the scratch project is then kept. */
let failed = true;
afterAll(() => {
  if (!failed) rmSync(scratch, { recursive: true, force: true });
});

beforeAll(async () => {
  // The snippets import the built packages, as a user does: build them first (quick when nothing changed).
  await promisify(execFile)(process.execPath, [tsc, "-b"], { cwd: root });
  setUpScratch();
  const exported = exportedNames();
  for (const snippet of snippets) {
    const code = snippet.kind === "fragment" ? completeFragment(snippet.block.text, exported) : snippet.block.text;
    writeFileSync(join(scratch, "src", `${snippet.name}.ts`), code);
  }
  // tsc exits with 2 when a snippet has errors, and still compiles them all; the errors are checked per snippet.
  const { stdout } = await promisify(execFile)(process.execPath, [tsc, "-p", scratch, "--pretty", "false"], {
    cwd: scratch,
  }).catch((error: { stdout?: string; code?: number }) => {
    if (error.code !== 2 || error.stdout === undefined) throw error;
    return { stdout: error.stdout };
  });
  placeDiagnostics(stdout);
  failed = false;
}, 240_000);

function normalise(text: string): string {
  return text.replace(/^(Epoch +\d+\/\d+ +\S+) +\d+(?:\.\d+)?s +[\d,]+ samples\/s/gm, "$1  <time>");
}

const updating = process.env.DOCS_UPDATE === "1";
/** Page edits for DOCS_UPDATE: lines [from, to) (0-based) of the page become `lines`. */
const updates: { page: string; from: number; to: number; lines: string[] }[] = [];

function recordUpdate(snippet: Snippet, printed: string): void {
  const lines = printed.split("\n").slice(0, -1);
  const { page, output, block } = snippet;
  if (output !== undefined) {
    updates.push({ page, from: output.fence, to: output.fence + output.text.split("\n").length - 1, lines });
  } else if (printed !== "") {
    const after = block.fence + block.text.split("\n").length;
    updates.push({ page, from: after, to: after, lines: ["", "```text output", ...lines, "```"] });
  }
}

afterAll(() => {
  for (const page of new Set(updates.map((u) => u.page))) {
    const lines = readFileSync(join(root, page), "utf8").split("\n");
    // Bottom up, so that each edit leaves the line numbers of the ones above it as they were.
    const edits = updates.filter((u) => u.page === page).sort((a, b) => b.from - a.from);
    for (const { from, to, lines: replacement } of edits) lines.splice(from, to - from, ...replacement);
    writeFileSync(join(root, page), lines.join("\n"));
  }
});

/** The page shows what the default kernels print: a developer's NABLA_BACKEND or NABLA_THREADS does not apply. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("NABLA_")));

async function run(snippet: Snippet): Promise<string> {
  const file = join(scratch, "out", `${snippet.name}.js`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: scratch, env, maxBuffer: 1 << 24 });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${snippet.page}:${snippet.block.fence} (snippet ${snippet.number}) failed:\n${stderr}${stdout}`);
  }
}

describe("documentation snippets", () => {
  it("are found in the README and the pages, and every mark is one this test acts on", () => {
    expect(markProblems).toEqual([]);
    expect(snippets.filter((s) => s.page === "README.md").length).toBeGreaterThan(0);
    expect(snippets.filter((s) => s.kind === "program" && s.output !== undefined).length).toBeGreaterThan(10);
  });

  for (const snippet of snippets) {
    const title = `${snippet.page} snippet ${snippet.number} (line ${snippet.block.fence})`;
    const does = snippet.kind === "program" ? "typechecks, runs and prints what the page shows" : "typechecks";
    it(`${title} ${snippet.kind === "fragment" ? "(a fragment) " : ""}${does}`, async () => {
      onTestFailed(() => {
        failed = true;
      });
      const errors = diagnostics.get(snippet.name) ?? [];
      if (errors.length > 0) throw new Error(`tsc --strict:\n${errors.join("\n")}`);
      if (snippet.kind === "fragment") return;
      const printed = await run(snippet);
      if (updating) return recordUpdate(snippet, printed);
      const where = `${snippet.page}:${snippet.block.fence} (snippet ${snippet.number})`;
      if (snippet.output === undefined) {
        if (printed !== "")
          throw new Error(`${where} prints this, but no \`\`\`text output block follows:\n${printed}`);
      } else {
        const shown = `the \`\`\`text output block at ${snippet.page}:${snippet.output.fence}`;
        expect(normalise(printed), `what ${where} prints vs ${shown}`).toBe(normalise(snippet.output.text));
      }
    }, 120_000);
  }
});
