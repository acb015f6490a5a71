import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { noGrad, reshape, type Variable } from "@nabla/autograd";
import { Dense, Embedding, GRU, LSTM, LSTMCell, Module, RNN } from "@nabla/layers";
import { manualSeed, Tensor } from "@nabla/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, loadSafetensors, saveModel } from "../src/node/index.js";

/** generate.py's SeqNet: every recurrent layer and Embedding in one model, fed token ids. */
class SeqNet extends Module {
  embedding = new Embedding(7, 4, { paddingIdx: 0 });
  rnn = new RNN(4, 5, { nonlinearity: "relu", batchFirst: true });
  lstm = new LSTM(5, 6, { numLayers: 2, bidirectional: true, batchFirst: true });
  gru = new GRU(12, 5, { batchFirst: true });
  head = new Dense(5, 3);

  forward(ids: Variable | Tensor): Variable {
    const { output: afterRnn } = this.rnn.forward(this.embedding.forward(ids));
    const { output: afterLstm } = this.lstm.forward(afterRnn);
    const { h } = this.gru.forward(afterLstm);
    return this.head.forward(reshape(h, [h.shape[1]!, h.shape[2]!]));
  }
}

function seqNet(seed: number): SeqNet {
  manualSeed(seed);
  return new SeqNet().eval() as SeqNet;
}

const REFERENCE = fileURLToPath(new URL("../reference/", import.meta.url));
/** Float32 sums in another order through five layers: ~1e-6 apart; a wrong layout moves outputs by ~0.1. */
const TOLERANCE = 1e-5;

interface Case {
  input: number[];
  inputShape: number[];
  output: number[][];
}

const predict = (model: SeqNet, ids: Tensor): Tensor => noGrad(() => model.forward(ids).value);
const rows = (y: Tensor): number[][] =>
  Array.from({ length: y.shape[0]! }, (_, r) => [...y.data.subarray(r * y.shape[1]!, (r + 1) * y.shape[1]!)]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nabla-torch-recurrent-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("recurrent layers and Embedding in PyTorch's layout", () => {
  it("a state dict PyTorch wrote (nn.Embedding, nn.RNN, a bidirectional nn.LSTM, nn.GRU) gives PyTorch's outputs", () => {
    const { cases } = JSON.parse(readFileSync(join(REFERENCE, "torch.json"), "utf8")) as {
      cases: Record<string, Case>;
    };
    const c = cases["seqnet_f32.safetensors"]!;
    const model = seqNet(1);
    loadModel(model, join(REFERENCE, "torch", "seqnet_f32.safetensors"), { layout: "torch" });
    const y = predict(model, new Tensor(Int32Array.from(c.input), c.inputShape));
    const want = c.output.flat();
    expect(y.shape).toEqual([3, 3]);
    y.data.forEach((v, i) => expect(Math.abs(v - want[i]!), `output ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });

  it("saves PyTorch's parameter names (weight_ih_l0, ..._reverse) unchanged and round-trips bit for bit", () => {
    const path = join(dir, "seqnet.safetensors");
    const model = seqNet(2);
    saveModel(model, path, { layout: "torch" });
    const names = [...loadSafetensors(path).tensors.keys()];
    expect(names).toContain("lstm.weight_ih_l1_reverse");
    expect(names).toContain("embedding.weight");
    expect(names.sort()).toEqual([...model.stateDict().keys()].sort());
    const copy = seqNet(3);
    loadModel(copy, path, { layout: "torch" });
    const ids = new Tensor(Int32Array.of(1, 2, 3, 0, 6, 5, 4), [1, 7]);
    expect([...predict(copy, ids).data]).toEqual([...predict(model, ids).data]);
  });

  it("cells keep PyTorch's names too", () => {
    class Stepper extends Module {
      cell = new LSTMCell(3, 4);
      forward(x: Variable): Variable {
        return this.cell.forward(x).h;
      }
    }
    const path = join(dir, "cell.safetensors");
    saveModel(new Stepper(), path, { layout: "torch" });
    expect([...loadSafetensors(path).tensors.keys()].sort()).toEqual([
      "cell.bias_hh",
      "cell.bias_ih",
      "cell.weight_hh",
      "cell.weight_ih",
    ]);
  });

  /** generate.py loads this file into PyTorch's SeqNet with strict load_state_dict and compares outputs; UPDATE_FIXTURES=1 rewrites it. */
  it("the SeqNet fixture generate.py checks in PyTorch is what Nabla writes today", () => {
    const path = join(dir, "seqnet-fixture.safetensors");
    const model = seqNet(12);
    saveModel(model, path, { layout: "torch" });
    const ids = new Tensor(Int32Array.of(3, 1, 4, 1, 5, 0, 2, 6, 5, 3), [2, 5]);
    const listing = `${JSON.stringify({ cases: { "seqnet.safetensors": { architecture: "seqnet", input: [...ids.data], inputShape: ids.shape, output: rows(predict(model, ids)) } } }, null, 1)}\n`;
    const fixture = join(REFERENCE, "nabla", "seqnet.safetensors");
    const outputs = join(REFERENCE, "nabla", "seqnet.json");
    if (process.env.UPDATE_FIXTURES === "1") {
      writeFileSync(fixture, readFileSync(path));
      writeFileSync(outputs, listing);
    }
    expect(
      readFileSync(path).equals(readFileSync(fixture)),
      "seqnet.safetensors differs from the committed fixture",
    ).toBe(true);
    expect(JSON.parse(readFileSync(outputs, "utf8"))).toEqual(JSON.parse(listing));
  });
});
