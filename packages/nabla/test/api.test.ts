import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The public surface, name and kind, of every entry point of the `nabla` package, compared with
// the committed api.snapshot.txt: a change to what users can import is a reviewed diff. After an
// intended change, update it with `npx vitest run packages/nabla/test/api.test.ts -u`.

const entryPoints: Record<string, string> = {
  nabla: "index.ts",
  "nabla/extend": "extend.ts",
  "nabla/kernels": "kernels.ts",
  "nabla/node": "node.ts",
};

const source = (file: string): string => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

function kindOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const flags = target.flags;
  const kinds: string[] = [];
  if (flags & ts.SymbolFlags.Class) kinds.push("class");
  else if (flags & ts.SymbolFlags.Function) kinds.push("function");
  else if (flags & ts.SymbolFlags.Variable) kinds.push("const");
  if (flags & ts.SymbolFlags.Interface) kinds.push("interface");
  if (flags & ts.SymbolFlags.TypeAlias) kinds.push("type");
  if (flags & ts.SymbolFlags.Enum) kinds.push("enum");
  if (flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) kinds.push("namespace");
  return kinds.join(" ") || "unknown";
}

function surface(): string {
  const configPath = fileURLToPath(new URL("../tsconfig.json", import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
  );
  if (config === undefined) throw new Error(`cannot read ${configPath}`);
  const files = Object.values(entryPoints).map(source);
  const program = ts.createProgram(files, { ...config.options, noEmit: true, composite: false });
  const checker = program.getTypeChecker();
  const lines: string[] = [];
  for (const [entry, file] of Object.entries(entryPoints)) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(source(file))!)!;
    lines.push(entry);
    const exports = checker.getExportsOfModule(module).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const symbol of exports) {
      const kind = kindOf(symbol, checker);
      lines.push(`  ${kind} ${symbol.name}`);
      if (kind === "namespace") {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const members = checker.getExportsOfModule(target).sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const member of members) lines.push(`    ${kindOf(member, checker)} ${symbol.name}.${member.name}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("the public API", () => {
  it("is the committed snapshot", async () => {
    await expect(surface()).toMatchFileSnapshot("api.snapshot.txt");
  }, 120_000);
});
