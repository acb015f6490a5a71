import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Flatten,
  type Generator,
  GRU,
  LSTM,
  MaxPool2d,
  Module,
  ReLU,
  reshape,
  Sequential,
  type Variable,
} from "nabla";
import type { ModelName } from "./cli.js";

export interface ModelSpec {
  /** One line for the run's header. */
  description: string;
  /** The shape of one example as the model takes it: [784] for flat images, [1, 28, 28] for NCHW, [28, 28] for rows. */
  inputShape: number[];
  build(generator: Generator): Module;
}

/** The models `--model` can pick; their training defaults are MODEL_DEFAULTS in cli.ts. */
export const MODELS: Record<ModelName, ModelSpec> = {
  mlp: {
    description: "Dense 784→128, ReLU, Dense 128→10",
    inputShape: [784],
    build: (generator) =>
      new Sequential(new Dense(784, 128, { generator }), new ReLU(), new Dense(128, 10, { generator })),
  },

  // deepnet's MNIST network: one 3×3 convolution with 32 filters, an overlapping 2×2 max-pool
  // (stride 1, so 28×28 → 27×27) and a linear classifier on the 32·27·27 = 23,328 features.
  cnn: {
    description: "Conv2d 1→32 3×3 padding 1, ReLU, MaxPool2d 2×2 stride 1, Flatten, Dense 23,328→10",
    inputShape: [1, 28, 28],
    build: (generator) =>
      new Sequential(
        new Conv2d(1, 32, 3, { padding: 1, generator }),
        new ReLU(),
        new MaxPool2d(2, { stride: 1 }),
        new Flatten(),
        new Dense(32 * 27 * 27, 10, { generator }),
      ),
  },

  // A LeNet-5-shaped net with batch normalisation after each convolution and the hidden dense
  // layer (which therefore need no bias of their own: BatchNorm's shift plays that part).
  // 28×28 → conv 5×5 pad 2 → 8×28×28 → pool → 8×14×14 → conv 5×5 → 16×10×10 → pool → 16×5×5.
  "cnn-bn": {
    description:
      "[Conv2d 5×5, BatchNorm2d, ReLU, MaxPool2d 2×2] ×2 (8, 16 channels), Dense 400→120, BatchNorm1d, ReLU, Dense 120→10",
    inputShape: [1, 28, 28],
    build: (generator) =>
      new Sequential(
        new Conv2d(1, 8, 5, { padding: 2, bias: false, generator }),
        new BatchNorm2d(8),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(8, 16, 5, { bias: false, generator }),
        new BatchNorm2d(16),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dense(400, 120, { bias: false, generator }),
        new BatchNorm1d(120),
        new ReLU(),
        new Dense(120, 10, { generator }),
      ),
  },

  // Sequential MNIST: the image as a sequence of 28 rows of 28 pixels, top to bottom.
  lstm: {
    description: "LSTM 28→128 over the 28 rows, Dense 128→10 on its last hidden state",
    inputShape: [28, 28],
    build: (generator) =>
      new RowReader(new LSTM(28, 128, { batchFirst: true, generator }), new Dense(128, 10, { generator })),
  },

  gru: {
    description: "GRU 28→128 over the 28 rows, Dense 128→10 on its last hidden state",
    inputShape: [28, 28],
    build: (generator) =>
      new RowReader(new GRU(28, 128, { batchFirst: true, generator }), new Dense(128, 10, { generator })),
  },
};

/** Reads [N, 28, 28] images row by row with a one-layer recurrent net and classifies its final state. */
class RowReader extends Module {
  constructor(
    readonly recurrent: LSTM | GRU,
    readonly head: Dense,
  ) {
    super();
  }

  forward(images: Variable): Variable {
    // h is [1, N, hidden]: one layer, one direction.
    const { h } = this.recurrent.forward(images);
    return this.head.forward(reshape(h, [images.shape[0]!, this.head.inFeatures]));
  }
}
