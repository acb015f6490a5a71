import { exportOnnx, Generator, loadMnist, type Module, manualSeed, randn, Tensor, Variable } from "nabla/node";
import { describe, expect, it } from "vitest";
import {
  checkerViolations,
  decodeModel,
  maxScaledDiff,
  openSession,
  runNabla,
  runOnnx,
} from "../../../packages/onnx/test/ort.js";
import { MODELS as MODEL_NAMES, type ModelName } from "../src/cli.js";
import { MODELS } from "../src/models.js";
import { argmaxRows } from "../src/report.js";

const { train, test } = loadMnist({ limitTrain: 256, limitTest: 37 });

/** The example's model with seeded weights; its BatchNorm layers have seen four training batches, so their running statistics are far from 0 and 1. */
function trainedStatistics(name: ModelName): Module {
  const spec = MODELS[name];
  const model = spec.build(manualSeed(4));
  model.train();
  for (let b = 0; b < 4; b++) {
    model.forward(
      new Variable(new Tensor(train.images.data.slice(b * 64 * 784, (b + 1) * 64 * 784), [64, ...spec.inputShape])),
    );
  }
  return model.eval();
}

/**
 * The feed-forward models. lstm and gru call their recurrent layer from RowReader's own forward,
 * which the exporter cannot follow (it writes a recurrent layer only as the whole model); the CLI
 * refuses `--export-onnx` for them before training, tested in mnist.test.ts.
 */
const EXPORTABLE = MODEL_NAMES.filter((m) => m !== "lstm" && m !== "gru");

describe("the example's models run in onnxruntime as in Nabla", () => {
  it("covers every feed-forward model of the example", () => {
    expect(EXPORTABLE).toEqual(["mlp", "cnn", "cnn-bn"]);
  });

  it.each(EXPORTABLE.map((m) => [m]))(
    "%s on MNIST test images and random inputs, batches of 1 and 37",
    async (name) => {
      const spec = MODELS[name];
      const model = trainedStatistics(name);
      const bytes = exportOnnx(model, { inputShape: spec.inputShape });
      expect(checkerViolations(decodeModel(bytes))).toEqual([]);
      const session = await openSession(bytes);
      const g = new Generator(7);
      for (const n of [1, 37]) {
        const images = new Tensor(test.images.data.slice(0, n * 784), [n, ...spec.inputShape]);
        const expected = runNabla(model, images);
        const got = await runOnnx(session, images);
        expect(maxScaledDiff(got, expected)).toBeLessThan(1e-5);
        expect(argmaxRows(got)).toEqual(argmaxRows(expected));
        const noise = randn([n, ...spec.inputShape], { generator: g });
        expect(maxScaledDiff(await runOnnx(session, noise), runNabla(model, noise))).toBeLessThan(1e-5);
      }
    },
  );

  it("cnn-bn's running statistics are not the initial ones (so the test above exercises them)", () => {
    const state = trainedStatistics("cnn-bn").stateDict();
    expect(state.get("1.numBatchesTracked")!.data[0]).toBe(4);
    expect(Math.max(...state.get("1.runningMean")!.data.map(Math.abs))).toBeGreaterThan(0.01);
    expect(Math.max(...state.get("10.runningVar")!.data.map((v) => Math.abs(v - 1)))).toBeGreaterThan(0.01);
  });
});
