import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { activeKernels } from "nabla";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mnistFromBytes } from "../src/mnist.js";
import type { FromWorker, TrainRequest } from "../src/protocol.js";
import { DEFAULT_CONFIG, trainMlp } from "../src/training.js";
import { type Checkpoints, makeCheckpoints, readMnistBytes } from "./fixtures.js";
import { type Demo, openDemo, startBuiltDemo, startDemo } from "./harness.js";

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
      await page.mouse.move(box.x + (end + 0.5) * cell, y);
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
  const transfer = await page.evaluateHandle(
    ({ base64, name }) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
      return data;
    },
    { base64: readFileSync(path).toString("base64"), name: basename(path) },
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
    for (const index of [0, 1, 2]) {
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
      .toContain("mnist-mlp-64.safetensors: loadStateDict: '0.weight' has shape [784,64], expected [784,128]");
    expect(await page.locator("#message").textContent()).toContain("this page runs the MLP Dense 784→128");
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

describe("training in the page", () => {
  it("trains in the worker with a live chart and progress, then answers drawings with the new model", async () => {
    const { page, errors } = await openDemo(demo);
    await page.selectOption("#train-images", "5000");
    await page.click("#train");
    await expect.poll(() => page.locator("#progress-text").textContent(), { timeout: 90_000 }).toContain("done in");
    expect(await page.locator("#progress").getAttribute("value")).toBe("1");
    expect(await modelName(page)).toContain("trained in this page on 5,000 images, 1 epoch");
    expect(await page.locator("#environment").textContent()).toContain(
      "Training worker: WebAssembly SIMD kernels, 1 thread.",
    );
    await drawTestDigit(page, 0);
    expect(await page.locator("#prediction").textContent()).toBe(String(mnist.test.labels.data[0]));
    expect(errors).toEqual([]);
    // NABLA_WEB_SCREENSHOT=docs/web-demo.png refreshes the README's picture.
    const screenshot = process.env.NABLA_WEB_SCREENSHOT;
    if (screenshot !== undefined) await page.screenshot({ path: screenshot });
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
    // The claim is about the wasm kernels: the same code on the same bits of input gives the same bits out.
    expect(activeKernels().name).toBe("wasm-simd");
  }, 120_000);

  it("gives bit-identical losses in Node and on the page's main thread", async () => {
    const { page } = await openDemo(demo);
    // Vite serves the page's own modules: the same code the worker runs. (A string, because vitest
    // would rewrite an import() written in a function here.)
    const { losses: browser, kernels } = (await page.evaluate(`(async () => {
      const { fetchMnistBytes, mnistFromBytes } = await import("/src/mnist.ts");
      const { trainMlp } = await import("/src/training.ts");
      const { startKernels } = await import("/src/kernels.ts");
      const data = mnistFromBytes(await fetchMnistBytes("/mnist"), { train: ${TRAIN_IMAGES}, test: 0 });
      const losses = [];
      await trainMlp(data, ${JSON.stringify(config)}, { onStep: (_step, loss) => losses.push(loss) });
      return { losses, kernels: await startKernels(false) };
    })()`)) as { losses: number[]; kernels: string };
    expect(kernels).toBe("WebAssembly SIMD kernels, 1 thread");
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
        new Promise<{ losses: number[]; kernels: string }>((resolve, reject) => {
          const worker = new Worker("/src/worker.ts", { type: "module" });
          const losses: number[] = [];
          let kernels = "";
          worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
          worker.onmessage = (event: MessageEvent<FromWorker>) => {
            const m = event.data;
            if (m.type === "ready") {
              kernels = m.kernels;
              worker.postMessage(request);
            } else if (m.type === "progress") losses.push(...m.losses);
            else if (m.type === "error") reject(new Error(m.message));
            else if (m.type === "done") resolve({ losses, kernels });
          };
        }),
      request,
    );
    expect(browser.kernels).toBe("WebAssembly SIMD kernels, 1 thread");
    expect(browser.losses).toEqual(node);
    await page.close();
  });
});

describe("the static build", () => {
  let built: Demo;
  beforeAll(async () => {
    built = await startBuiltDemo();
  }, 180_000);
  afterAll(async () => {
    await built?.close();
  });

  it("runs the wasm kernels from the bundle, starts its worker and reads a drawn digit with loaded weights", async () => {
    const { page, errors } = await openDemo(built);
    await expect
      .poll(() => page.locator("#environment").textContent())
      .toContain("Page: WebAssembly SIMD kernels, 1 thread.");
    await loadByPicker(page, checkpoints.mlp);
    await expect.poll(() => modelName(page)).toContain("loaded from mnist-mlp.safetensors");
    await drawTestDigit(page, 0);
    expect(await page.locator("#prediction").textContent()).toBe(String(mnist.test.labels.data[0]));
    await page.click("#train");
    await expect
      .poll(() => page.locator("#environment").textContent())
      .toContain("Training worker: WebAssembly SIMD kernels, 1 thread.");
    await page.click("#stop");
    expect(errors).toEqual([]);
    await page.close();
  });
});
