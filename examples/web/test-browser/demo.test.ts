import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mnistFromBytes } from "../src/mnist.js";
import type { FromWorker, TrainRequest } from "../src/protocol.js";
import { DEFAULT_CONFIG, trainMlp } from "../src/training.js";
import { type Checkpoints, makeCheckpoints, readMnistBytes } from "./fixtures.js";
import { type Demo, openDemo, startDemo } from "./harness.js";

let demo: Demo;
let checkpoints: Checkpoints;
const mnist = mnistFromBytes(readMnistBytes(), { test: 100 });

beforeAll(async () => {
  checkpoints = makeCheckpoints();
  demo = await startDemo();
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

/** Draws test image `index` on the pad: one stroke along each run of ink in each of its 28 rows. */
async function drawTestDigit(page: Page, index: number): Promise<void> {
  await page.click("#clear");
  const box = (await page.locator("#pad").boundingBox())!;
  const cell = box.width / 28;
  const pixels = mnist.test.images.data.subarray(index * 784, (index + 1) * 784);
  for (let row = 0; row < 28; row++) {
    for (let col = 0; col < 28; col++) {
      if (pixels[row * 28 + col]! <= 0.5) continue;
      let end = col;
      while (end + 1 < 28 && pixels[row * 28 + end + 1]! > 0.5) end++;
      const y = box.y + (row + 0.5) * cell;
      await page.mouse.move(box.x + (col + 0.5) * cell, y);
      await page.mouse.down();
      await page.mouse.move(box.x + (end + 0.5) * cell, y, { steps: 2 });
      await page.mouse.up();
      col = end;
    }
  }
  // The pad answers on the next animation frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

async function loadByPicker(page: Page, path: string): Promise<void> {
  await page.setInputFiles("#weights-file", path);
}

/** Drops a file on the page as a person dragging it from a file manager would. */
async function loadByDrop(page: Page, path: string): Promise<void> {
  const bytes = [...readFileSync(path)];
  const transfer = await page.evaluateHandle(
    ({ bytes, name }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name));
      return data;
    },
    { bytes, name: basename(path) },
  );
  await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
}

const modelName = (page: Page): Promise<string | null> => page.locator("#model-name").textContent();

describe("the demo page", () => {
  it("loads without a console error and says that it runs without threads", async () => {
    const { page, errors } = await openDemo(demo);
    await expect.poll(() => modelName(page)).toContain("untrained");
    expect(await page.locator("#environment").textContent()).toContain("single-threaded");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("classifies digits drawn from MNIST test images with the weights pnpm example:mnist wrote", async () => {
    const { page, errors } = await openDemo(demo);
    await loadByPicker(page, checkpoints.mlp);
    await expect.poll(() => modelName(page)).toContain("loaded from mnist-mlp.safetensors");
    for (const index of [0, 1, 2, 3, 4]) {
      await drawTestDigit(page, index);
      expect(await page.locator("#prediction").textContent(), `test image ${index}`).toBe(
        String(mnist.test.labels.data[index]),
      );
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says what is wrong with a bad file and keeps the current model", async () => {
    const { page } = await openDemo(demo);
    await loadByDrop(page, checkpoints.mlp);
    await expect.poll(() => modelName(page)).toContain("loaded from mnist-mlp.safetensors");
    await drawTestDigit(page, 0);
    const bars = await page.locator("#bars").textContent();

    await loadByDrop(page, checkpoints.otherModel);
    await expect
      .poll(() => page.locator("#message").textContent())
      .toContain("mnist-mlp-64.safetensors holds the weights of another model");
    expect(await page.locator("#message").textContent()).toContain("keeps its current model");
    expect(await modelName(page)).toContain("loaded from mnist-mlp.safetensors");

    await loadByPicker(page, checkpoints.notSafetensors);
    await expect.poll(() => page.locator("#message").textContent()).toContain("not a safetensors file");
    expect(await page.locator("#message").isVisible()).toBe(true);
    expect(await modelName(page)).toContain("loaded from mnist-mlp.safetensors");
    // The same model answers the same drawing with the same probabilities.
    await drawTestDigit(page, 0);
    expect(await page.locator("#bars").textContent()).toBe(bars);
    await page.close();
  });

  it("says so when the training worker cannot start, and keeps the current model", async () => {
    const { page } = await openDemo(demo);
    await loadByPicker(page, checkpoints.mlp);
    await expect.poll(() => modelName(page)).toContain("loaded from");
    await page.route(/worker\.ts/, (route) => route.abort());
    await page.click("#train");
    await expect.poll(() => page.locator("#message").textContent()).toContain("The training worker could not start");
    expect(await modelName(page)).toContain("loaded from mnist-mlp.safetensors");
    expect(await page.locator("#train").isEnabled()).toBe(true);
    await page.close();
  });
});

describe("a seeded training run", () => {
  /** 300 steps of 64 images: one epoch of the first 19,200 training images, no test set. */
  const TRAIN_IMAGES = 300 * 64;
  const config = { ...DEFAULT_CONFIG, epochs: 1 };
  let node: number[];

  beforeAll(async () => {
    node = [];
    const data = mnistFromBytes(readMnistBytes(), { train: TRAIN_IMAGES, test: 0 });
    await trainMlp(data, config, { onStep: (_step, loss) => node.push(loss) });
  }, 120_000);

  it("gives bit-identical losses in Node and on the page's main thread", async () => {
    const { page } = await openDemo(demo);
    const browser = await page.evaluate(
      async ({ config, trainImages, modules }) => {
        // Vite serves the page's own modules: the same code the worker runs.
        const { fetchMnistBytes, mnistFromBytes } = (await import(modules.mnist)) as typeof import("../src/mnist.js");
        const { trainMlp } = (await import(modules.training)) as typeof import("../src/training.js");
        const data = mnistFromBytes(await fetchMnistBytes("/mnist"), { train: trainImages, test: 0 });
        const losses: number[] = [];
        await trainMlp(data, config, { onStep: (_step: number, loss: number) => losses.push(loss) });
        return losses;
      },
      { config, trainImages: TRAIN_IMAGES, modules: { mnist: "/src/mnist.ts", training: "/src/training.ts" } },
    );
    expect(node).toHaveLength(300);
    expect(node[299]).toBeLessThan(node[0]! / 3);
    expect(browser).toEqual(node);
    await page.close();
  });

  it("gives bit-identical losses in Node and in the page's Web Worker", async () => {
    const { page } = await openDemo(demo);
    const request: TrainRequest = {
      type: "train",
      config,
      mnistUrl: `${demo.url}mnist`,
      trainImages: TRAIN_IMAGES,
      testImages: 0,
    };
    const browser = await page.evaluate(
      (request) =>
        new Promise<number[]>((resolve, reject) => {
          const worker = new Worker("/src/worker.ts", { type: "module" });
          const losses: number[] = [];
          worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
          worker.onmessage = (event: MessageEvent<FromWorker>) => {
            const m = event.data;
            if (m.type === "ready") worker.postMessage(request);
            else if (m.type === "progress") losses.push(...m.losses);
            else if (m.type === "error") reject(new Error(m.message));
            else if (m.type === "done") resolve(losses);
          };
        }),
      request,
    );
    expect(browser).toEqual(node);
    await page.close();
  });
});
