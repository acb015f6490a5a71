import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { noGrad, type Variable, variable } from "@nabla/autograd";
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Flatten,
  MaxPool2d,
  Module,
  Parameter,
  ReLU,
  Sequential,
} from "@nabla/layers";
import { Generator, manualSeed, randn, Tensor } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, loadSafetensors, saveModel } from "../src/node/index.js";

/**
 * PyTorch's values, written by reference/generate.py (PyTorch 1.13), which also checks that the
 * files in reference/nabla/ load into PyTorch and give the outputs recorded in nabla/outputs.json.
 */
const REFERENCE = fileURLToPath(new URL("../reference/", import.meta.url));

/**
 * Nabla and PyTorch both compute these float32 outputs (of size ~1) from the same float32 weights,
 * but sum in different orders: each sum of up to 27 products carries a few float32 ulps
 * (~1e-7 each) of rounding, and three layers add them up to ~1e-6. 1e-5 leaves a margin and still
 * catches any wrong layout (a transposed weight or a swapped statistic changes outputs by ~0.1).
 */
const TOLERANCE = 1e-5;

type Architecture = "mlp" | "cnn_bn" | "mlp_bn1d";

/** The Nabla equivalents of generate.py's nn.Sequential models. */
function build(architecture: Architecture, seed = 0): Sequential {
  manualSeed(seed);
  switch (architecture) {
    case "mlp":
      return new Sequential(new Dense(4, 8), new ReLU(), new Dense(8, 3));
    case "cnn_bn":
      return new Sequential(
        new Conv2d(1, 3, 3, { padding: 1 }),
        new BatchNorm2d(3),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dense(27, 4),
      );
    case "mlp_bn1d":
      return new Sequential(new Dense(5, 6), new BatchNorm1d(6), new ReLU(), new Dense(6, 2));
  }
}

const INPUT_SHAPES: Record<Architecture, number[]> = { mlp: [3, 4], cnn_bn: [2, 1, 6, 6], mlp_bn1d: [3, 5] };

function run(model: Module, x: Tensor): Tensor {
  model.eval();
  return noGrad(() => model.forward(variable(x)).value);
}

interface Case {
  architecture: Architecture;
  dtype?: string;
  input: number[];
  inputShape: number[];
  output: number[][];
}

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const sameState = (a: Module, b: Module): void => {
  const sb = b.stateDict();
  for (const [k, t] of a.stateDict()) expect(bytes(sb.get(k)!).equals(bytes(t)), k).toBe(true);
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-torch-layout-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("PyTorch -> Nabla: files written by PyTorch load into the equivalent model", () => {
  const { cases } = JSON.parse(readFileSync(join(REFERENCE, "torch.json"), "utf8")) as { cases: Record<string, Case> };
  // SeqNet (recurrent layers fed token ids) has its own test: torch-layout.recurrent.test.ts.
  const sequentialCases = Object.entries(cases).filter(([, c]) => c.architecture !== ("seqnet" as Architecture));

  it.each(sequentialCases)("%s gives PyTorch's outputs", (file, c) => {
    const model = build(c.architecture, 1);
    loadModel(model, join(REFERENCE, "torch", file), { layout: "torch" });
    const out = run(model, new Tensor(Float32Array.from(c.input), c.inputShape));
    const want = c.output.flat();
    expect(out.shape).toEqual([c.inputShape[0], c.output[0]!.length]);
    out.data.forEach((v, i) => expect(Math.abs(v - want[i]!), `output ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });

  it("the BatchNorm counters arrive from I64 as int32, the F16 and BF16 weights widened exactly", () => {
    const cnn = build("cnn_bn");
    loadModel(cnn, join(REFERENCE, "torch", "cnn_bn_f16.safetensors"), { layout: "torch" });
    const bn = cnn.at(1) as BatchNorm2d;
    expect(bn.numBatchesTracked).toBe(3);
    const { tensors } = loadSafetensors(join(REFERENCE, "torch", "cnn_bn_f16.safetensors"));
    expect(tensors.get("1.num_batches_tracked")!.dtype).toBe("int32");
    expect(bytes(bn.runningVar!).equals(bytes(tensors.get("1.running_var")!))).toBe(true);
    const mlp = build("mlp_bn1d");
    loadModel(mlp, join(REFERENCE, "torch", "mlp_bn1d_bf16.safetensors"), { layout: "torch" });
    // bfloat16 keeps 8 significant bits: the low 16 bits of each widened float32 are zero.
    for (const v of new Uint32Array(Float32Array.from((mlp.at(0) as Dense).weight.value.data).buffer))
      expect(v & 0xffff).toBe(0);
  });

  it("a counter that does not fit int32 is refused by name, and the model is unchanged", () => {
    const model = build("mlp_bn1d", 4);
    const before = build("mlp_bn1d", 4);
    const path = join(REFERENCE, "torch", "mlp_bn1d_overflow.safetensors");
    expect(() => loadModel(model, path, { layout: "torch" })).toThrow(
      `loadSafetensors: ${path}: tensor '1.num_batches_tracked' holds the I64 value 1099511627776 at index 0, which does not fit in int32`,
    );
    sameState(before, model);
  });

  it("a file for another architecture names the missing, unexpected and misshaped keys, and changes nothing", () => {
    const model = build("mlp_bn1d", 4);
    const before = build("mlp_bn1d", 4);
    const path = join(REFERENCE, "torch", "mlp_f32.safetensors");
    expect(() => loadModel(model, path, { layout: "torch" })).toThrow(
      `loadModel: ${path}: layout 'torch': missing keys '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', ` +
        "'3.weight', '3.bias'; unexpected keys '2.bias', '2.weight'; '0.weight' has shape [8,4], expected [6,5]; '0.bias' has shape [8], expected [6]",
    );
    sameState(before, model);
  });

  it("a PyTorch file loaded without layout: 'torch' says which layout it is in", () => {
    const path = join(REFERENCE, "torch", "mlp_f32.safetensors");
    const weights = join(dir, "pt.safetensors");
    saveModel(build("mlp"), weights, { layout: "torch" });
    expect(() => loadModel(build("mlp"), weights)).toThrow(
      /loadStateDict: .*'0\.weight' has shape \[8,4\], expected \[4,8\].* \(the file is in PyTorch's layout: load it with \{ layout: "torch" \}\)$/,
    );
    // A file without Nabla's metadata gets no guess.
    expect(() => loadModel(build("mlp"), path)).toThrow(
      /expected \[4,8\]; '2\.weight' has shape \[3,8\], expected \[8,3\]$/,
    );
    const nabla = join(dir, "nabla.safetensors");
    saveModel(build("mlp_bn1d"), nabla);
    expect(() => loadModel(build("mlp_bn1d"), nabla, { layout: "torch" })).toThrow(
      /missing keys '1\.running_mean'.* \(the file is in Nabla's layout: load it without layout: "torch"\)$/,
    );
  });
});

/** A Nabla model of `architecture` whose BatchNorm layers have seen three training batches. */
function trainedNabla(architecture: Architecture, seed: number): Sequential {
  const model = build(architecture, seed);
  const g = new Generator(seed);
  model.train();
  noGrad(() => {
    for (let i = 0; i < 3; i++)
      model.forward(variable(randn([8, ...INPUT_SHAPES[architecture].slice(1)], { generator: g, std: 2, mean: 0.5 })));
  });
  return model.eval();
}

describe("Nabla -> PyTorch: saveModel(model, path, { layout: 'torch' })", () => {
  const architectures: Architecture[] = ["mlp", "cnn_bn", "mlp_bn1d"];

  it("writes PyTorch's names, layouts and dtypes", () => {
    const path = join(dir, "layout.safetensors");
    saveModel(trainedNabla("mlp_bn1d", 1), path, { layout: "torch", metadata: { note: "x" } });
    const raw = readFileSync(path);
    const n = Number(raw.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(raw.subarray(8, 8 + n).toString()) as Record<string, { dtype: string; shape: number[] }>;
    expect(header.__metadata__).toEqual({ format: "pt", note: "x" });
    expect(Object.keys(header).filter((k) => k !== "__metadata__")).toEqual([
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "1.running_mean",
      "1.running_var",
      "1.num_batches_tracked",
      "3.weight",
      "3.bias",
    ]);
    expect(header["0.weight"]).toMatchObject({ dtype: "F32", shape: [6, 5] });
    expect(header["3.weight"]).toMatchObject({ dtype: "F32", shape: [2, 6] });
    expect(header["1.num_batches_tracked"]).toMatchObject({ dtype: "I64", shape: [] });
  });

  it.each(architectures)("%s round-trips through PyTorch's layout bit for bit", (architecture) => {
    const path = join(dir, `${architecture}.safetensors`);
    const model = trainedNabla(architecture, 2);
    saveModel(model, path, { layout: "torch" });
    const copy = build(architecture, 3);
    loadModel(copy, path, { layout: "torch" });
    sameState(model, copy);
    // A Dense weight is stored transposed, as nn.Linear holds it.
    const dense = model.at(-1) as Dense;
    const stored = loadSafetensors(path).tensors.get(`${model.length - 1}.weight`)!;
    expect(stored.shape).toEqual([dense.weight.shape[1], dense.weight.shape[0]]);
    expect(stored.data[1]).toBe(dense.weight.value.data[dense.weight.shape[1]!]);
  });

  it("float64 models are written as F64, which PyTorch casts on load", () => {
    const path = join(dir, "f64.safetensors");
    saveModel(trainedNabla("mlp_bn1d", 2).to("float64"), path, { layout: "torch" });
    const { tensors } = loadSafetensors(path);
    expect(tensors.get("0.weight")!.dtype).toBe("float64");
    expect(tensors.get("1.num_batches_tracked")!.data[0]).toBe(3);
  });

  /**
   * The committed files in reference/nabla/ are exactly what Nabla writes (so generate.py's check
   * that PyTorch loads them is a check of today's writer); UPDATE_FIXTURES=1 rewrites them.
   */
  it("the fixtures generate.py checks in PyTorch are what Nabla writes today", () => {
    const out = join(REFERENCE, "nabla");
    const update = process.env.UPDATE_FIXTURES === "1";
    if (update) mkdirSync(out, { recursive: true });
    const cases: Record<string, Case> = {};
    architectures.forEach((architecture, i) => {
      const model = trainedNabla(architecture, 10 + i);
      const file = `${architecture}.safetensors`;
      const path = join(dir, file);
      saveModel(model, path, { layout: "torch" });
      const x = randn(INPUT_SHAPES[architecture], { generator: new Generator(20 + i) });
      const y = run(model, x);
      const rows = y.shape[0]!;
      cases[file] = {
        architecture,
        input: [...x.data],
        inputShape: [...x.shape],
        output: Array.from({ length: rows }, (_, r) => [
          ...y.data.subarray((r * y.size) / rows, ((r + 1) * y.size) / rows),
        ]),
      };
      if (update) writeFileSync(join(out, file), readFileSync(path));
      expect(
        readFileSync(path).equals(readFileSync(join(out, file))),
        `${file} differs from the committed fixture`,
      ).toBe(true);
    });
    const listing = `${JSON.stringify({ cases }, null, 1)}\n`;
    if (update) writeFileSync(join(out, "outputs.json"), listing);
    expect(JSON.parse(readFileSync(join(out, "outputs.json"), "utf8"))).toEqual(JSON.parse(listing));
  });
});

describe("layout options", () => {
  it("refuses a model PyTorch's layout cannot express, naming the module and its path", () => {
    class Scale extends Module {
      factor = new Parameter(new Tensor(Float32Array.of(2), [1]));
      forward(x: Variable): Variable {
        return x;
      }
    }
    const model = new Sequential(new Dense(2, 2), new Sequential(new ReLU(), new Scale()));
    expect(() => saveModel(model, join(dir, "scale.safetensors"), { layout: "torch" })).toThrow(
      "saveModel: layout 'torch' has no PyTorch equivalent for Scale at '1.1' (it maps Dense, Conv2d, BatchNorm1d, BatchNorm2d, RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, Embedding, and modules without parameters)",
    );
  });

  it("checks the layout and the option names", () => {
    const model = build("mlp");
    const path = join(dir, "options.safetensors");
    expect(() => saveModel(model, path, { layout: "pytorch" as "torch" })).toThrow(
      'saveModel: layout must be "nabla" or "torch", got "pytorch"',
    );
    expect(() => loadModel(model, path, { layout: "onnx" as "torch" })).toThrow(
      'loadModel: layout must be "nabla" or "torch", got "onnx"',
    );
    expect(() => saveModel(model, path, { note: "x" } as unknown as { metadata: Record<string, string> })).toThrow(
      "saveModel: unknown option 'note'; expected one of layout, metadata",
    );
  });
});
