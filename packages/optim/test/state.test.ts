import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Adam, type OptimizerState, SGD } from "../src/index.js";
import { build, type FloatDType, param, reference, setGrad, setup, stepCase, values } from "./helpers.js";

const dtypes: FloatDType[] = ["float64", "float32"];

describe("stateDict / loadStateDict round trip", () => {
  for (const c of reference.optimizers) {
    for (const dtype of dtypes) {
      it(`${c.name} (${dtype}): a loaded optimizer continues bit for bit`, () => {
        const original = setup(c, dtype);
        for (let s = 0; s < 2; s++) stepCase(c, original.params, original.optimizer, s);
        const saved = original.optimizer.stateDict();

        // A fresh optimizer with the same grouping but default options, over copies of the parameters.
        const params = original.params.map((p) => param(values(p), p.shape, dtype));
        const groups = c.groups === null ? params : c.groups.map((g) => ({ params: g.params.map((i) => params[i]!) }));
        const restored = build(c.optimizer, groups, c.optimizer === "SGD" ? { lr: 123 } : {});
        restored.loadStateDict(saved);
        expect(restored.paramGroups.map(({ params: _, ...h }) => h)).toEqual(
          original.optimizer.paramGroups.map(({ params: _, ...h }) => h),
        );

        for (let s = 2; s < reference.steps; s++) {
          stepCase(c, original.params, original.optimizer, s);
          stepCase(c, params, restored, s);
          params.forEach((p, i) =>
            expect(values(p), `step ${s + 1}, parameter ${i}`).toEqual(values(original.params[i]!)),
          );
        }
        expect(restored.stateDict()).toEqual(original.optimizer.stateDict());
      });
    }
  }

  it("returns copies: later steps change neither the saved state nor the loaded one's source", () => {
    const p = param([1, 2, 3]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [0.1, -0.2, 0.3]);
    opt.step();
    const saved = opt.stateDict();
    const before = Array.from((saved.state[0]!.expAvg as Tensor).data);
    opt.step();
    expect(Array.from((saved.state[0]!.expAvg as Tensor).data)).toEqual(before);
    expect(saved.state[0]!.step).toBe(1);

    const q = param([1, 2, 3]);
    const other = new Adam([q], { lr: 0.1 });
    other.loadStateDict(saved);
    setGrad(q, [1, 1, 1]);
    other.step();
    expect(Array.from((saved.state[0]!.expAvg as Tensor).data)).toEqual(before);
    (saved.paramGroups[0]!.betas as number[])[0] = 0.5;
    expect(other.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
  });

  it("is JSON-serialisable apart from its Tensors, and buffers have the parameter's dtype and shape", () => {
    const p = param([1, 2, 3, 4, 5, 6], [2, 3], "float32");
    const opt = new Adam([p], { amsgrad: true });
    expect(opt.stateDict().state).toEqual({});
    setGrad(p, [1, 2, 3, 4, 5, 6]);
    opt.step();
    const saved = opt.stateDict();
    for (const name of ["expAvg", "expAvgSq", "maxExpAvgSq"]) {
      const t = saved.state[0]![name] as Tensor;
      expect(t.dtype).toBe("float32");
      expect(t.shape).toEqual([2, 3]);
    }
    const json = JSON.parse(JSON.stringify(saved.paramGroups)) as unknown;
    expect(json).toEqual([{ params: [0], lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true }]);
  });

  it("loads buffers saved in another float dtype into the parameter's dtype", () => {
    const p64 = param([1, 2]);
    const a = new Adam([p64]);
    setGrad(p64, [0.5, -0.5]);
    a.step();
    const p32 = param([1, 2], [2], "float32");
    const b = new Adam([p32]);
    b.loadStateDict(a.stateDict());
    expect((b.stateDict().state[0]!.expAvg as Tensor).dtype).toBe("float32");
  });
});

describe("loadStateDict validation", () => {
  function trained(): { opt: SGD; p: ReturnType<typeof param>; q: ReturnType<typeof param>; saved: OptimizerState } {
    const p = param([1, 2, 3], [3]);
    const q = param([4, 5], [2]);
    const opt = new SGD([p, q], { lr: 0.1, momentum: 0.9 });
    setGrad(p, [1, 1, 1]);
    setGrad(q, [2, 2]);
    opt.step();
    return { opt, p, q, saved: opt.stateDict() };
  }

  /** Loading `bad` throws `message` and leaves the optimizer exactly as it was. */
  function rejects(mutate: (s: OptimizerState) => unknown, message: string): void {
    const { opt, p, q, saved } = trained();
    const twin = trained();
    const bad = mutate(structuredCloneState(saved)) as OptimizerState;
    expect(() => opt.loadStateDict(bad)).toThrow(message);
    for (const o of [opt, twin.opt]) {
      setGrad(o === opt ? p : twin.p, [0.5, -1, 2]);
      setGrad(o === opt ? q : twin.q, [3, -3]);
      o.step();
    }
    expect(values(p)).toEqual(values(twin.p));
    expect(values(q)).toEqual(values(twin.q));
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  }

  it("names what differs and changes nothing", () => {
    rejects(
      (s) => ({ ...s, paramGroups: [...s.paramGroups, s.paramGroups[0]] }),
      "SGD.loadStateDict: the state has 2 param groups, this optimizer has 1",
    );
    rejects((s) => {
      s.paramGroups[0]!.params = [0];
      return s;
    }, "SGD.loadStateDict: param group 0 has 1 parameters in the state, 2 in this optimizer");
    rejects((s) => {
      s.state[1]!.momentumBuffer = new Tensor(new Float64Array(3), [3]);
      return s;
    }, "SGD.loadStateDict: state of parameter 1: buffer 'momentumBuffer' has shape [3], the parameter has shape [2]");
    rejects((s) => {
      s.state[0]!.expAvg = new Tensor(new Float64Array(3), [3]);
      return s;
    }, "SGD.loadStateDict: state of parameter 0 has unknown buffer 'expAvg'; expected one of momentumBuffer");
    rejects((s) => {
      s.state[0]!.momentumBuffer = 3;
      return s;
    }, "SGD.loadStateDict: state of parameter 0: buffer 'momentumBuffer' must be a Tensor, got 3");
    rejects((s) => {
      s.state[0]!.step = -1;
      return s;
    }, "SGD.loadStateDict: state of parameter 0: step must be a non-negative integer, got -1");
    rejects((s) => {
      s.state[7] = { step: 1 };
      return s;
    }, "SGD.loadStateDict: the state has an entry for parameter 7, which no param group lists");
    rejects((s) => {
      s.paramGroups[0]!.lr = -1;
      return s;
    }, "SGD.loadStateDict: param group 0: lr must be a non-negative number, got -1");
    rejects((s) => {
      delete s.paramGroups[0]!.momentum;
      return s;
    }, "SGD.loadStateDict: param group 0 lacks option 'momentum'");
    rejects((s) => {
      s.paramGroups[0]!.learningRate = 1;
      return s;
    }, "SGD.loadStateDict: param group 0: unknown option 'learningRate' (did you mean 'lr'?); expected one of params, lr, momentum, dampening, nesterov, weightDecay");
    rejects((s) => {
      s.paramGroups[0]!.params = [0, 0];
      return s;
    }, "SGD.loadStateDict: parameter index 0 is listed twice");
    rejects(
      () => ({ state: {} }),
      "SGD.loadStateDict: expected { state, paramGroups } from stateDict(), got an object",
    );
  });

  it("restores the saved hyper-parameters", () => {
    const { saved } = trained();
    saved.paramGroups[0]!.lr = 0.5;
    const opt = new SGD([param([0, 0, 0]), param([0, 0])], { lr: 0.01 });
    opt.loadStateDict(saved);
    expect(opt.lr).toBe(0.5);
    expect(opt.paramGroups[0]!.momentum).toBe(0.9);
  });
});

function structuredCloneState(s: OptimizerState): OptimizerState {
  const state: OptimizerState["state"] = {};
  for (const [k, v] of Object.entries(s.state)) {
    const entry: OptimizerState["state"][number] = { step: v.step };
    for (const [name, value] of Object.entries(v))
      if (name !== "step") entry[name] = value instanceof Tensor ? value.clone() : value;
    state[Number(k)] = entry;
  }
  return {
    state,
    paramGroups: s.paramGroups.map((g) => JSON.parse(JSON.stringify(g)) as OptimizerState["paramGroups"][number]),
  };
}
