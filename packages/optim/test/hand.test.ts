import { expectClose } from "@nabla/testing";
// Two steps of each optimizer on tiny parameters, with the expected numbers worked out by hand from
// the published update rules (PyTorch 1.13's documentation pseudo-code); the arithmetic is in the
// comments so that each number can be checked with a pencil.

import type { Variable } from "@nabla/autograd";
import { describe, it } from "vitest";
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD } from "../src/index.js";
import { param, setGrad, values } from "./helpers.js";

function twoSteps(make: (p: Variable) => Optimizer, p0: number[], g1: number[], g2: number[]): [number[], number[]] {
  const p = param(p0);
  const opt = make(p);
  setGrad(p, g1);
  opt.step();
  const after1 = values(p);
  setGrad(p, g2);
  opt.step();
  return [after1, values(p)];
}

describe("SGD by hand", () => {
  it("plain: p ← p − lr·g", () => {
    // 1 − 0.1·0.5 = 0.95; 0.95 − 0.1·(−1) = 1.05
    const [s1, s2] = twoSteps((p) => new SGD([p], { lr: 0.1 }), [1], [0.5], [-1]);
    expectClose(s1, [0.95], 1e-12);
    expectClose(s2, [1.05], 1e-12);
  });

  it("momentum 0.9: the buffer starts at the first gradient", () => {
    // step 1: b = g1 = [0.5, 1];                  p = [1 − 0.05, −2 − 0.1] = [0.95, −2.1]
    // step 2: b = 0.9·[0.5, 1] + [−1, 2] = [−0.55, 2.9]; p = [0.95 + 0.055, −2.1 − 0.29] = [1.005, −2.39]
    const [s1, s2] = twoSteps((p) => new SGD([p], { lr: 0.1, momentum: 0.9 }), [1, -2], [0.5, 1], [-1, 2]);
    expectClose(s1, [0.95, -2.1], 1e-12);
    expectClose(s2, [1.005, -2.39], 1e-12);
  });

  it("Nesterov: d = g + momentum·b", () => {
    // step 1: b = [0.5, 1]; d = g1 + 0.9·b = [0.95, 1.9];  p = [1 − 0.095, −2 − 0.19] = [0.905, −2.19]
    // step 2: b = [−0.55, 2.9]; d = [−1 − 0.495, 2 + 2.61] = [−1.495, 4.61]; p = [0.905 + 0.1495, −2.19 − 0.461]
    const [s1, s2] = twoSteps(
      (p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }),
      [1, -2],
      [0.5, 1],
      [-1, 2],
    );
    expectClose(s1, [0.905, -2.19], 1e-12);
    expectClose(s2, [1.0545, -2.651], 1e-12);
  });

  it("weight decay and dampening: no dampening on the first step", () => {
    // step 1: g = 0.5 + 0.1·1 = 0.6;        b = 0.6;                         p = 1 − 0.06 = 0.94
    // step 2: g = −1 + 0.1·0.94 = −0.906;   b = 0.9·0.6 + 0.5·(−0.906) = 0.087; p = 0.94 − 0.0087 = 0.9313
    const [s1, s2] = twoSteps(
      (p) => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 }),
      [1],
      [0.5],
      [-1],
    );
    expectClose(s1, [0.94], 1e-12);
    expectClose(s2, [0.9313], 1e-12);
  });
});

describe("Adagrad by hand", () => {
  it("lr decay: clr = lr / (1 + (t − 1)·lrDecay)", () => {
    // step 1: s = 9;  clr = 0.1;            p = 1 − 0.1·3/(3 + 1e−10) = 0.9 + 0.3e−10/3 ≈ 0.9000000000033333
    // step 2: s = 25; clr = 0.1/1.5;        p = 0.9000000000033333 − (0.1/1.5)·4/(5 + 1e−10)
    //                                          = 0.9000000000033333 − 0.0533333333322667
    const [s1, s2] = twoSteps((p) => new Adagrad([p], { lr: 0.1, lrDecay: 0.5 }), [1], [3], [4]);
    expectClose(s1, [0.9000000000033333], 1e-12);
    expectClose(s2, [0.8466666666710666], 1e-12);
  });

  it("initial accumulator and weight decay", () => {
    // step 1: g = 3 + 0.5·1 = 3.5;  s = 7 + 12.25 = 19.25;  p = 1 − 0.1·3.5/√19.25 = 1 − 0.35/4.387482193696061
    // step 2: g = 4 + 0.5·p1;       s = 19.25 + g²;         p = p1 − 0.1·g/√s
    const [s1, s2] = twoSteps(
      (p) => new Adagrad([p], { lr: 0.1, initialAccumulatorValue: 7, weightDecay: 0.5 }),
      [1],
      [3],
      [4],
    );
    expectClose(s1, [0.9202275964800716], 1e-12);
    // g = 4.4601137982400358, s = 19.25 + 19.892614... = 39.142614..., √s = 6.256406..., 0.1·g/√s = 0.0712887535...
    expectClose(s2, [0.8489388429700334], 1e-12);
  });
});

describe("RMSprop by hand", () => {
  it("alpha 0.5: v ← αv + (1 − α)g², p ← p − lr·g/(√v + eps)", () => {
    // step 1: v = 0.5·4 = 2;        p = 1 − 0.1·2/(√2 + 1e−12) = 1 − 0.1414213562372095 = 0.8585786437627905
    // step 2: v = 0.5·2 + 0.5·4 = 3; p = 0.8585786437627905 + 0.1·2/(√3 + 1e−12) = … + 0.1154700538378585
    const [s1, s2] = twoSteps((p) => new RMSprop([p], { lr: 0.1, alpha: 0.5, eps: 1e-12 }), [1], [2], [-2]);
    expectClose(s1, [0.8585786437627905], 1e-12);
    expectClose(s2, [0.9740486976006489], 1e-12);
  });

  it("centered with momentum: the momentum buffer starts at zero", () => {
    // step 1: v = 2, a = 0.5·2 = 1, den = √(2 − 1) = 1;  b = 0.5·0 + 2/1 = 2;   p = 1 − 0.1·2 = 0.8
    // step 2: v = 3, a = 0.5 − 1 = −0.5, den = √(3 − 0.25) = √2.75 = 1.6583123951777;
    //         b = 0.5·2 − 2/1.6583123951777 = 1 − 1.2060453783110545 = −0.2060453783110545;
    //         p = 0.8 + 0.02060453783110545 = 0.82060453783110545
    const [s1, s2] = twoSteps(
      (p) => new RMSprop([p], { lr: 0.1, alpha: 0.5, eps: 1e-12, centered: true, momentum: 0.5 }),
      [1],
      [2],
      [-2],
    );
    expectClose(s1, [0.8], 1e-11);
    expectClose(s2, [0.8206045378311055], 1e-11);
  });
});

describe("Adam by hand", () => {
  // step 1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004; bias corrections 1 − 0.9 = 0.1 and 1 − 0.999 = 0.001;
  //         m̂ = 2, √v̂ = 2; p = 1 − 0.1·2/(2 + 1e−8) = 0.9000000005 (to 1e−17)
  it("bias correction", () => {
    // step 2: m = 0.9·0.2 + 0.1·(−1) = 0.08, v = 0.999·0.004 + 0.001·1 = 0.004996;
    //         corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999;
    //         m̂ = 0.42105263157894735, √v̂ = √2.4992496248124062 = 1.5809015228…;
    //         p = 0.9000000005 − 0.1·0.42105263157894735/1.5809015228 = 0.9000000005 − 0.0266337037976
    const [s1, s2] = twoSteps((p) => new Adam([p], { lr: 0.1 }), [1], [2], [-1]);
    expectClose(s1, [0.9000000005], 1e-12);
    expectClose(s2, [0.8733662967024], 1e-12);
  });

  it("AMSGrad uses the running maximum of v", () => {
    // step 2 with g = 0: m = 0.18, v = 0.999·0.004 = 0.003996 < 0.004, so v̂max = 0.004;
    //         m̂ = 0.18/0.19 = 0.9473684210526315, √(0.004/0.001999) = 1.4145671…;
    //         p = 0.9000000005 − 0.1·0.9473684210526315/1.4145671 = 0.9000000005 − 0.0669723136
    //         (plain Adam uses √(0.003996/0.001999) = 1.4138597… and gives 0.8329941756)
    const [, ams] = twoSteps((p) => new Adam([p], { lr: 0.1, amsgrad: true }), [1], [2], [0]);
    const [, plain] = twoSteps((p) => new Adam([p], { lr: 0.1 }), [1], [2], [0]);
    expectClose(ams, [0.8330276868524], 1e-12);
    expectClose(plain, [0.8329941755603], 1e-12);
  });

  it("L2 weight decay is added to the gradient", () => {
    // step 1: g = 2 + 0.5·1 = 2.5; m̂ = 2.5, √v̂ = 2.5; p = 1 − 0.1·2.5/(2.5 + 1e−8) = 0.9000000004
    const [s1] = twoSteps((p) => new Adam([p], { lr: 0.1, weightDecay: 0.5 }), [1], [2], [-1]);
    expectClose(s1, [0.9000000004], 1e-12);
  });

  it("AdamW decays the parameter itself: p ← p·(1 − lr·wd)", () => {
    // step 1: p = 1·(1 − 0.01) = 0.99, then − 0.1·2/(2 + 1e−8): 0.8900000005
    // step 2: p = 0.8900000005·0.99 = 0.881100000495, then − 0.0266337037976 (as Adam's step 2): 0.8544662966974
    const [s1, s2] = twoSteps((p) => new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), [1], [2], [-1]);
    expectClose(s1, [0.8900000005], 1e-12);
    expectClose(s2, [0.8544662966974], 1e-12);
  });
});
