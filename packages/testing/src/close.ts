import { expect } from "vitest";

/** Every element within tol·(1 + |expected|); NaN matches only NaN. `what` names the values in a failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ""): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k]!;
    const e = expected[k]!;
    if (Number.isNaN(e)) {
      expect(a, `${what}[${k}]`).toBeNaN();
    } else if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
      expect.fail(`${what}[${k}]: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}
