import { describe, expect, it } from "vitest";
import {
  add,
  arange,
  broadcastShapes,
  formatValue,
  Generator,
  gather,
  oneHot,
  pad,
  reshape,
  tensor,
} from "../src/index.js";

describe("formatValue: values in error messages are unambiguous", () => {
  it('quotes strings, so "784" and 784 differ', () => {
    expect(formatValue("784")).toBe('"784"');
    expect(formatValue(784)).toBe("784");
    expect(formatValue("")).toBe('""');
    expect(formatValue('say "hi"')).toBe('"say \\"hi\\""');
  });

  it("spells NaN, ±Infinity and -0 as JavaScript does", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("Infinity");
    expect(formatValue(-Infinity)).toBe("-Infinity");
    expect(formatValue(-0)).toBe("-0");
    expect(formatValue(1e-3)).toBe("0.001");
  });

  it("shows arrays and plain objects JSON-like, with NaN kept (JSON.stringify would write null)", () => {
    expect(formatValue([1, -1])).toBe("[1,-1]");
    expect(formatValue(["0", "1"])).toBe('["0","1"]');
    expect(formatValue([NaN, null, undefined])).toBe("[NaN,null,undefined]");
    expect(formatValue({ dir: "data", limit: [1, 2] })).toBe('{"dir":"data","limit":[1,2]}');
    expect(formatValue({})).toBe("{}");
    expect(formatValue([])).toBe("[]");
  });

  it("cuts long arrays and objects after eight entries and says how many there were", () => {
    expect(formatValue(Array.from({ length: 20 }, (_, i) => i))).toBe("[0,1,2,3,4,5,6,7,… (20 in all)]");
    const wide = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i]));
    expect(formatValue(wide)).toBe('{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,… (9 in all)}');
  });

  it("names what it cannot print", () => {
    expect(formatValue(undefined)).toBe("undefined");
    expect(formatValue(null)).toBe("null");
    expect(formatValue(true)).toBe("true");
    expect(formatValue(10n)).toBe("10n");
    expect(formatValue(Symbol("s"))).toBe("Symbol(s)");
    expect(formatValue(() => 1)).toBe("a function");
    expect(formatValue(function relu() {})).toBe("function relu");
    expect(formatValue(new Float32Array(3))).toBe("a Float32Array of length 3");
    expect(formatValue(new Map())).toBe("a Map");
    expect(formatValue(Object.create(null))).toBe("{}");
  });
});

describe("tensor errors show the value they got", () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected an error, but none was thrown");
  };

  it("a string where a number belongs is quoted", () => {
    expect(messageOf(() => add(tensor([1]), "2" as never))).toBe('add: operands must be Tensors or numbers, got "2"');
    expect(messageOf(() => oneHot(tensor([0], undefined, "int32"), "10" as never))).toBe(
      'oneHot: numClasses must be a positive integer, got "10"',
    );
    expect(messageOf(() => gather(tensor([1, 2]), ["0"] as never))).toBe(
      'gather: indices must be integers, got "0" at position 0',
    );
    expect(messageOf(() => new Generator(["0"] as never))).toBe(
      'Generator: seed must be a finite number or a string, got ["0"]',
    );
    expect(messageOf(() => arange(0, 3, "1" as never))).toBe('arange: step must be a finite non-zero number, got "1"');
  });

  it("arrays keep NaN readable", () => {
    expect(messageOf(() => pad(tensor([1]), [[NaN, 1]]))).toBe(
      "pad: pads[0] must be [before, after] with non-negative integers, got [NaN,1]",
    );
  });
});

describe("shape arguments that are not arrays show what they were", () => {
  it("a string or a number where a shape belongs", () => {
    expect(() => reshape(tensor([1, 2]), "2" as never)).toThrow('reshape: shape must be an array of sizes, got "2"');
    expect(() => broadcastShapes([2], 3 as never)).toThrow(
      "broadcastShapes: every argument must be a shape (array of sizes), got 3",
    );
  });
});
