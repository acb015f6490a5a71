// Times the cnn-bn layers' ops one at a time (batch 64, float32, forward + backward), median of
// runs, in one process: `node bench/scripts/cnn-ops.mjs [name filter] [other autograd dist]`
// after `pnpm build`. With a second autograd build (e.g. a copy of packages/autograd/dist made
// at an older commit, inside packages/autograd so it resolves the same @nabla/tensor), rounds
// alternate between the two and both medians are printed: an A/B in one process.
// A case that only the new build has (a fused op) returns null for the old one.
// NABLA_BACKEND=js times the TypeScript kernels.
import * as T from "../../packages/tensor/dist/index.js";

const [only, otherPath] = process.argv.slice(2);
const builds = { new: await import("../../packages/autograd/dist/index.js") };
if (otherPath) builds.old = await import(new URL(otherPath, `file://${process.cwd()}/`).href);

const rand = (shape) => {
  const t = T.zeros(shape, "float32");
  let s = 12345;
  for (let i = 0; i < t.data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    t.data[i] = s / 2147483648 - 0.5;
  }
  return t;
};
/** forward, then backward from a fixed random gradient of the output's shape. */
const withSeed = (forward) => {
  const seed = rand(forward().shape);
  return () => forward().backward(seed);
};
const N = 64;
const cases = {
  "conv1 5x5 1->8 pad2": (A) => {
    const x = A.variable(rand([N, 1, 28, 28]));
    const w = A.variable(rand([8, 1, 5, 5]), { requiresGrad: true });
    return withSeed(() => A.conv2d(x, w, null, { padding: 2 }));
  },
  "conv2 5x5 8->16": (A) => {
    const x = A.variable(rand([N, 8, 14, 14]), { requiresGrad: true });
    const w = A.variable(rand([16, 8, 5, 5]), { requiresGrad: true });
    return withSeed(() => A.conv2d(x, w, null));
  },
  "bn2d 8x28x28 train": (A) => {
    const x = A.variable(rand([N, 8, 28, 28]), { requiresGrad: true });
    const w = A.variable(T.ones([8]), { requiresGrad: true });
    const b = A.variable(T.zeros([8]), { requiresGrad: true });
    const rm = T.zeros([8]);
    const rv = T.ones([8]);
    return withSeed(() => A.batchNorm(x, rm, rv, w, b, { training: true }));
  },
  "bn2d then relu": (A) => {
    const x = A.variable(rand([N, 8, 28, 28]), { requiresGrad: true });
    const w = A.variable(T.ones([8]), { requiresGrad: true });
    const b = A.variable(T.zeros([8]), { requiresGrad: true });
    const [rm, rv] = [T.zeros([8]), T.ones([8])];
    return withSeed(() => A.relu(A.batchNorm(x, rm, rv, w, b, { training: true })));
  },
  "bn2d+relu fused": (A, build) => {
    if (build === "old") return null;
    const x = A.variable(rand([N, 8, 28, 28]), { requiresGrad: true });
    const w = A.variable(T.ones([8]), { requiresGrad: true });
    const b = A.variable(T.zeros([8]), { requiresGrad: true });
    const [rm, rv] = [T.zeros([8]), T.ones([8])];
    return withSeed(() => A.batchNorm(x, rm, rv, w, b, { training: true, relu: true }));
  },
  "maxpool 8x28x28": (A) => {
    const x = A.variable(rand([N, 8, 28, 28]), { requiresGrad: true });
    return withSeed(() => A.maxPool2d(x, 2));
  },
  "relu 8x28x28": (A) => {
    const x = A.variable(rand([N, 8, 28, 28]), { requiresGrad: true });
    return withSeed(() => A.relu(x));
  },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, make] of Object.entries(cases)) {
  if (only && only !== "all" && !name.includes(only)) continue;
  const runs = Object.entries(builds)
    .map(([build, A]) => ({ build, run: make(A, build), times: [] }))
    .filter((r) => r.run !== null);
  for (const r of runs) for (let i = 0; i < 20; i++) r.run();
  for (let round = 0; round < 21; round++) {
    for (const r of runs) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) r.run();
      r.times.push((performance.now() - t0) / 5);
    }
  }
  const report = runs.map((r) => `${r.build} ${median(r.times).toFixed(3)} ms`).join("  ");
  console.log(`${T.kernels.name} ${name.padEnd(22)} ${report}`);
}
