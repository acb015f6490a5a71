import {
  argmax,
  Conv2d,
  DataLoader,
  Dense,
  Flatten,
  loadMnist,
  MaxPool2d,
  manualSeed,
  noGrad,
  ReLU,
  Sequential,
  SGD,
  softmaxCrossEntropy,
  TensorDataset,
  Variable,
} from "nabla/node";
import { describe, expect, it } from "vitest";

describe("deepnet's MNIST CNN", () => {
  it("learns from 1,000 training images (3 epochs): more than 80% on 1,000 test images", () => {
    manualSeed(0);
    const { train, test } = loadMnist({ limitTrain: 1000, limitTest: 1000, flatten: false });
    expect(train.images.shape).toEqual([1000, 1, 28, 28]);
    const model = new Sequential(
      new Conv2d(1, 32, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2, { stride: 1 }),
      new Flatten(),
      new Dense(32 * 27 * 27, 10),
    );
    const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
      batchSize: 32,
      shuffle: true,
      seed: 0,
    });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [images, labels] of loader) {
        optimizer.zeroGrad();
        softmaxCrossEntropy(model.forward(new Variable(images!)), labels!).backward();
        optimizer.step();
      }
    }
    model.eval();
    let right = 0;
    for (const [images, labels] of new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 250 })) {
      const predicted = argmax(noGrad(() => model.forward(new Variable(images!))).value, 1);
      for (let i = 0; i < labels!.size; i++) if (predicted.data[i] === labels!.data[i]) right++;
    }
    // 0.876 when written; the chance level is 0.1.
    expect(right / test.labels.size).toBeGreaterThan(0.8);
  });
});
