import { execFile } from "node:child_process";
import { promisify } from "node:util";

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` in a child process that sees a new tmpfs of `size` (mount's syntax: "100k")
 * mounted at `dir`: a real file system that fills up, not a mock. The mount is made in the
 * child's own user and mount namespaces (unshare), so it needs no root and vanishes with the
 * child; from outside, `dir` stays as it was.
 */
export async function runOnSmallDisk(
  dir: string,
  size: string,
  command: string,
  args: readonly string[],
  env = process.env,
): Promise<ChildResult> {
  const script = 'mount -t tmpfs -o size="$1" nabla-small-disk "$2" && shift 2 && exec "$@"';
  try {
    const { stdout, stderr } = await promisify(execFile)(
      "unshare",
      ["--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", size, dir, command, ...args],
      { env },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
