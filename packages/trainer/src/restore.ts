import type { Module } from "@nabla/layers";
import { defaultGenerator, type Generator, type Tensor } from "@nabla/tensor";
import { decodeCheckpoint, type TrainingState } from "./checkpoint.js";
import type { BatchLoader, OptimizerLike, SchedulerLike } from "./options.js";
import { decodeState, encodeState } from "./state.js";

/** What a checkpoint puts back. */
export interface Restorable {
  model: Module;
  optimizer: OptimizerLike;
  scheduler: SchedulerLike | undefined;
  generator: Generator | undefined;
  train: BatchLoader;
  validation: BatchLoader | undefined;
}

/** Each param group's learning rate when the optimizer has groups, else its one `lr`. */
export function learningRates(optimizer: OptimizerLike): number | number[] {
  return optimizer.paramGroups === undefined ? optimizer.lr : optimizer.paramGroups.map((g) => g.lr);
}

/**
 * Puts the model, optimizer, scheduler, loaders and generators back as they were after the
 * checkpoint's epoch. The model and optimizer are snapshotted first and restored if any part
 * fails, so a bad checkpoint leaves them as they were. `path` names the checkpoint in errors.
 */
export function restoreCheckpoint(bytes: Uint8Array, path: string, into: Restorable): TrainingState {
  const { model, optimizer, scheduler, generator, train, validation } = into;
  const { weights, state } = decodeCheckpoint(bytes, path);
  const previousWeights = model.stateDict();
  const previousOptimizer = snapshot(optimizer.stateDict());
  model.loadStateDict(weights);
  try {
    if ((state.scheduler === null) !== (scheduler === undefined)) {
      throw new Error(
        state.scheduler === null
          ? "it was written without a scheduler, but this Trainer has one"
          : "it holds a scheduler's state, but this Trainer has no scheduler",
      );
    }
    optimizer.loadStateDict(state.optimizer);
    restoreLearningRates(optimizer, state.lr);
    if (state.scheduler !== null) scheduler!.loadStateDict(state.scheduler);
    if (state.trainLoader !== null && train.setState) train.setState(state.trainLoader);
    if (state.validationLoader !== null && validation?.setState) validation.setState(state.validationLoader);
    defaultGenerator().setState(state.generator as ReturnType<Generator["getState"]>);
    if (state.trainerGenerator !== null && generator !== undefined) {
      generator.setState(state.trainerGenerator as ReturnType<Generator["getState"]>);
    }
  } catch (e) {
    model.loadStateDict(previousWeights);
    optimizer.loadStateDict(previousOptimizer);
    throw e;
  }
  return state;
}

/**
 * Sets each param group's lr to the saved one, for optimizers whose own state dict does not
 * carry them: through the `lr` setter they would all get the first group's.
 */
function restoreLearningRates(optimizer: OptimizerLike, saved: number | number[]): void {
  const groups = optimizer.paramGroups;
  if (!Array.isArray(saved)) {
    if (optimizer.lr !== saved) optimizer.lr = saved;
    return;
  }
  if (groups === undefined || groups.length !== saved.length) {
    throw new Error(
      `it holds ${saved.length} learning rates (one per param group), but the optimizer has ${groups === undefined ? "no param groups" : `${groups.length} param groups`}`,
    );
  }
  groups.forEach((group, i) => {
    if (group.lr !== saved[i]) group.lr = saved[i]!;
  });
}

/** A deep copy of a state dict (tensors cloned), to roll back to. */
function snapshot(state: unknown): unknown {
  const tensors = new Map<string, Tensor>();
  const json = encodeState(state, "", tensors);
  const copies = new Map<string, Tensor>();
  for (const [k, t] of tensors) copies.set(k, t.clone());
  return decodeState(json, copies, "snapshot");
}
