import { Trainer as CoreTrainer, type TrainerEnvironment } from "../trainer.js";
import { fileStorage } from "./storage.js";

/**
 * The Trainer for Node: fit prints progress to the terminal (a live bar on a TTY, one line per
 * epoch in pipes and on CI) and keeps checkpoints in files, unless fit is told otherwise.
 */
export class Trainer extends CoreTrainer {
  protected override environment(): TrainerEnvironment {
    const ci = process.env.CI;
    return { output: process.stdout, storage: fileStorage, ci: ci !== undefined && ci !== "" && ci !== "false" };
  }
}
