import { describe, expect, it } from "vitest";
import { expectClose, messageOf, normal } from "../src/index.js";

// The helpers every package's tests lean on: each must fail when it should, or those tests prove nothing.
describe("@nabla/testing", () => {
  it("messageOf returns a plain Error's message and fails on nothing thrown or on another kind of error", () => {
    expect(
      messageOf(() => {
        throw new Error("bad shape");
      }),
    ).toBe("bad shape");
    expect(() => messageOf(() => 1)).toThrow("expected an error, but none was thrown");
    expect(() =>
      messageOf(() => {
        throw new TypeError("x is not a function");
      }),
    ).toThrow();
    expect(() =>
      messageOf(() => {
        throw "a string";
      }),
    ).toThrow();
  });

  it("expectClose passes within tol·(1 + |expected|), fails past it, on a length mismatch and on NaN against a number", () => {
    expectClose([1, 100.5, Number.NaN], [1.0009, 100, Number.NaN], 1e-2, "ok");
    expect(() => expectClose([1.002], [1], 1e-3, "x")).toThrow("x[0]: got 1.002, expected 1 (tolerance 0.001)");
    expect(() => expectClose([1, 2], [1], 1e-3, "x")).toThrow("x: length");
    expect(() => expectClose([Number.NaN], [1], 1e-3, "x")).toThrow("x[0]: got NaN");
    expect(() => expectClose([1], [Number.NaN], 1e-3, "x")).toThrow("x[0]");
  });

  it("normal is seeded, float64 by default, and scaled when asked", () => {
    const a = normal([2, 3], 7);
    expect(a.dtype).toBe("float64");
    expect(a.shape).toEqual([2, 3]);
    expect(normal([2, 3], 7).toArray()).toEqual(a.toArray());
    expect(normal([2, 3], 8).toArray()).not.toEqual(a.toArray());
    const scaled = normal([2, 3], 7, { scale: 0.5 });
    expect(Array.from(scaled.data)).toEqual(Array.from(a.data, (v) => v * 0.5));
    expect(normal([4], 1, { dtype: "float32" }).dtype).toBe("float32");
  });
});
