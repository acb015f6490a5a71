// Times deepnet's MNIST CNN (Conv2d 1→32 3×3 padding 1, ReLU, MaxPool 2×2 stride 1, Flatten,
// Dense 32·27·27→10) per batch of 64: forward + loss + backward, and each layer alone.
// A script, not a test. The machine is shared, so it reports medians of wall time and of this
// process's CPU time, and the load average. Build first, then run from bench/:
//   pnpm build && (cd bench && node --conditions=source --import tsx src/conv-layers.ts [repeats] [--js])
// --js times the TypeScript reference kernels instead of the default (wasm) ones.
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import {
  Conv2d,
  Dense,
  Flatten,
  Generator,
  logSoftmax,
  MaxPool2d,
  type Module,
  mean,
  mul,
  neg,
  noGrad,
  oneHot,
  ReLU,
  randint,
  randn,
  Sequential,
  sum,
  Tensor,
  Variable,
} from "nabla";
import { jsKernels, kernels, setKernels } from "nabla/kernels";
import { mnistDir } from "./mnist.js";

const args = process.argv.slice(2);
const repeats = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
if (args.includes("--js")) setKernels(jsKernels);
const batch = 64;
const batches = 8;
const gen = new Generator(0);

/** Real MNIST digits when the data package is installed (branchy kernels such as max pooling
 * behave differently on real images than on noise), random normals otherwise. */
function images(n: number): { x: Tensor; source: string } {
  const file = join(mnistDir(), "train-images-idx3-ubyte");
  if (!existsSync(file)) return { x: randn([n, 1, 28, 28], { generator: gen }), source: "random normals" };
  const bytes = readFileSync(file).subarray(16, 16 + n * 784);
  const data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = bytes[i]! / 255;
  return { x: new Tensor(data, [n, 1, 28, 28]), source: "MNIST training images" };
}

const { x: all, source } = images(batch * batches);
const inputs = Array.from(
  { length: batches },
  (_, b) => new Tensor(all.data.subarray(b * batch * 784, (b + 1) * batch * 784), [batch, 1, 28, 28]),
);
const targets = inputs.map(() => oneHot(randint(0, 10, [batch], { generator: gen }), 10));

const conv = new Conv2d(1, 32, 3, { padding: 1, generator: gen });
const model = new Sequential(
  conv,
  new ReLU(),
  new MaxPool2d(2, { stride: 1 }),
  new Flatten(),
  new Dense(32 * 27 * 27, 10, { generator: gen }),
);

interface Timing {
  wall: number;
  cpu: number;
}

function median(f: (i: number) => void): Timing {
  for (let i = 0; i < 3; i++) f(i);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f(r);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mid = (a: number[]): number => a.sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  return { wall: mid(wall), cpu: mid(cpu) };
}

const fmt = (t: Timing): string => `${t.wall.toFixed(1)} ms wall, ${t.cpu.toFixed(1)} ms CPU`;
const crossEntropy = (logits: Variable, target: Tensor): Variable => neg(mean(sum(mul(logSoftmax(logits), target), 1)));

const load0 = loadavg()[0]!;
const step = median((i) => {
  model.zeroGrad();
  crossEntropy(model.forward(new Variable(inputs[i % batches]!)), targets[i % batches]!).backward();
});
const forward = median((i) => noGrad(() => model.forward(new Variable(inputs[i % batches]!))));
const lines = [
  `deepnet's MNIST CNN, batch ${batch} (${source}), ${kernels.name} kernels, ${repeats} repeats, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on 2 cores`,
  `forward + loss + backward: ${fmt(step)}`,
  `  an epoch of 60,000 images ≈ ${((step.wall * 60000) / batch / 1000).toFixed(0)} s by wall time, ${((step.cpu * 60000) / batch / 1000).toFixed(0)} s by CPU time (optimizer step not included)`,
  `forward only (noGrad): ${fmt(forward)}`,
  "per layer (forward; forward + backward with a random output gradient):",
];
let activations = inputs;
for (const m of model.children() as Module[]) {
  const first = m === conv;
  const f = median((i) => noGrad(() => m.forward(new Variable(activations[i % batches]!))));
  const seeds = activations.map((a) => randn([...noGrad(() => m.forward(new Variable(a))).shape], { generator: gen }));
  const fb = median((i) => {
    model.zeroGrad();
    // The first layer's input is data: no gradient for it, as in training.
    m.forward(new Variable(activations[i % batches]!, { requiresGrad: !first })).backward(seeds[i % batches]!);
  });
  lines.push(`  ${m.toString().padEnd(32)} ${fmt(f).padEnd(28)} | ${fmt(fb)}`);
  activations = activations.map((a) => noGrad(() => m.forward(new Variable(a))).value);
}
console.log(lines.join("\n"));
