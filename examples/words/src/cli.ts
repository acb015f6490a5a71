/** Command-line flags of the words example. */
import type { RunConfig } from "./words.js";

/**
 * The defaults: a GRU of 128 on 20,000 words, 4 epochs: 61 CPU seconds, validation loss 2.084
 * nats per character against the bigram's 2.534 (seed 1; the run is in docs/recurrent.md).
 */
export const DEFAULTS: RunConfig = {
  trainWords: 20_000,
  validationWords: 2_000,
  maxLength: 12,
  embeddingDim: 16,
  hiddenSize: 128,
  epochs: 4,
  batchSize: 64,
  lr: 5e-3,
  clip: 1,
  samples: 12,
  temperature: 0.8,
  seed: 1,
};

const FLAGS: Record<string, keyof RunConfig> = {
  "--epochs": "epochs",
  "--words": "trainWords",
  "--hidden": "hiddenSize",
  "--lr": "lr",
  "--temperature": "temperature",
  "--seed": "seed",
};

export const USAGE = `Usage: pnpm example:words [-- options]

Trains a character-level model (Embedding, GRU, Dense) on English words from the word-list
package, prints the loss per epoch, words sampled before and after training, and the validation
loss per character against a bigram baseline.

Options:
${Object.entries(FLAGS)
  .map(
    ([flag, key]) =>
      `  ${`${flag} ${key === "lr" || key === "temperature" ? "X" : "N"}`.padEnd(18)}(default ${DEFAULTS[key]})`,
  )
  .join("\n")}
  --help            show this help`;

/** `--flag value` pairs over DEFAULTS; throws a message naming the flag for anything else. */
export function parseArgs(argv: readonly string[]): RunConfig | "help" {
  const config = { ...DEFAULTS };
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    if (flag === "--help" || flag === "-h") return "help";
    const key = FLAGS[flag];
    if (key === undefined)
      throw new Error(`unknown flag '${flag}' (expected one of ${Object.keys(FLAGS).join(", ")}, --help)`);
    const text = args[i + 1];
    const value = text === undefined ? NaN : Number(text);
    const integer = key !== "lr" && key !== "temperature";
    if (!(value > 0 || (key === "seed" && value === 0)) || (integer && !Number.isSafeInteger(value))) {
      throw new Error(
        `${flag} must be a ${key === "seed" ? "non-negative" : "positive"} ${integer ? "integer" : "number"}, got '${text ?? ""}'`,
      );
    }
    config[key] = value;
  }
  return config;
}
