import { Dense, type Generator, type Module, ReLU, Sequential } from "nabla";
import type { ModelName } from "./cli.js";

export interface ModelSpec {
  /** One line for the run's header. */
  description: string;
  /** The shape of one example as the model takes it. */
  inputShape: number[];
  build(generator: Generator): Module;
}

/** The models `--model` can pick; a CNN joins this table later. */
export const MODELS: Record<ModelName, ModelSpec> = {
  mlp: {
    description: "Dense 784→128, ReLU, Dense 128→10",
    inputShape: [784],
    build: (generator) => new Sequential(new Dense(784, 128, { generator }), new ReLU(), new Dense(128, 10, { generator })),
  },
};
