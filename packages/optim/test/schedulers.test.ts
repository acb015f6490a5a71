import { describe, expect, it } from "vitest";
import { CosineAnnealingLR, ExponentialLR, type LRScheduler, type Optimizer, SGD, StepLR } from "../src/index.js";
import { param, reference, setGrad, values } from "./helpers.js";

function sgd(...lrs: number[]): SGD {
  return new SGD(
    lrs.map((lr) => ({ params: [param([0])], lr })),
    { lr: lrs[0]! },
  );
}

function make(name: string, optimizer: Optimizer, options: Record<string, number>): LRScheduler {
  switch (name) {
    case "StepLR":
      return new StepLR(optimizer, options as { stepSize: number });
    case "CosineAnnealingLR":
      return new CosineAnnealingLR(optimizer, options as { tMax: number });
    case "ExponentialLR":
      return new ExponentialLR(optimizer, options as { gamma: number });
    default:
      throw new Error(`unknown scheduler ${name}`);
  }
}

function sequence(s: LRScheduler, epochs: number): number[][] {
  const out = [s.getLastLr()];
  for (let e = 0; e < epochs; e++) {
    s.step();
    out.push(s.getLastLr());
  }
  return out;
}

describe("schedulers match PyTorch 1.13's lr sequences", () => {
  for (const c of reference.schedulers) {
    it(c.name, () => {
      const opt = sgd(...c.lrs);
      const s = make(c.scheduler, opt, c.options);
      const lrs = sequence(s, c.epochs);
      expect(lrs.length).toBe(c.lastLr.length);
      lrs.forEach((row, e) =>
        row.forEach((lr, g) =>
          expect(Math.abs(lr - c.lastLr[e]![g]!), `epoch ${e}, group ${g}`).toBeLessThanOrEqual(
            1e-12 * c.lastLr[e]![g]! + 1e-17,
          ),
        ),
      );
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(lrs[lrs.length - 1]);
      expect(s.lastEpoch).toBe(c.epochs);
    });
  }
});

describe("schedulers by hand", () => {
  it("StepLR: lr0·gamma^floor(epoch/stepSize)", () => {
    expect(sequence(new StepLR(sgd(1), { stepSize: 2, gamma: 0.5 }), 5)).toEqual([
      [1],
      [1],
      [0.5],
      [0.5],
      [0.25],
      [0.25],
    ]);
  });

  it("CosineAnnealingLR: etaMin + (lr0 − etaMin)(1 + cos(π·epoch/tMax))/2", () => {
    // tMax 4, lr0 1, etaMin 0: (1 + cos(π/4))/2 = 0.8535533905932737, (1 + cos(π/2))/2 = 0.5, (1 + cos(3π/4))/2 = 0.1464466094067262
    const lrs = sequence(new CosineAnnealingLR(sgd(1), { tMax: 4 }), 5).map((r) => r[0]!);
    const expected = [1, 0.8535533905932737, 0.5, 0.1464466094067262, 0, 0.1464466094067262];
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 15));
    // With etaMin 0.1 the halfway point is 0.1 + 0.9·0.5 = 0.55.
    const withMin = sequence(new CosineAnnealingLR(sgd(1), { tMax: 4, etaMin: 0.1 }), 4).map((r) => r[0]!);
    expect(withMin[2]).toBeCloseTo(0.55, 15);
    expect(withMin[4]).toBeCloseTo(0.1, 15);
  });

  it("ExponentialLR: lr0·gamma^epoch", () => {
    expect(sequence(new ExponentialLR(sgd(1, 2), { gamma: 0.5 }), 2)).toEqual([
      [1, 2],
      [0.5, 1],
      [0.25, 0.5],
    ]);
  });

  it("the optimizer steps with the scheduled lr", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 1 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    setGrad(p, [1]);
    opt.step(); // lr 1
    s.step();
    opt.step(); // lr 0.5
    s.step();
    opt.step(); // lr 0.25
    expect(values(p)).toEqual([1 - 1 - 0.5 - 0.25]);
    expect(s.getLastLr()).toEqual([0.25]);
    expect(s.stepSize).toBe(1);
    expect(s.gamma).toBe(0.5);
  });
});

describe("scheduler state dict", () => {
  it("a loaded scheduler continues like the original and sets the optimizer's lr", () => {
    const a = new CosineAnnealingLR(sgd(0.1, 0.3), { tMax: 10, etaMin: 0.01 });
    for (let e = 0; e < 4; e++) a.step();
    const saved = a.stateDict();
    expect(JSON.parse(JSON.stringify(saved))).toEqual({ tMax: 10, etaMin: 0.01, lastEpoch: 4, baseLrs: [0.1, 0.3] });
    const opt = sgd(5, 5);
    const b = new CosineAnnealingLR(opt, { tMax: 3 });
    b.loadStateDict(saved);
    expect(b.tMax).toBe(10);
    expect(b.etaMin).toBe(0.01);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(a.getLastLr());
    expect(sequence(b, 8)).toEqual(sequence(a, 8));
  });

  it("stateDict returns a copy", () => {
    const s = new StepLR(sgd(1), { stepSize: 1 });
    const saved = s.stateDict();
    saved.baseLrs[0] = 7;
    s.step();
    expect(s.getLastLr()[0]).toBeCloseTo(0.1, 15);
  });

  it("loadStateDict validates and changes nothing on a mismatch", () => {
    const opt = sgd(0.2, 0.4);
    const s = new StepLR(opt, { stepSize: 2 });
    s.step();
    const good = s.stateDict();
    const bad: [Record<string, unknown>, string][] = [
      [{ ...good, baseLrs: [0.1] }, "StepLR.loadStateDict: baseLrs must hold one lr per param group (2), got [0.1]"],
      [{ ...good, baseLrs: [0.1, -1] }, "StepLR.loadStateDict: baseLrs[1] must be a non-negative number, got -1"],
      [{ ...good, lastEpoch: -1 }, "StepLR.loadStateDict: lastEpoch must be a non-negative integer, got -1"],
      [{ ...good, lastEpoch: 1.5 }, "StepLR.loadStateDict: lastEpoch must be a non-negative integer, got 1.5"],
      [{ ...good, stepSize: 0 }, "StepLR.loadStateDict: stepSize must be a positive integer, got 0"],
      [{ ...good, tMax: 3 }, "StepLR.loadStateDict: unknown key 'tMax'; expected lastEpoch, baseLrs, stepSize, gamma"],
      [{ lastEpoch: 1, baseLrs: [0.1, 0.1], stepSize: 2 }, "StepLR.loadStateDict: the state lacks 'gamma'"],
    ];
    for (const [state, message] of bad) {
      expect(() => s.loadStateDict(state as never)).toThrow(message);
      expect(s.stateDict()).toEqual(good);
      expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.2, 0.4]);
    }
    expect(() => s.loadStateDict(null as never)).toThrow(
      "StepLR.loadStateDict: expected the object stateDict() returns, got null",
    );
  });
});

describe("scheduler validation", () => {
  it("names the bad option", () => {
    const opt = sgd(0.1);
    expect(() => new StepLR(opt, {} as { stepSize: number })).toThrow("StepLR: stepSize is required");
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow("StepLR: stepSize must be a positive integer, got 0");
    expect(() => new StepLR(opt, { stepSize: 1.5 })).toThrow("StepLR: stepSize must be a positive integer, got 1.5");
    expect(() => new StepLR(opt, { stepSize: 2, gamma: -1 })).toThrow(
      "StepLR: gamma must be a non-negative number, got -1",
    );
    expect(() => new StepLR(opt, { step_size: 2 } as never)).toThrow(
      "StepLR: unknown option 'step_size' (did you mean 'stepSize'?); expected one of stepSize, gamma",
    );
    expect(() => new CosineAnnealingLR(opt, { tMax: 0 })).toThrow(
      "CosineAnnealingLR: tMax must be a positive integer, got 0",
    );
    expect(() => new CosineAnnealingLR(opt, {} as { tMax: number })).toThrow("CosineAnnealingLR: tMax is required");
    expect(() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -0.1 })).toThrow(
      "CosineAnnealingLR: etaMin must be a non-negative number, got -0.1",
    );
    expect(() => new ExponentialLR(opt, {} as { gamma: number })).toThrow("ExponentialLR: gamma is required");
    expect(() => new ExponentialLR(opt, { gamma: Number.NaN })).toThrow(
      "ExponentialLR: gamma must be a non-negative number, got NaN",
    );
    expect(() => new StepLR({} as Optimizer, { stepSize: 1 })).toThrow("StepLR: expected an Optimizer, got an object");
    expect(opt.lr).toBe(0.1);
  });
});
