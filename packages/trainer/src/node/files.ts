import { mkdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { dirname, sep } from "node:path";
import { describe } from "@nabla/autograd";

/**
 * Node's description of a system error without the syscall and paths it appends, and with its
 * code: "ENOSPC: no space left on device, write" becomes "no space left on device (ENOSPC)".
 */
export function systemReason(e: unknown): string {
  const { code, message } = e as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : String(e);
  if (typeof code !== "string") return text;
  const described = /^[A-Z0-9_]+: (.+?), [a-z_]+(?: '.*')?$/s.exec(text);
  return described === null ? text : `${described[1]} (${code})`;
}

/** systemReason for a failed mkdir or file creation in a folder that exists. */
export function creationReason(e: unknown, kind: "files" | "folders"): string {
  // ENOENT although the parent folder exists: a file system that takes no new entries (/proc).
  return (e as { code?: unknown }).code === "ENOENT"
    ? `the file system takes no new ${kind} there (ENOENT)`
    : systemReason(e);
}

/** Throws `${caller}: path must be a non-empty string, got ...` unless it is one. */
export function checkPath(path: unknown, caller: string): asserts path is string {
  if (typeof path !== "string" || path === "") {
    throw new Error(
      `${caller}: path must be a non-empty string, got ${typeof path === "string" ? '""' : describe(path)}`,
    );
  }
}

/** What is at `path`, or undefined when nothing is (ENOENT, or ENOTDIR: a file stands where one of its folders should). */
function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const { code } = e as { code?: unknown };
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}

/** What is at `path` (undefined when nothing is), or why it cannot be looked at, in words (a string). */
export function lookAt(path: string): Stats | undefined | string {
  try {
    return statIfExists(path);
  } catch (e) {
    return systemReason(e);
  }
}

/** Why `path` cannot be read as a file, in words, or undefined when it can be tried. */
export function unreadableFile(path: string): string | undefined {
  const stats = lookAt(path);
  if (typeof stats === "string") return stats;
  if (stats === undefined) return "no such file";
  if (stats.isDirectory()) return "it is a folder, not a file";
  return undefined;
}

/**
 * Creates `dir` and its missing parents one level at a time, and returns why it could not (or
 * undefined). Node's recursive mkdirSync spins forever where mkdir fails with ENOENT under an
 * existing parent (anywhere under /proc); here that fails at once.
 */
export function makeDirectories(dir: string): string | undefined {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    const stats = lookAt(current);
    if (typeof stats === "string") return `cannot look at ${current}: ${stats}`;
    if (stats !== undefined) {
      if (!stats.isDirectory()) return `${current} is a file, not a folder`;
      break;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (e) {
      const { code } = e as { code?: unknown };
      if (code === "EEXIST" && statIfExists(folder)?.isDirectory()) continue;
      return `cannot create the folder ${folder}: ${creationReason(e, "folders")}`;
    }
  }
  return undefined;
}

/**
 * Why no file can be written at `path`, or undefined once the folders it needs exist (this makes
 * them): a path that names a folder, or a folder on the way that cannot be made.
 */
export function prepareFileWrite(path: string): string | undefined {
  const stats = lookAt(path);
  if (typeof stats === "string") return stats;
  if (stats?.isDirectory() || path.endsWith("/") || path.endsWith(sep)) return "it is a folder, not a file";
  return makeDirectories(dirname(path));
}

/**
 * `mkdir -p` that fails fast with a clear error, also where Node's recursive mkdirSync would hang
 * (under /proc). Existing folders are fine.
 */
export function ensureDirectory(dir: string): void {
  checkPath(dir, "ensureDirectory");
  const problem = makeDirectories(dir);
  if (problem !== undefined) throw new Error(`ensureDirectory: ${problem}`);
}

/** The file's bytes; a failure reads "loadSafetensors: cannot read <path>: <why>", as it always has. */
export function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`loadSafetensors: cannot read ${path}: ${(e as Error).message}`);
  }
}
