import { expect, it, describe as suite } from "vitest";
import { describe, Tensor, tensor, valueOfVariable } from "../src/index.js";

class Adam {}
class Sequential {}

suite("describe: one wording for what an argument is", () => {
  it.each([
    ["a Tensor", tensor([[1, 2, 3]]), "a float32 Tensor of shape [1,3]"],
    ["an int32 Tensor", tensor([1], undefined, "int32"), "an int32 Tensor of shape [1]"],
    ["a Variable-like", { value: tensor([1, 2]), requiresGrad: true }, "a float32 Variable of shape [2]"],
    ["an array", [[1, 2]], "an array of length 1"],
    ["a typed array", new Float32Array(3), "a Float32Array of length 3"],
    ["a number", 3, "the number 3"],
    ["negative zero", -0, "the number -0"],
    ["a string", "784", '"784"'],
    ["a boolean", true, "true"],
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["a function", () => 1, "a function"],
    ["a plain object", { lr: 0.1 }, "an object"],
    ["an object without a prototype", Object.create(null), "an object"],
    ["a class instance (vowel)", new Adam(), "an Adam"],
    ["a class instance", new Sequential(), "a Sequential"],
  ])("%s", (_, value, expected) => {
    expect(describe(value)).toBe(expected);
  });

  it("takes an object for a Variable only when its value is a Tensor and it has requiresGrad", () => {
    const value = new Tensor(new Float32Array(2), [2]);
    expect(valueOfVariable({ value, requiresGrad: false })).toBe(value);
    expect(valueOfVariable({ value })).toBeUndefined();
    expect(valueOfVariable({ value: [1, 2], requiresGrad: true })).toBeUndefined();
    expect(valueOfVariable(null)).toBeUndefined();
  });
});
