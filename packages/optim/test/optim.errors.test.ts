import { add, type Variable, variable } from "@nabla/autograd";
import { zeros } from "@nabla/tensor";
import { messageOf } from "@nabla/testing";
import { describe, expect, it } from "vitest";
import { Adagrad, Adam, AdamW, CosineAnnealingLR, RMSprop, SGD, StepLR } from "../src/index.js";

// What a user can get wrong with optimizers and schedules, and the exact message each gets.

const p = (): Variable => variable(zeros([2, 3]), { requiresGrad: true, name: "w" });
/** A stand-in for a Module: what `new Adam(model)` receives when `.parameters()` is forgotten. */
const model = { parameters: (): Variable[] => [p()], forward: (x: Variable): Variable => x };

const catalogue: [string, () => unknown, string][] = [
  // Learning rates that are negative or not numbers
  ["SGD: negative lr", () => new SGD([p()], { lr: -0.1 }), "SGD: lr must be a non-negative number, got -0.1"],
  ["SGD: NaN lr", () => new SGD([p()], { lr: NaN }), "SGD: lr must be a non-negative number, got NaN"],
  [
    "Adam: Infinity lr",
    () => new Adam([p()], { lr: Infinity }),
    "Adam: lr must be a non-negative number, got Infinity",
  ],
  [
    "Adam: lr as a string (from argv)",
    () => new Adam([p()], { lr: "1e-3" as never }),
    'Adam: lr must be a non-negative number, got "1e-3"',
  ],
  ["SGD: no lr", () => new SGD([p()], {} as never), "SGD: lr is required"],
  [
    "Adam: lr set to NaN later",
    () => {
      new Adam([p()]).lr = NaN;
    },
    "Adam: lr must be a non-negative number, got NaN",
  ],
  [
    "Adam: negative lr in a param group",
    () => new Adam([{ params: [p()], lr: -1 }]),
    "Adam: param group 0: lr must be a non-negative number, got -1",
  ],
  // Other hyper-parameters out of range
  ["SGD: momentum 1", () => new SGD([p()], { lr: 0.1, momentum: 1 }), "SGD: momentum must be in [0, 1), got 1"],
  [
    "SGD: Nesterov without momentum",
    () => new SGD([p()], { lr: 0.1, nesterov: true }),
    "SGD: Nesterov momentum requires a momentum and zero dampening (got momentum 0, dampening 0)",
  ],
  ["Adam: beta2 of 1", () => new Adam([p()], { betas: [0.9, 1] }), "Adam: betas[1] must be in [0, 1), got 1"],
  [
    "Adam: a single beta",
    () => new Adam([p()], { betas: [0.9] as never }),
    "Adam: betas must be a pair of numbers [beta1, beta2], got [0.9]",
  ],
  ["AdamW: zero eps", () => new AdamW([p()], { eps: 0 }), "AdamW: eps must be a positive number, got 0"],
  ["RMSprop: NaN alpha", () => new RMSprop([p()], { alpha: NaN }), "RMSprop: alpha must be in [0, 1), got NaN"],
  [
    "Adagrad: negative weight decay",
    () => new Adagrad([p()], { weightDecay: -1e-4 }),
    "Adagrad: weightDecay must be a non-negative number, got -0.0001",
  ],
  // Unknown options (PyTorch and Keras spellings)
  [
    "SGD: learningRate",
    () => new SGD([p()], { lr: 0.1, learningRate: 0.1 } as never),
    "SGD: unknown option 'learningRate' (did you mean 'lr'?); expected one of lr, momentum, dampening, nesterov, weightDecay",
  ],
  [
    "Adam: learning_rate",
    () => new Adam([p()], { learning_rate: 1e-3 } as never),
    "Adam: unknown option 'learning_rate' (did you mean 'lr'?); expected one of lr, betas, eps, weightDecay, amsgrad",
  ],
  [
    "Adam: weight_decay",
    () => new Adam([p()], { weight_decay: 1e-4 } as never),
    "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?); expected one of lr, betas, eps, weightDecay, amsgrad",
  ],
  [
    "Adam: beta1",
    () => new Adam([p()], { beta1: 0.9 } as never),
    "Adam: unknown option 'beta1'; expected one of lr, betas, eps, weightDecay, amsgrad",
  ],
  [
    "RMSprop: rho (Keras)",
    () => new RMSprop([p()], { rho: 0.9 } as never),
    "RMSprop: unknown option 'rho'; expected one of lr, alpha, eps, weightDecay, momentum, centered",
  ],
  [
    "StepLR: step_size",
    () => new StepLR(new SGD([p()], { lr: 0.1 }), { step_size: 2 } as never),
    "StepLR: unknown option 'step_size' (did you mean 'stepSize'?); expected one of stepSize, gamma",
  ],
  [
    "CosineAnnealingLR: T_max",
    () => new CosineAnnealingLR(new SGD([p()], { lr: 0.1 }), { T_max: 10 } as never),
    "CosineAnnealingLR: unknown option 'T_max' (did you mean 'tMax'?); expected one of tMax, etaMin",
  ],
  [
    "Adam: options that are not an object",
    () => new Adam([p()], 0.001 as never),
    "Adam: options must be an object, got 0.001",
  ],
  // Schedules
  ["StepLR: no stepSize", () => new StepLR(new SGD([p()], { lr: 0.1 }), {} as never), "StepLR: stepSize is required"],
  [
    "StepLR: NaN gamma",
    () => new StepLR(new SGD([p()], { lr: 0.1 }), { stepSize: 2, gamma: NaN }),
    "StepLR: gamma must be a non-negative number, got NaN",
  ],
  [
    "CosineAnnealingLR: tMax 0",
    () => new CosineAnnealingLR(new SGD([p()], { lr: 0.1 }), { tMax: 0 }),
    "CosineAnnealingLR: tMax must be a positive integer, got 0",
  ],
  [
    "StepLR: not an optimizer",
    () => new StepLR({ lr: 0.1 } as never, { stepSize: 2 }),
    "StepLR: expected an Optimizer, got an object",
  ],
  // Parameters
  [
    "Adam: a model instead of model.parameters()",
    () => new Adam(model as never),
    "Adam: expected an iterable of Variables or an array of param groups { params, ...options }, got an object",
  ],
  [
    "Adam: model.parameters without ()",
    () => new Adam(model.parameters as never),
    "Adam: expected an iterable of Variables or an array of param groups { params, ...options }, got a function",
  ],
  [
    "Adam: a single Variable",
    () => new Adam(p() as never),
    "Adam: expected an iterable of Variables or an array of param groups { params, ...options }, got a single Variable; wrap it in an array",
  ],
  [
    "SGD: an empty parameter list (a model with no layers)",
    () => new SGD([], { lr: 0.1 }),
    "SGD: got an empty parameter list",
  ],
  [
    "Adam: a Tensor among the parameters",
    () => new Adam([p(), zeros([2]) as never]),
    "Adam: parameter 1 is not a Variable (got a float32 Tensor of shape [2])",
  ],
  [
    "Adam: a Variable that does not require gradients",
    () => new Adam([variable(zeros([2]), { name: "frozen" })]),
    "Adam: parameter 0 ('frozen') does not require gradients; create it with { requiresGrad: true }",
  ],
  [
    "Adam: an intermediate result, not a leaf",
    () => new Adam([add(p(), 1)]),
    "Adam: parameter 0 is not a leaf (it was made by 'add'); only leaf Variables can be optimized",
  ],
  [
    "Adam: the same parameter twice",
    () => {
      const w = p();
      return new Adam([w, w]);
    },
    "Adam: parameter 1 ('w') is the same Variable as parameter 0; a parameter may appear only once",
  ],
  [
    "SGD.step: a gradient of the wrong shape",
    () => {
      const w = p();
      const opt = new SGD([w], { lr: 0.1 });
      w.grad = zeros([3, 2]);
      opt.step();
    },
    "SGD.step: parameter 0 ('w') has shape [2,3] but its gradient has shape [3,2]",
  ],
];

describe("bad inputs to @nabla/optim get a clear Error", () => {
  it.each(catalogue)("%s", (_, fn, expected) => {
    expect(messageOf(fn)).toBe(expected);
  });

  it("a rejected lr leaves the optimizer's lr unchanged", () => {
    const opt = new Adam([p()], { lr: 0.01 });
    expect(() => (opt.lr = -1)).toThrow("Adam: lr must be a non-negative number, got -1");
    expect(opt.lr).toBe(0.01);
  });
});
