/** The workloads every framework runs, on the same shapes and the same data. */

export interface GemmShape {
  readonly label: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

export const gemmShapes: readonly GemmShape[] = [
  { label: "256×256·256×256", m: 256, n: 256, k: 256, transposeA: false, transposeB: false },
  { label: "512×512·512×512", m: 512, n: 512, k: 512, transposeA: false, transposeB: false },
  { label: "1024×1024·1024×1024", m: 1024, n: 1024, k: 1024, transposeA: false, transposeB: false },
  // The MLP step: forward x·W1, the weight gradient xᵀ·dh, the output layer h·W2.
  { label: "64×784·784×128", m: 64, n: 128, k: 784, transposeA: false, transposeB: false },
  { label: "784×64·64×128 (Aᵀ·B)", m: 784, n: 128, k: 64, transposeA: true, transposeB: false },
  { label: "64×128·128×10", m: 64, n: 10, k: 128, transposeA: false, transposeB: false },
];

export interface CeShape {
  readonly label: string;
  readonly batch: number;
  readonly classes: number;
}

export const ceShapes: readonly CeShape[] = [
  { label: "[512,10]", batch: 512, classes: 10 },
  { label: "[128,1000]", batch: 128, classes: 1000 },
];

/** MNIST MLP 784-128-10 with ReLU, SGD, one epoch over all training images in file order. */
export const mlp = { hidden: 128, batch: 64, lr: 0.1, runs: 3 } as const;

/** The same MLP and epoch trained with Adam (PyTorch's default rate and betas). */
export const mlpAdam = { hidden: 128, batch: 64, lr: 1e-3, runs: 3 } as const;

/**
 * deepnet's CNN: Conv 1→32 3×3 pad 1, ReLU, MaxPool 2 stride 1 (28→27), Dense 32·27·27 → 10;
 * one epoch over the first `images` training images. deepnet gives no rate for it; 0.01 keeps
 * the 23,328-input Dense layer stable.
 */
export const cnn = { filters: 32, images: 1000, batch: 35, lr: 0.01, runs: 3 } as const;

/**
 * Sequential MNIST: each image read row by row as 28 steps of 28 pixels by an LSTM of 128, then a
 * Dense 128→10 on the last hidden state; Adam, one epoch over the first `images` training images.
 */
export const lstm = { hidden: 128, images: 10_000, batch: 64, lr: 1e-3, runs: 3 } as const;

/**
 * examples/mnist's `--model cnn-bn`: [Conv 5×5 (no bias), BatchNorm2d, ReLU, MaxPool 2×2] ×2 with
 * 8 and 16 channels, Dense 400→120 (no bias), BatchNorm1d, ReLU, Dense 120→10; SGD with momentum
 * 0.9 at a constant rate (the example anneals it), batch 64, one epoch over all training images.
 */
export const cnnBn = { images: 60_000, batch: 64, lr: 0.1, momentum: 0.9, runs: 1 } as const;

/** Timing: each figure is the median of several rounds after warm-up. */
export const timing = { warmupMs: 100, roundMs: 50, budgetMs: 1200, minRounds: 3, maxRounds: 9 } as const;

/** Epochs: up to `runs` runs (fresh model each), fewer when one run is slower than `slowMs`. */
export const epochTiming = { slowMs: 8000 } as const;
