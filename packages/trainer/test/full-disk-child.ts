// Run by files.test.ts on a 100 KiB tmpfs at argv[2]: each file written below takes 17 of its 25
// pages, so the first copy fits and a second one beside it does not. Prints what happened as JSON.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DataLoader, TensorDataset } from "@nabla/data";
import { Dense, Sequential } from "@nabla/layers";
import { mse } from "@nabla/losses";
import { SGD } from "@nabla/optim";
import { Generator, randn, type Tensor } from "@nabla/tensor";
import { loadModel, saveModel, Trainer } from "../src/node/index.js";

const dir = process.argv[2]!;
const build = () => new Sequential(new Dense(128, 128, { generator: new Generator(1) }));
const bytes = (tensors: Map<string, Tensor>): Buffer[] =>
  [...tensors.values()].map((t) => Buffer.from(t.data.slice().buffer));
const report: Record<string, unknown> = {};

const path = join(dir, "model.safetensors");
const model = build();
saveModel(model, path);
const before = readFileSync(path);
model.parameters()[0]!.value.data.fill(7);
try {
  saveModel(model, path);
  report.save = "saved";
} catch (e) {
  report.save = (e as Error).message;
}
report.filesAfterSave = readdirSync(dir);
report.previousIntact = readFileSync(path).equals(before);
rmSync(path);

const checkpoint = join(dir, "run.ckpt");
const trainer = new Trainer({ model, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.01 }), metrics: [] });
const g = new Generator(2);
const data = new DataLoader(new TensorDataset(randn([8, 128], { generator: g }), randn([8, 128], { generator: g })), {
  batchSize: 4,
});
let afterEpoch1: Buffer[] = [];
try {
  await trainer.fit(data, {
    epochs: 3,
    checkpoint: { path: checkpoint },
    progress: "none",
    callbacks: [{ onEpochEnd: (epoch) => void (epoch === 1 && (afterEpoch1 = bytes(model.stateDict()))) }],
  });
  report.fit = "finished";
} catch (e) {
  report.fit = (e as Error).message;
}
report.filesAfterFit = readdirSync(dir);
const saved = build();
loadModel(saved, checkpoint);
report.checkpointHoldsEpoch1 = bytes(saved.stateDict()).every((b, i) => b.equals(afterEpoch1[i]!));
process.stdout.write(JSON.stringify(report));
