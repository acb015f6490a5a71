import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { build, createServer, preview } from "vite";

/** Debian's Chromium; CHROMIUM overrides it. Playwright downloads no browser here. */
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONFIG = join(ROOT, "vite.config.ts");

export interface Demo {
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Starts the demo's dev server (`pnpm example:web`) on a free port, and a headless Chromium. */
export async function startDemo(): Promise<Demo> {
  const server = await createServer({ root: ROOT, configFile: CONFIG, logLevel: "error", server: { port: 0 } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error("the dev server reports no address");
  const browser = await launchChromium();
  return {
    browser,
    url,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Builds the demo into a temporary folder and serves that static build (`vite preview`), with a headless Chromium. */
export async function startBuiltDemo(): Promise<Demo> {
  const outDir = mkdtempSync(join(tmpdir(), "nabla-web-build-"));
  await build({ root: ROOT, configFile: CONFIG, logLevel: "error", build: { outDir, emptyOutDir: true } });
  const server = await preview({
    root: ROOT,
    configFile: CONFIG,
    logLevel: "error",
    build: { outDir },
    preview: { port: 0 },
  });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error("the preview server reports no address");
  const browser = await launchChromium();
  return {
    browser,
    url,
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** A new page on the demo that records console errors and uncaught exceptions. */
export async function openDemo(demo: Demo): Promise<{ page: Page; errors: string[] }> {
  const page = await demo.browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(demo.url);
  return { page, errors };
}
