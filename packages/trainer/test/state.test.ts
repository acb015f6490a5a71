import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { decodeState, encodeState } from "../src/state.js";

describe("checkpoint state encoding", () => {
  it("round-trips numbers exactly (NaN, ±Infinity, -0), nested objects, Maps, Tensors and typed arrays", () => {
    const weights = new Tensor(new Float32Array([1, 2]), [2]);
    const buffer = new Float64Array([0.1, 0.2]);
    const state = {
      step: 3,
      lr: 0.1 + 0.2,
      special: [NaN, Infinity, -Infinity, -0, undefined, null, true, "text"],
      groups: [{ params: [0, 1], betas: [0.9, 0.999] }],
      map: new Map<unknown, unknown>([
        [1, "a"],
        ["k", weights],
      ]),
      nested: { weights, buffer },
    };
    const tensors = new Map<string, Tensor>();
    const json = encodeState(state, "optimizer/", tensors);
    expect([...tensors.keys()]).toEqual(["optimizer/map.1", "optimizer/nested.weights", "optimizer/nested.buffer"]);
    const back = decodeState(json, tensors, "test") as typeof state;
    expect(back.step).toBe(3);
    expect(back.lr).toBe(0.1 + 0.2);
    expect(back.special).toEqual([NaN, Infinity, -Infinity, -0, undefined, null, true, "text"]);
    expect(Object.is(back.special[3], -0)).toBe(true);
    expect(back.groups).toEqual(state.groups);
    expect(back.map.get("k")).toBe(weights);
    expect(back.nested.weights).toBe(weights);
    expect(back.nested.buffer).toBe(buffer);
  });

  it("names what it cannot save or find", () => {
    expect(() => encodeState({ when: new Date(0) }, "x/", new Map())).toThrow(
      "checkpoint: cannot save [object Date] at x/when",
    );
    expect(() => encodeState({ $tensor: 1 }, "x/", new Map())).toThrow(/state key '\$tensor' at x\/ starts with '\$'/);
    expect(() =>
      decodeState('{"a": {"$tensor": "x/a"}}', new Map(), "file.safetensors: checkpoint 'optimizer'"),
    ).toThrow("file.safetensors: checkpoint 'optimizer' refers to tensor 'x/a', which is not in the file");
    expect(() => decodeState("{", new Map(), "here")).toThrow(/^here is not valid JSON/);
  });
});
