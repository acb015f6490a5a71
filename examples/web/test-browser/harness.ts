import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";

/** Debian's Chromium; CHROMIUM overrides it. Playwright downloads no browser here. */
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Demo {
  server: ViteDevServer;
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

/** Starts the demo's dev server on a free port and a headless Chromium. */
export async function startDemo(): Promise<Demo> {
  const server = await createServer({
    root: ROOT,
    configFile: `${ROOT}/vite.config.ts`,
    logLevel: "error",
    server: { port: 0, strictPort: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (address === null || address === undefined || typeof address === "string")
    throw new Error("the dev server has no port");
  const browser = await chromium.launch({
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
  return {
    server,
    browser,
    url: `http://localhost:${address.port}/`,
    async close() {
      await browser.close();
      await server.close();
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
