import type { Variable } from "@nabla/autograd";
import { describe, expect, it } from "vitest";
import { Adam, type FloatArray, Optimizer, RMSprop, SGD } from "../src/index.js";
import { param, setGrad, values } from "./helpers.js";

describe("optimizer behaviour", () => {
  it("skips parameters whose grad is null, without creating their state", () => {
    const a = param([1, 2]);
    const b = param([3, 4]);
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, [1, 1]);
    opt.step();
    opt.step();
    expect(values(b)).toEqual([3, 4]);
    expect(Object.keys(opt.stateDict().state)).toEqual(["0"]);
    expect(opt.stateDict().state[0]!.step).toBe(2);
    setGrad(b, [1, 1]);
    opt.step();
    // b's bias correction starts at its own first step: the first Adam step moves each entry by ~lr.
    expect(values(b).map((x, i) => [3, 4][i]! - x)).toEqual([expect.closeTo(0.1, 7), expect.closeTo(0.1, 7)]);
    expect(opt.stateDict().state[1]!.step).toBe(1);
  });

  it("zeroGrad zeroes every gradient; setToNone drops them", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.zeroGrad();
    expect(a.grad!.toArray()).toEqual([0]);
    expect(b.grad!.toArray()).toEqual([0]);
    opt.step();
    expect(values(a)).toEqual([1]);
    opt.zeroGrad({ setToNone: true });
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(() => opt.zeroGrad({ set_to_none: true } as never)).toThrow(
      "zeroGrad: unknown option 'set_to_none' (did you mean 'setToNone'?); expected one of setToNone",
    );
  });

  it("param groups take the defaults and their own overrides; lr reads the first group and sets all", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new SGD(
      [
        { params: [a], lr: 0.5 },
        { params: [b], momentum: 0.9 },
      ],
      { lr: 0.1 },
    );
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.5, 0],
      [0.1, 0.9],
    ]);
    expect(opt.defaults).toEqual({ lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(Object.isFrozen(opt.defaults)).toBe(true);
    expect(opt.lr).toBe(0.5);
    opt.lr = 0.2;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.2, 0.2]);
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    expect(values(a)).toEqual([1 - 0.2]);
    expect(values(b)).toEqual([2 - 0.2]);
  });

  it("SGD accepts lr from every param group instead of the options", () => {
    const opt = new SGD([{ params: [param([1])], lr: 0.3 }], {} as { lr: number });
    expect(opt.lr).toBe(0.3);
  });

  it("accepts any iterable of Variables, such as a generator", () => {
    function* gen(): Generator<Variable> {
      yield param([1]);
      yield param([2]);
    }
    expect(new Adam(gen()).paramGroups[0]!.params.length).toBe(2);
  });

  it("allocates each state buffer once, lazily, in the parameter's dtype", () => {
    class Peek extends RMSprop {
      buffers(p: Variable): Record<string, FloatArray> | undefined {
        return this.state.get(p)?.buffers;
      }
    }
    const a = param([1, 2, 3], [3], "float32");
    const opt = new Peek([a], { momentum: 0.9, centered: true });
    expect(opt.buffers(a)).toBeUndefined();
    setGrad(a, [1, 2, 3]);
    opt.step();
    const first = { ...opt.buffers(a)! };
    expect(Object.keys(first).sort()).toEqual(["gradAvg", "momentumBuffer", "squareAvg"]);
    for (const buffer of Object.values(first)) expect(buffer).toBeInstanceOf(Float32Array);
    const data = a.value.data;
    opt.step();
    opt.step();
    for (const [name, buffer] of Object.entries(opt.buffers(a)!)) expect(buffer).toBe(first[name]);
    expect(a.value.data).toBe(data);
  });

  it("keeps Adam's two moments in separate buffers", () => {
    const a = param([1]);
    const opt = new Adam([a], { betas: [0.5, 0.75] });
    setGrad(a, [2]);
    opt.step();
    const s = opt.stateDict().state[0]!;
    // m = 0.5·2 = 1 and v = 0.25·4 = 1 coincide here; a second gradient separates them.
    setGrad(a, [4]);
    opt.step();
    const t = opt.stateDict().state[0]!;
    expect(Array.from((s.expAvg as { data: FloatArray }).data)).toEqual([1]);
    expect(Array.from((t.expAvg as { data: FloatArray }).data)).toEqual([0.5 * 1 + 0.5 * 4]);
    expect(Array.from((t.expAvgSq as { data: FloatArray }).data)).toEqual([0.75 * 1 + 0.25 * 16]);
  });

  it("every optimizer is an Optimizer", () => {
    const opts: Optimizer[] = [new SGD([param([1])], { lr: 0.1 }), new Adam([param([1])]), new RMSprop([param([1])])];
    for (const o of opts) expect(o).toBeInstanceOf(Optimizer);
    expect(opts.map((o) => o.name)).toEqual(["SGD", "Adam", "RMSprop"]);
  });
});
