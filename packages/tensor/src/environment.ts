/**
 * An environment variable where the runtime has them (Node, Deno, Bun), else undefined (browsers):
 * a guarded lookup, so that the core never touches `process` where there is none.
 */
export function environmentVariable(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
