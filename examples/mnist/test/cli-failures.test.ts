import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOnSmallDisk } from "../../../packages/trainer/test/small-disk.js";
import { cli, main, sourceEnv } from "./cli-process.js";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "nabla-mnist-failures-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("the CLI when files or pipes fail", () => {
  it("`| head -2`: a reader that leaves early ends the run quietly, with status 0 and no stack trace", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "--limit", "500", "--epochs", "3", "--out", join(scratch, "pipe")],
      { env: sourceEnv },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let stdout = "";
    // Like head -2: read two lines, then close the pipe while the run still has lines to print.
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split("\n").length > 2) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
    expect(stdout).toMatch(/^MNIST: 500 training images/);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("an output folder that cannot be made (under /proc) exits at once with code 2 and one line", async () => {
    const { code, stdout, stderr } = await cli(["--out", "/proc/nabla-mnist/out"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "mnist: cannot write to the output folder /proc/nabla-mnist/out: ensureDirectory: cannot create the folder /proc/nabla-mnist: " +
        "the file system takes no new folders there (ENOENT)\n",
    );
  });

  it("a disk that fills up mid-run (a real 1800 KiB tmpfs): one line naming the checkpoint that was not saved and the one kept, code 1", async () => {
    // The mlp's checkpoint (weights and Adam's moments) takes 1.2 MB: the first fits, a second copy beside it does not.
    const disk = join(scratch, "disk");
    mkdirSync(disk);
    const out = join(disk, "out");
    const checkpoint = join(out, "mnist-mlp.safetensors");
    const { code, stdout, stderr } = await runOnSmallDisk(
      disk,
      "1800k",
      process.execPath,
      ["--import", "tsx", main, "--limit", "500", "--epochs", "3", "--schedule", "constant", "--out", out],
      sourceEnv,
    );
    expect(stdout).toMatch(/^Epoch 2\/3 /m);
    expect(stdout).not.toMatch(/^Epoch 3\/3 /m);
    expect(stderr).toBe(
      `mnist: Trainer.fit: training stopped after epoch 2: its checkpoint could not be written to ${checkpoint}: no space left on device (ENOSPC); ` +
        `${checkpoint} still holds epoch 1\n`,
    );
    expect(code).toBe(1);
  });
});
