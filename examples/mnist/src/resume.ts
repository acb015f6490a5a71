import { type Callback, Generator, loadModel } from "nabla/node";
import { flagFor, MODELS as MODEL_NAMES, type ModelName, type Options } from "./cli.js";
import { MODELS } from "./models.js";

/**
 * Why the checkpoint at `path` cannot continue a `model` run, or undefined if its weights fit.
 * Checked before training so that a checkpoint of another --model is named as such, rather than
 * as a list of mismatched shapes.
 */
export function checkpointProblem(path: string, model: ModelName): string | undefined {
  const fits = (name: ModelName): string | undefined => {
    try {
      loadModel(MODELS[name].build(new Generator(0)), path);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  const problem = fits(model);
  if (problem === undefined) return undefined;
  const other = MODEL_NAMES.find((name) => name !== model && fits(name) === undefined);
  return other === undefined
    ? problem
    : `it holds the weights of a --model ${other} run, not ${model}; resume it with --model ${other}`;
}

/** The flags that decide what a run computes; --epochs only under the cosine schedule, which anneals over them. */
type RunFlagValues = Record<string, string | number | null>;

/**
 * Saves the flags that decide what the run computes in its checkpoints (as this callback's state),
 * and refuses to resume with other values: the run would silently stop being the one it was.
 */
export class RunFlags implements Callback {
  private readonly flags: RunFlagValues;

  constructor(
    options: Options,
    lr: number,
    private readonly checkpoint: string | undefined,
  ) {
    const { model, optimizer, schedule, batchSize, limit, seed, epochs } = options;
    this.flags = {
      model,
      optimizer,
      lr,
      schedule,
      batchSize,
      limit: limit ?? null,
      seed,
      epochs: schedule === "cosine" ? epochs : null,
    };
  }

  stateDict(): RunFlagValues {
    return this.flags;
  }

  loadStateDict(state: unknown): void {
    const saved = (typeof state === "object" && state !== null ? state : {}) as RunFlagValues;
    const differ = Object.keys(this.flags).filter((key) => saved[key] !== this.flags[key]);
    if (differ.length === 0) return;
    const show = (values: RunFlagValues): string =>
      differ
        .map((key) =>
          values[key] === null || values[key] === undefined
            ? `no ${flagFor(key as keyof Options)}`
            : `${flagFor(key as keyof Options)} ${values[key]}`,
        )
        .join(" ");
    const cosine = differ.includes("epochs")
      ? " (the cosine schedule anneals to 0 over --epochs, so a cosine run cannot be made longer)"
      : "";
    throw new Error(
      `cannot resume from ${this.checkpoint}: it was written by a run with ${show(saved)}, and this one has ${show(this.flags)}${cosine}`,
    );
  }
}
