/** The messages between the page and the training worker (worker.ts). */
import type { Weights } from "./model.js";
import type { TrainConfig } from "./training.js";

export interface TrainRequest {
  type: "train";
  config: TrainConfig;
  /** The folder the four MNIST IDX files are fetched from. */
  mnistUrl: string;
  /** Train on the first `trainImages` training images (60,000: all of them). */
  trainImages: number;
  /** Test images evaluated after each epoch (0: none). */
  testImages: number;
}

export type ToWorker = TrainRequest;

export type FromWorker =
  /** The worker is running; `kernels` names the kernels it computes with. */
  | { type: "ready"; kernels: string }
  | { type: "status"; text: string }
  /** Steps since the last progress message: their losses, in order, and the running accuracy. */
  | { type: "progress"; step: number; totalSteps: number; epoch: number; losses: number[]; accuracy: number }
  /** The weights as they are now, for the page's drawing pad. */
  | { type: "weights"; weights: Weights; step: number }
  | { type: "epoch"; epoch: number; loss: number; accuracy: number; valLoss?: number; valAccuracy?: number }
  | { type: "done"; weights: Weights }
  | { type: "error"; message: string };
