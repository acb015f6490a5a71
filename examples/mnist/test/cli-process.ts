import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));

/** The example's TypeScript entry, and the environment that makes tsx resolve the packages to their sources. */
export const main = join(here, "../src/main.ts");
export const sourceEnv = { ...process.env, TSX_TSCONFIG_PATH: join(here, "tsconfig.source.json") };

/** Runs the example's TypeScript entry in a child process, resolving the packages to their sources. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", main, ...args], {
      env: sourceEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
