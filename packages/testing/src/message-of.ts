import { expect } from "vitest";

/**
 * The message of the plain Error that `fn` throws; fails the test when it throws nothing or
 * something else. Shared by every package's error tests.
 */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    return (e as Error).message;
  }
  throw new Error("expected an error, but none was thrown");
}
