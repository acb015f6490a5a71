import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Variable } from "@nabla/autograd";
import { Dense, Sequential } from "@nabla/layers";
import { mse, softmaxCrossEntropy } from "@nabla/losses";
import { Adam, SGD } from "@nabla/optim";
import { Generator, Tensor } from "@nabla/tensor";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Callback, EarlyStopping, LambdaCallback, type Metric, Trainer } from "../src/node/index.js";
import { blobs, capture, loader, lossWithNaNGradient, mlp } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-trainer-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function setup(lr = 0.01) {
  const model = mlp();
  const optimizer = new Adam(model.parameters(), { lr });
  const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer });
  return { model, optimizer, trainer };
}

describe("Trainer.fit / evaluate / predict", () => {
  it("learns a small synthetic problem and reports it per epoch", async () => {
    const train = blobs(400, 1);
    const val = blobs(200, 2);
    const { trainer, model } = setup(0.02);
    const history = await trainer.fit(loader(train.x, train.y, 32, 3), {
      epochs: 15,
      validation: loader(val.x, val.y, 64),
      progress: "none",
    });
    expect(history.length).toBe(15);
    const first = history.epochs[0]!;
    const last = history.last!;
    expect(Object.keys(last)).toEqual([
      "epoch",
      "loss",
      "accuracy",
      "valLoss",
      "valAccuracy",
      "lr",
      "seconds",
      "samplesPerSecond",
    ]);
    expect(history.get("epoch")).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(last.loss).toBeLessThan(first.loss / 3);
    expect(last.accuracy).toBeGreaterThan(0.93);
    expect(last.valAccuracy).toBeGreaterThan(0.9);
    expect(last.lr).toBe(0.02);
    expect(last.seconds).toBeGreaterThan(0);
    expect(last.samplesPerSecond).toBeGreaterThan(0);
    expect(trainer.step).toBe(15 * 13);

    // evaluate agrees with the last epoch's validation numbers and restores the mode it found.
    const evaluation = trainer.evaluate(loader(val.x, val.y, 64));
    expect(evaluation.loss).toBeCloseTo(last.valLoss!, 6);
    expect(evaluation.accuracy).toBe(last.valAccuracy);
    expect(model.training).toBe(true);
    model.eval();
    trainer.evaluate(loader(val.x, val.y, 7));
    expect(model.training).toBe(false);
    model.train();

    // predict gives the model's logits, whatever the batch size.
    const logits = trainer.predict(val.x, { batchSize: 64 });
    expect(logits.shape).toEqual([200, 3]);
    expect(trainer.predict(val.x, { batchSize: 7 }).data).toEqual(logits.data);
    const direct = model.forward(new Variable(val.x)).value;
    expect(logits.data).toEqual(direct.data);
    expect(model.training).toBe(true);
  });

  it("accepts custom metrics and no metrics", async () => {
    const { x, y } = blobs(64);
    const seen: number[] = [];
    const batches: Metric = {
      name: "rows",
      reset() {
        seen.push(0);
      },
      update(output: Tensor) {
        seen[seen.length - 1]! += output.shape[0]!;
      },
      result() {
        return seen[seen.length - 1]!;
      },
    };
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      metrics: ["accuracy", batches],
    });
    const history = await trainer.fit(loader(x, y, 10), { epochs: 1, validation: loader(x, y, 50), progress: "none" });
    expect(history.last!.rows).toBe(64);
    expect(history.last!.valRows).toBe(64);
    expect(history.last!.valAccuracy).toBeGreaterThanOrEqual(0);

    const regression = new Trainer({
      model,
      loss: mse,
      optimizer: new SGD(model.parameters(), { lr: 0.01 }),
      metrics: [],
    });
    const target = new Tensor(new Float32Array(64 * 3), [64, 3]);
    const h = await regression.fit(loader(x, target, 16), { epochs: 1, progress: "none" });
    expect(Object.keys(h.last!)).toEqual(["epoch", "loss", "lr", "seconds", "samplesPerSecond"]);
  });

  it("validates its options with messages that say what was expected", async () => {
    const { model, optimizer } = setup();
    const { x, y } = blobs(16);
    expect(() => new Trainer({ model, loss: softmaxCrossEntropy, optimizer, lr: 1 } as never)).toThrow(
      "Trainer: unknown option 'lr'; expected one of model, loss, optimizer, metrics, scheduler, nanGuard, generator",
    );
    expect(() => new Trainer({ model: {} as never, loss: softmaxCrossEntropy, optimizer })).toThrow(
      /Trainer: model must be a Module/,
    );
    expect(() => new Trainer({ model, loss: softmaxCrossEntropy, optimizer, metrics: ["f1" as never] })).toThrow(
      /unknown metric "f1"/,
    );
    const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer });
    await expect(trainer.fit(loader(x, y, 4), { epochs: 0 })).rejects.toThrow(
      "Trainer.fit: epochs must be a positive integer, got 0",
    );
    await expect(trainer.fit(loader(x, y, 4), { epochs: 1, verbose: true } as never)).rejects.toThrow(
      /unknown option 'verbose'/,
    );
    await expect(trainer.fit([[x]] as never, { epochs: 1, progress: "none" })).rejects.toThrow(
      /each batch must be \[input, target, \.\.\.\] Tensors/,
    );
    await expect(trainer.fit(loader(x, y, 4), { epochs: 1, progress: "fancy" as never })).rejects.toThrow(
      /progress must be one of auto, bar, line, none/,
    );
    expect(() => trainer.predict(new Tensor(new Float32Array(0), [0, 4]))).toThrow(
      /expected \[rows, \.\.\.\] with rows > 0/,
    );
  });
});

describe("callbacks", () => {
  it("run in order, are awaited, and get the epoch and batch logs", async () => {
    const { x, y } = blobs(24);
    const { trainer } = setup();
    const events: string[] = [];
    const recorder: Callback = {
      onTrainBegin: () => void events.push("trainBegin"),
      onEpochBegin: (epoch) => void events.push(`epochBegin ${epoch}`),
      onBatchEnd: async (batch, logs) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push(`batchEnd ${batch} size ${logs.size}`);
        expect(typeof logs.loss).toBe("number");
        expect(typeof logs.batchLoss).toBe("number");
        expect(typeof logs.accuracy).toBe("number");
      },
      onEpochEnd: async (epoch, logs) => {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`epochEnd ${epoch} ${"valLoss" in logs ? "with" : "without"} validation`);
      },
      onTrainEnd: (history) => void events.push(`trainEnd ${history.length}`),
    };
    const second = new LambdaCallback({ onEpochEnd: (epoch) => void events.push(`lambda ${epoch}`) });
    await trainer.fit(loader(x, y, 10), {
      epochs: 2,
      validation: loader(x, y, 24),
      callbacks: [recorder, second],
      progress: "none",
    });
    expect(events).toEqual([
      "trainBegin",
      "epochBegin 1",
      "batchEnd 1 size 10",
      "batchEnd 2 size 10",
      "batchEnd 3 size 4",
      "epochEnd 1 with validation",
      "lambda 1",
      "epochBegin 2",
      "batchEnd 1 size 10",
      "batchEnd 2 size 10",
      "batchEnd 3 size 4",
      "epochEnd 2 with validation",
      "lambda 2",
      "trainEnd 2",
    ]);
    expect(() => new LambdaCallback({ onEpochEnded: () => {} } as never)).toThrow(
      /LambdaCallback: unknown option 'onEpochEnded'/,
    );
  });

  it("a callback can stop training after the current epoch", async () => {
    const { x, y } = blobs(24);
    const { trainer } = setup();
    const stopper = new LambdaCallback({
      onBatchEnd: (batch, _logs, t) => (batch === 2 ? t.stop("enough") : undefined),
    });
    const output = capture(false);
    const history = await trainer.fit(loader(x, y, 10), { epochs: 5, callbacks: [stopper], output, progress: "line" });
    expect(history.length).toBe(1);
    expect(trainer.stopped).toBe("enough");
    expect(output.text.trimEnd().split("\n").at(-1)).toBe("enough");
  });
});

describe("EarlyStopping", () => {
  /** Puts a scripted value into each epoch's logs before EarlyStopping sees them. */
  const script = (values: number[]): Callback => ({
    onEpochEnd: (epoch, logs) => {
      logs.score = values[epoch - 1]!;
    },
  });

  it("stops after `patience` epochs without improvement and can restore the best weights", async () => {
    const { x, y } = blobs(32);
    const { trainer, model } = setup();
    const snapshots: Map<string, Tensor>[] = [];
    const keep: Callback = { onEpochEnd: () => void snapshots.push(model.stateDict()) };
    const early = new EarlyStopping({ monitor: "score", patience: 2, mode: "min", restoreBestWeights: true });
    const history = await trainer.fit(loader(x, y, 8), {
      epochs: 10,
      callbacks: [script([0.5, 0.3, 0.4, 0.35, 0.1]), keep, early],
      progress: "none",
    });
    expect(history.length).toBe(4);
    expect(early.bestEpoch).toBe(2);
    expect(early.best).toBe(0.3);
    expect(early.stoppedEpoch).toBe(4);
    expect(trainer.stopped).toBe("EarlyStopping: score has not improved for 2 epochs (best 0.3 at epoch 2)");
    for (const [k, t] of model.stateDict()) expect(t.data).toEqual(snapshots[1]!.get(k)!.data);
    expect(model.stateDict().get("0.weight")!.data).not.toEqual(snapshots[3]!.get("0.weight")!.data);
  });

  it("respects minDelta and mode 'max' (auto for accuracies)", async () => {
    const { x, y } = blobs(32);
    const early = new EarlyStopping({ monitor: "valAccuracy", patience: 1, minDelta: 0.05 });
    expect(early.mode).toBe("max");
    const byScore = new EarlyStopping({ monitor: "score", patience: 1, minDelta: 0.05, mode: "max" });
    const { trainer } = setup();
    const history = await trainer.fit(loader(x, y, 8), {
      epochs: 10,
      callbacks: [script([0.5, 0.52, 0.6, 0.62, 0.9]), byScore],
      progress: "none",
    });
    // 0.52 beats 0.5 by less than minDelta, so epoch 2 is a wait of 1 = patience.
    expect(history.length).toBe(2);
    expect(byScore.bestEpoch).toBe(1);
  });

  it("names the missing monitor", async () => {
    const { x, y } = blobs(16);
    const { trainer } = setup();
    await expect(
      trainer.fit(loader(x, y, 8), { epochs: 2, callbacks: [new EarlyStopping()], progress: "none" }),
    ).rejects.toThrow(
      "EarlyStopping: 'valLoss' is not in the epoch logs (they have epoch, loss, accuracy, lr, seconds, samplesPerSecond); pass validation to fit for 'valLoss', or choose another monitor",
    );
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be a non-negative integer, got -1/);
    expect(() => new EarlyStopping({ wait: 3 } as never)).toThrow(/unknown option 'wait'/);
  });
});

describe("nanGuard", () => {
  it("stops at a NaN loss naming the epoch and step, before the update", async () => {
    const { x, y } = blobs(40);
    x.data[25 * 4] = NaN; // in the third batch of 10
    // A linear model, so the NaN reaches the loss (this package's relu maps NaN to 0).
    const model = new Sequential(new Dense(4, 3, { generator: new Generator(1) }));
    const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer: new Adam(model.parameters()) });
    const before: Map<string, Tensor>[] = [];
    const cb: Callback = { onBatchEnd: () => void before.push(model.stateDict()) };
    await expect(trainer.fit(loader(x, y, 10), { epochs: 2, callbacks: [cb], progress: "none" })).rejects.toThrow(
      "nanGuard: loss is NaN at epoch 1, step 3/4 (global step 3); training stopped before the update and no checkpoint had been written. " +
        "Try a lower learning rate, or check the inputs for NaN/Infinity",
    );
    for (const [k, t] of model.stateDict()) expect(t.data).toEqual(before[1]!.get(k)!.data);
  });

  it("stops at a NaN gradient naming the parameter, and keeps the last good checkpoint", async () => {
    const { x, y } = blobs(40);
    const model = mlp();
    let broken = false;
    const loss = (p: Variable, t: Tensor): Variable => (broken ? lossWithNaNGradient(p) : softmaxCrossEntropy(p, t));
    const trainer = new Trainer({ model, loss, optimizer: new SGD(model.parameters(), { lr: 0.1 }) });
    const path = join(dir, "ckpt.safetensors");
    const breaker: Callback = { onEpochEnd: (epoch) => void (broken = epoch === 2) };
    await expect(
      trainer.fit(loader(x, y, 10), { epochs: 5, callbacks: [breaker], checkpoint: { path }, progress: "none" }),
    ).rejects.toThrow(
      `nanGuard: the gradient of '0.weight' [4,16] has NaN at element 0 at epoch 3, step 1/4 (global step 9); ` +
        `training stopped before the update and the last good checkpoint ${path} (epoch 2) is kept`,
    );
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });

  it("can be turned off", async () => {
    const { x, y } = blobs(20);
    x.data[0] = Infinity;
    const model = mlp();
    const trainer = new Trainer({
      model,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      nanGuard: false,
    });
    const history = await trainer.fit(loader(x, y, 10), { epochs: 1, progress: "none" });
    expect(Number.isNaN(history.last!.loss)).toBe(true);
  });
});

describe("progress", () => {
  it("off a terminal prints exactly one line per epoch, without carriage returns", async () => {
    const { x, y } = blobs(64);
    const { trainer } = setup();
    const output = capture(false);
    await trainer.fit(loader(x, y, 8), { epochs: 3, validation: loader(x, y, 64), output });
    const lines = output.text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1)).toHaveLength(3);
    expect(output.text).not.toContain("\r");
    lines.slice(0, -1).forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(
          `^Epoch ${i + 1}/3  8/8  \\d+\\.\\ds  [\\d,]+ samples/s  loss \\d\\.\\d{4}  acc \\d+\\.\\d\\d%  val loss \\d\\.\\d{4}  val acc \\d+\\.\\d\\d%$`,
        ),
      );
    });
  });

  it("in CI a terminal also gets lines; 'bar' rewrites a live line with \\r; 'none' is silent", async () => {
    const { x, y } = blobs(64);
    const ci = process.env.CI;
    process.env.CI = "true";
    try {
      const output = capture(true);
      await setup().trainer.fit(loader(x, y, 8), { epochs: 2, output });
      expect(output.text).not.toContain("\r");
      expect(output.text.split("\n")).toHaveLength(3);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }

    const bar = capture(true);
    const slow: Callback = { onBatchEnd: () => new Promise((r) => setTimeout(r, 30)) };
    await setup().trainer.fit(loader(x, y, 8), { epochs: 2, output: bar, progress: "bar", callbacks: [slow] });
    expect(bar.text.split("\n")).toHaveLength(3);
    const redraws = bar.text.split("\r").filter((s) => s.includes("█") || s.includes("░"));
    expect(redraws.length).toBeGreaterThan(2);
    expect(redraws[0]).toMatch(
      /^Epoch 1\/2 {2}[█░]{24} {2}\d\/8 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}[\d,]+ samples\/s {2}ETA \d+s\x1b\[K$/,
    );
    expect(bar.text).toMatch(/\rEpoch 2\/2 {2}8\/8 {2}.*\x1b\[K\n$/);

    // On a narrow terminal the bar shrinks, then the text is cut, so that \r can always redraw the line.
    for (const columns of [80, 40]) {
      const narrow = Object.assign(capture(true), { columns });
      await setup().trainer.fit(loader(x, y, 8), { epochs: 1, output: narrow, progress: "bar", callbacks: [slow] });
      const live = narrow.text
        .split("\r")
        .filter((s) => s.endsWith("\x1b[K"))
        .map((s) => s.slice(0, -3));
      expect(live.length).toBeGreaterThan(0);
      for (const l of live) expect(l.length).toBeLessThanOrEqual(columns - 1);
      if (columns === 40) expect(live[0]).not.toContain("░");
    }

    const silent = capture(false);
    await setup().trainer.fit(loader(x, y, 8), { epochs: 1, output: silent, progress: "none" });
    expect(silent.text).toBe("");
  });
});
