import { Variable } from "@nabla/autograd";
import { Tensor } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Adagrad, Adam, type AdamOptions, AdamW, type Params, RMSprop, SGD } from "../src/index.js";
import { param } from "./helpers.js";

const p = (): Variable => param([1, 2]);

describe("option validation", () => {
  it("lr", () => {
    expect(() => new SGD([p()], { lr: -0.1 })).toThrow("SGD: lr must be a non-negative number, got -0.1");
    expect(() => new SGD([p()], { lr: Number.NaN })).toThrow("SGD: lr must be a non-negative number, got NaN");
    expect(() => new Adam([p()], { lr: Infinity })).toThrow("Adam: lr must be a non-negative number, got Infinity");
    expect(() => new SGD([p()], {} as { lr: number })).toThrow("SGD: lr is required");
    expect(() => new SGD([p()], undefined as unknown as { lr: number })).toThrow("SGD: lr is required");
    expect(() => new Adagrad([p()], { lr: "0.1" as unknown as number })).toThrow(
      'Adagrad: lr must be a non-negative number, got "0.1"',
    );
    const opt = new Adam([p()]);
    expect(() => {
      opt.lr = -1;
    }).toThrow("Adam: lr must be a non-negative number, got -1");
    expect(opt.lr).toBe(1e-3);
  });

  it("SGD", () => {
    expect(() => new SGD([p()], { lr: 0.1, momentum: 1 })).toThrow("SGD: momentum must be in [0, 1), got 1");
    expect(() => new SGD([p()], { lr: 0.1, momentum: -0.5 })).toThrow("SGD: momentum must be in [0, 1), got -0.5");
    expect(() => new SGD([p()], { lr: 0.1, dampening: 1.5 })).toThrow("SGD: dampening must be in [0, 1], got 1.5");
    expect(() => new SGD([p()], { lr: 0.1, weightDecay: -1 })).toThrow(
      "SGD: weightDecay must be a non-negative number, got -1",
    );
    expect(() => new SGD([p()], { lr: 0.1, nesterov: "yes" as unknown as boolean })).toThrow(
      'SGD: nesterov must be true or false, got "yes"',
    );
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true })).toThrow(
      "SGD: Nesterov momentum requires a momentum and zero dampening (got momentum 0, dampening 0)",
    );
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(
      "SGD: Nesterov momentum requires a momentum and zero dampening (got momentum 0.9, dampening 0.1)",
    );
    expect(() => new SGD([p()], { lr: 0.1, learningRate: 0.1 } as never)).toThrow(
      "SGD: unknown option 'learningRate' (did you mean 'lr'?); expected one of lr, momentum, dampening, nesterov, weightDecay",
    );
  });

  it("Adagrad", () => {
    expect(() => new Adagrad([p()], { lrDecay: -1 })).toThrow("Adagrad: lrDecay must be a non-negative number, got -1");
    expect(() => new Adagrad([p()], { weightDecay: -1 })).toThrow(
      "Adagrad: weightDecay must be a non-negative number, got -1",
    );
    expect(() => new Adagrad([p()], { initialAccumulatorValue: -1 })).toThrow(
      "Adagrad: initialAccumulatorValue must be a non-negative number, got -1",
    );
    expect(() => new Adagrad([p()], { eps: 0 })).toThrow("Adagrad: eps must be a positive number, got 0");
    expect(() => new Adagrad([p()], { decay: 1 } as never)).toThrow(
      "Adagrad: unknown option 'decay'; expected one of lr, lrDecay, weightDecay, initialAccumulatorValue, eps",
    );
  });

  it("RMSprop", () => {
    expect(() => new RMSprop([p()], { alpha: 1 })).toThrow("RMSprop: alpha must be in [0, 1), got 1");
    expect(() => new RMSprop([p()], { eps: -1e-8 })).toThrow("RMSprop: eps must be a positive number, got -1e-8");
    expect(() => new RMSprop([p()], { weightDecay: -0.1 })).toThrow(
      "RMSprop: weightDecay must be a non-negative number, got -0.1",
    );
    expect(() => new RMSprop([p()], { momentum: 1.2 })).toThrow("RMSprop: momentum must be in [0, 1), got 1.2");
    expect(() => new RMSprop([p()], { centered: 1 as unknown as boolean })).toThrow(
      "RMSprop: centered must be true or false, got 1",
    );
    expect(() => new RMSprop([p()], { rho: 0.9 } as never)).toThrow(
      "RMSprop: unknown option 'rho'; expected one of lr, alpha, eps, weightDecay, momentum, centered",
    );
  });

  it("Adam and AdamW", () => {
    expect(() => new Adam([p()], { learningRate: 0.1 } as never)).toThrow(
      "Adam: unknown option 'learningRate' (did you mean 'lr'?); expected one of lr, betas, eps, weightDecay, amsgrad",
    );
    expect(() => new AdamW([p()], { beta1: 0.9 } as never)).toThrow(
      "AdamW: unknown option 'beta1'; expected one of lr, betas, eps, weightDecay, amsgrad",
    );
    expect(() => new Adam([p()], { betas: [1, 0.999] })).toThrow("Adam: betas[0] must be in [0, 1), got 1");
    expect(() => new Adam([p()], { betas: [0.9, -0.1] })).toThrow("Adam: betas[1] must be in [0, 1), got -0.1");
    expect(() => new AdamW([p()], { betas: [0.9, 1] })).toThrow("AdamW: betas[1] must be in [0, 1), got 1");
    expect(() => new Adam([p()], { betas: [0.9] as unknown as [number, number] })).toThrow(
      "Adam: betas must be a pair of numbers [beta1, beta2], got [0.9]",
    );
    expect(() => new Adam([p()], { eps: 0 })).toThrow("Adam: eps must be a positive number, got 0");
    expect(() => new AdamW([p()], { eps: -1 })).toThrow("AdamW: eps must be a positive number, got -1");
    expect(() => new Adam([p()], { weightDecay: -1 })).toThrow(
      "Adam: weightDecay must be a non-negative number, got -1",
    );
    expect(() => new Adam([p()], { amsgrad: 1 as unknown as boolean })).toThrow(
      "Adam: amsgrad must be true or false, got 1",
    );
    expect(() => new Adam([p()], 0.1 as never)).toThrow("Adam: options must be an object, got 0.1");
  });

  it("an undefined option takes the default", () => {
    const opt = new Adam([p()], { lr: undefined, betas: undefined });
    expect(opt.paramGroups[0]!.lr).toBe(1e-3);
    expect(opt.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
  });
});

describe("parameter validation", () => {
  it("an empty parameter list", () => {
    expect(() => new SGD([], { lr: 0.1 })).toThrow("SGD: got an empty parameter list");
    expect(() => new Adam(new Set<Variable>())).toThrow("Adam: got an empty parameter list");
  });

  it("something that is not a list of Variables", () => {
    const expected = "an iterable of Variables or an array of param groups { params, ...options }";
    expect(() => new Adam(p() as unknown as Variable[])).toThrow(
      `Adam: expected ${expected}, got a single Variable; wrap it in an array`,
    );
    expect(() => new Adam(undefined as unknown as Variable[])).toThrow(`Adam: expected ${expected}, got undefined`);
    expect(() => new Adam(new Tensor(new Float32Array(2), [2]) as unknown as Variable[])).toThrow(
      `Adam: expected ${expected}, got a float32 Tensor of shape [2]`,
    );
    expect(() => new Adam([p(), new Tensor(new Float64Array(2), [2])] as unknown as Variable[])).toThrow(
      "Adam: parameter 1 is not a Variable (got a float64 Tensor of shape [2])",
    );
    expect(() => new Adam([p(), 3] as unknown as Variable[])).toThrow("Adam: parameter 1 is not a Variable (got 3)");
  });

  it("a parameter that does not require gradients, or is not a leaf", () => {
    const frozen = new Variable(new Tensor(new Float32Array(2), [2]), { name: "w" });
    expect(() => new Adam([frozen])).toThrow(
      "Adam: parameter 0 ('w') does not require gradients; create it with { requiresGrad: true }",
    );
    const made = new Variable(
      new Tensor(new Float32Array(2), [2]),
      { requiresGrad: true },
      { op: "add", inputs: [], backward: null },
    );
    expect(() => new Adam([p(), made])).toThrow(
      "Adam: parameter 1 is not a leaf (it was made by 'add'); only leaf Variables can be optimized",
    );
  });

  it("the same parameter twice", () => {
    const a = p();
    expect(() => new Adam([a, p(), a])).toThrow(
      "Adam: parameter 2 is the same Variable as parameter 0; a parameter may appear only once",
    );
    expect(() => new Adam([{ params: [p(), a] }, { params: [a] }])).toThrow(
      "Adam: param group 1, parameter 0 is the same Variable as param group 0, parameter 1; a parameter may appear only once",
    );
  });

  it("param groups", () => {
    expect(() => new Adam([{ params: [p()] }, { params: [p()], lR: 0.1 } as never])).toThrow(
      "Adam: param group 1: unknown option 'lR' (did you mean 'lr'?); expected one of params, lr, betas, eps, weightDecay, amsgrad",
    );
    expect(() => new Adam([{ params: [p()], lr: -1 }])).toThrow(
      "Adam: param group 0: lr must be a non-negative number, got -1",
    );
    expect(() => new Adam([{ params: [p()] }, { params: [p()], betas: [0.9, 1] }])).toThrow(
      "Adam: param group 1: betas[1] must be in [0, 1), got 1",
    );
    expect(() => new SGD([{ params: [p()], lr: 0.1 }, { params: [p()] }], {} as { lr: number })).toThrow(
      "SGD: param group 1: lr is required",
    );
    expect(() => new SGD([{ params: [p()], lr: 0.1, nesterov: true }], { lr: 0.1 })).toThrow(
      "SGD: param group 0: Nesterov momentum requires a momentum and zero dampening (got momentum 0, dampening 0)",
    );
    expect(() => new Adam([{ params: [] }])).toThrow("Adam: param group 0 has no parameters");
    expect(() => new Adam([{ params: p() }] as unknown as Params<AdamOptions>)).toThrow(
      "Adam: param group 0: params must be an iterable of Variables, got a float64 Variable of shape [2]",
    );
    expect(() => new Adam([{ params: [p()] }, p()] as unknown as Params<AdamOptions>)).toThrow(
      "Adam: expected either Variables or param groups { params, ...options }, not a mix of both",
    );
    expect(() => new Adam([{ params: [p(), 1] }] as unknown as Params<AdamOptions>)).toThrow(
      "Adam: param group 0, parameter 1 is not a Variable (got 1)",
    );
  });
});

describe("step validation", () => {
  it("a gradient whose shape differs from the parameter's", () => {
    const a = p();
    const b = param([1, 2], [2], "float64", "b");
    const opt = new SGD([a, b], { lr: 0.1 });
    b.grad = new Tensor(new Float64Array(3), [3]);
    expect(() => opt.step()).toThrow("SGD.step: parameter 1 ('b') has shape [2] but its gradient has shape [3]");
  });

  it("a parameter whose value was replaced by one of another size", () => {
    const a = p();
    const opt = new Adam([a]);
    a.grad = new Tensor(new Float64Array([1, 1]), [2]);
    opt.step();
    a.value = new Tensor(new Float64Array(3), [3]);
    a.grad = new Tensor(new Float64Array(3), [3]);
    expect(() => opt.step()).toThrow("Adam.step: state buffer 'expAvg' has 2 elements but the parameter has 3");
  });
});
