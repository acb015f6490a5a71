import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { softmaxCrossEntropy } from "@nabla/losses";
import { Adam } from "@nabla/optim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Callback, Trainer } from "../src/node/index.js";
import { blobs, capture, loader, mlp } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-fit-guards-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const data = blobs(96, 4);
const batches = () => loader(data.x, data.y, 8, 5); // 12 batches per epoch

function setup() {
  const model = mlp(3);
  const trainer = new Trainer({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
  });
  return { model, trainer };
}

const weights = (model: ReturnType<typeof mlp>): Buffer[] =>
  model.parameters().map((p) => Buffer.from(p.value.data.slice().buffer));

const ALREADY_RUNNING =
  "Trainer.fit: a fit is already running on this Trainer; await it before starting another (two at once would interleave their steps on one model and optimizer), " +
  "or give the second run its own model, optimizer and Trainer";

describe("one fit at a time", () => {
  it("a second fit while the first runs is refused, and the first runs as if alone", async () => {
    const alone = setup();
    await alone.trainer.fit(batches(), { epochs: 2, progress: "none" });

    const { model, trainer } = setup();
    const first = trainer.fit(batches(), { epochs: 2, progress: "none" });
    const second = trainer.fit(batches(), { epochs: 2, progress: "none" });
    await expect(second).rejects.toThrow(ALREADY_RUNNING);
    const history = await first;
    expect(history.length).toBe(2);
    expect(trainer.step).toBe(24);
    expect(weights(model)).toEqual(weights(alone.model));
  });

  it("is refused from the first run's own callbacks too", async () => {
    const { trainer } = setup();
    const refusals: string[] = [];
    const nested: Callback = {
      onEpochEnd: async (_epoch, _logs, t) => {
        await t.fit(batches(), { epochs: 1, progress: "none" }).catch((e: Error) => refusals.push(e.message));
      },
    };
    await trainer.fit(batches(), { epochs: 2, progress: "none", callbacks: [nested] });
    expect(refusals).toEqual([ALREADY_RUNNING, ALREADY_RUNNING]);
    expect(trainer.step).toBe(24);
  });

  it("a fit that failed, or was refused for its options, lets the next one run", async () => {
    const { trainer } = setup();
    const failing: Callback = {
      onBatchEnd: (batch) => {
        if (batch === 3) throw new Error("callback failed");
      },
    };
    await expect(trainer.fit(batches(), { epochs: 1, progress: "none", callbacks: [failing] })).rejects.toThrow(
      "callback failed",
    );
    await expect(trainer.fit(batches(), { epochs: 0, progress: "none" })).rejects.toThrow(
      "Trainer.fit: epochs must be a positive integer, got 0",
    );
    const history = await trainer.fit(batches(), { epochs: 1, progress: "none" });
    expect(history.length).toBe(1);
    expect(trainer.step).toBe(12);
  });
});

describe("evaluate and predict during fit", () => {
  it("evaluate in the middle of an epoch is refused, since it would reset the epoch's training metrics", async () => {
    const { trainer } = setup();
    const messages: string[] = [];
    const midEpoch: Callback = {
      onBatchEnd: (batch, _logs, t) => {
        if (batch !== 5) return;
        try {
          t.evaluate(batches());
        } catch (e) {
          messages.push((e as Error).message);
        }
      },
    };
    await trainer.fit(batches(), { epochs: 1, progress: "none", callbacks: [midEpoch] });
    expect(messages).toEqual([
      "Trainer.evaluate: called in the middle of a fit's epoch (from onBatchEnd, or code that ran between its batches), where it would reset the metrics " +
        "that are adding up the epoch's training results; evaluate in onEpochEnd, or with a second Trainer on the same model (its metrics are its own)",
    ]);
  });

  it("evaluate between epochs and predict at any time leave the run exactly as it would have been", async () => {
    const plain = setup();
    const plainHistory = await plain.trainer.fit(batches(), { epochs: 2, validation: batches(), progress: "none" });

    const { model, trainer } = setup();
    const evaluations: number[] = [];
    let predictions = 0;
    const looking: Callback = {
      onEpochBegin: (_epoch, t) => void evaluations.push(t.evaluate(batches()).loss),
      onBatchEnd: (_batch, _logs, t) => void (predictions += t.predict(data.x).shape[0]!),
      onEpochEnd: (_epoch, _logs, t) => void evaluations.push(t.evaluate(batches()).accuracy!),
    };
    const history = await trainer.fit(batches(), {
      epochs: 2,
      validation: batches(),
      progress: "none",
      callbacks: [looking],
    });
    expect(evaluations).toHaveLength(4);
    expect(predictions).toBe(24 * 96);
    const exact = (h: typeof history) =>
      h.epochs.map(({ loss, accuracy, valLoss, valAccuracy }) => ({ loss, accuracy, valLoss, valAccuracy }));
    expect(exact(history)).toEqual(exact(plainHistory));
    expect(weights(model)).toEqual(weights(plain.model));
    expect(model.training).toBe(true);
  });
});

describe("resuming a run that is already complete", () => {
  it("says that there is nothing to train, and trains nothing", async () => {
    const path = join(dir, "done.ckpt");
    const first = setup();
    await first.trainer.fit(batches(), { epochs: 2, checkpoint: { path }, progress: "none" });

    for (const [epochs, says] of [
      [2, `Resumed from ${path} after epoch 2, which completes the 2 epochs asked for: nothing to train\n`],
      [1, `Resumed from ${path} after epoch 2, which is past the 1 epoch asked for: nothing to train\n`],
    ] as const) {
      const { model, trainer } = setup();
      const output = capture(false);
      const history = await trainer.fit(batches(), { epochs, resumeFrom: path, output });
      expect(output.text).toBe(says);
      expect(history.length).toBe(2);
      expect(trainer.step).toBe(24);
      expect(weights(model)).toEqual(weights(first.model));
    }
  });
});
