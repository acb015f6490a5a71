// Run by checkpoint.test.ts in a fresh process: loads a saved model and prints its predictions.

import { softmaxCrossEntropy } from "@nabla/losses";
import { SGD } from "@nabla/optim";
import { Tensor } from "@nabla/tensor";
import { loadModel, Trainer } from "../src/node/index.js";
import { mlp } from "./helpers.js";

const [path, input] = process.argv.slice(2) as [string, string];
const model = mlp(12345);
loadModel(model, path);
const x = new Tensor(new Float32Array(JSON.parse(input) as number[]), [5, 4]);
const trainer = new Trainer({ model, loss: softmaxCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }) });
process.stdout.write(JSON.stringify([...trainer.predict(x).data]));
