import { parseArgs, USAGE } from "./cli.js";
import { loadWords, type RunConfig, run } from "./words.js";

function main(argv: readonly string[]): number {
  let config: RunConfig | "help";
  try {
    config = parseArgs(argv);
  } catch (e) {
    console.error(`words: ${(e as Error).message}; run with --help for usage`);
    return 2;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  run(config, loadWords(), (line) => console.log(line));
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
