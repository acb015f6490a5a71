import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Generator, loadSafetensors, type Tensor } from "nabla/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODELS } from "../src/models.js";
import { cli } from "./cli-process.js";

const small = ["--limit", "500", "--schedule", "constant"];
/** Each test runs the CLI a few times (a few seconds each, more when the machine is busy). */
const CLI_TESTS = { timeout: 180_000 };

let scratch: string;
let straight: string;
let straightStdout: string;
let split: string;
let refused: string;
let cosine: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "nabla-mnist-resume-"));
  straight = join(scratch, "straight");
  split = join(scratch, "split");
  cosine = join(scratch, "cosine");
  const runs = await Promise.all([
    cli([...small, "--epochs", "2", "--out", straight]),
    cli([...small, "--epochs", "1", "--out", split]),
    cli(["--limit", "500", "--epochs", "1", "--out", cosine]),
  ]);
  for (const run of runs) expect(run.stderr).toBe("");
  straightStdout = runs[0]!.stdout;
  refused = join(scratch, "refused.safetensors");
  copyFileSync(join(split, "mnist-mlp.safetensors"), refused);
}, CLI_TESTS.timeout);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Every tensor of a checkpoint (weights, Adam's moments, ...), as bytes. */
function tensorBytes(path: string): Map<string, Buffer> {
  const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return new Map([...loadSafetensors(path).tensors].map(([name, t]) => [name, bytes(t)]));
}

/** The numbers of the "Epoch k/n ..." line, without its timings. */
const epochResults = (stdout: string, epoch: string): string | undefined =>
  new RegExp(`^Epoch ${epoch} .*samples/s  (.*)$`, "m").exec(stdout)?.[1];

describe("--resume", () => {
  it(
    "a run resumed after epoch 1 ends bit for bit where the uninterrupted run ends; resuming it again trains nothing",
    CLI_TESTS,
    async () => {
      const checkpoint = join(split, "mnist-mlp.safetensors");
      const resumedRun = await cli([...small, "--epochs", "2", "--out", split, "--resume", checkpoint]);
      expect(resumedRun.stderr).toBe("");
      expect(resumedRun.code).toBe(0);
      expect(resumedRun.stdout).toContain(`Resumed from ${checkpoint} after epoch 1\n`);
      expect(resumedRun.stdout).not.toMatch(/^Epoch 1\//m);
      expect(epochResults(resumedRun.stdout, "2/2")).toBeDefined();
      expect(epochResults(resumedRun.stdout, "2/2")).toBe(epochResults(straightStdout, "2/2"));
      expect(resumedRun.stdout).toMatch(/Test accuracy: .* after 2 epochs \(1 in this run\) in /);

      const resumed = tensorBytes(checkpoint);
      const uninterrupted = tensorBytes(join(straight, "mnist-mlp.safetensors"));
      expect([...resumed.keys()]).toEqual([...uninterrupted.keys()]);
      expect(resumed.size).toBeGreaterThan(MODELS.mlp.build(new Generator(0)).parameters().length);
      for (const [name, bytes] of uninterrupted) expect(resumed.get(name)!.equals(bytes), name).toBe(true);

      const before = readFileSync(checkpoint);
      const again = await cli([...small, "--epochs", "2", "--out", split, "--resume", checkpoint]);
      expect(again.code).toBe(0);
      expect(again.stderr).toBe("");
      expect(again.stdout).toContain(
        `Resumed from ${checkpoint} after epoch 2, which completes the 2 epochs asked for: nothing to train\n` +
          "Nothing was trained: pass a larger --epochs to continue this run.\n",
      );
      expect(again.stdout).not.toContain("Test accuracy");
      expect(readFileSync(checkpoint).equals(before)).toBe(true);
    },
  );

  it("a cosine run resumes only to the --epochs it anneals over, and says when it is complete", CLI_TESTS, async () => {
    const checkpoint = join(cosine, "mnist-mlp.safetensors");
    const [longer, complete] = await Promise.all([
      cli(["--limit", "500", "--epochs", "2", "--out", cosine, "--resume", checkpoint]),
      cli(["--limit", "500", "--epochs", "1", "--out", cosine, "--resume", checkpoint]),
    ]);
    expect(longer.code).toBe(2);
    expect(longer.stderr).toBe(
      `mnist: cannot resume from ${checkpoint}: it was written by a run with --epochs 1, and this one has --epochs 2 ` +
        "(the cosine schedule anneals to 0 over --epochs, so a cosine run cannot be made longer); resume with the flags that started the run\n",
    );
    expect(longer.stdout).not.toContain("Resumed");
    expect(complete.code).toBe(0);
    expect(complete.stdout).toContain(
      "Nothing was trained: this run is complete (its cosine schedule has annealed to 0); for a longer one, start anew with more --epochs.\n",
    );
  });

  it(
    "refuses, with exit code 2 and one line, a checkpoint of another model, of other flags, or none at all",
    CLI_TESTS,
    async () => {
      const out = join(scratch, "refusals");
      const missing = join(out, "nope.safetensors");
      const [cnn, batch, optimizer, none] = await Promise.all([
        cli([...small, "--model", "cnn", "--out", out, "--resume", refused]),
        cli([...small, "--epochs", "3", "--batch-size", "32", "--lr", "0.01", "--out", out, "--resume", refused]),
        cli([...small, "--epochs", "3", "--optimizer", "momentum", "--out", out, "--resume", refused]),
        cli([...small, "--out", out, "--resume", missing]),
      ]);
      expect(cnn.code).toBe(2);
      expect(cnn.stderr).toBe(
        `mnist: cannot resume from ${refused}: it holds the weights of a --model mlp run, not cnn; resume it with --model mlp\n`,
      );
      expect(batch.code).toBe(2);
      expect(batch.stderr).toBe(
        `mnist: cannot resume from ${refused}: it was written by a run with --lr 0.002 --batch-size 64, and this one has --lr 0.01 --batch-size 32; ` +
          "resume with the flags that started the run\n",
      );
      expect(optimizer.code).toBe(2);
      expect(optimizer.stderr).toMatch(
        new RegExp(
          `^mnist: Trainer\\.fit: cannot resume from ${refused}: .*; resume with the flags that started the run\n$`,
        ),
      );
      expect(none.code).toBe(2);
      expect(none.stderr).toBe(
        `mnist: cannot resume from ${missing}: loadModel: cannot read ${missing}: no such file\n`,
      );
    },
  );

  it("--help describes it", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toContain("--resume PATH       continue the run a checkpoint holds");
  });
});
