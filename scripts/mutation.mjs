// `pnpm mutation [target ...]`: runs StrykerJS on each target of stryker.config.mjs in turn (all of
// them without arguments), one at a time so that the machine's cores are not oversubscribed.
import { spawnSync } from "node:child_process";
import { targets } from "../stryker.config.mjs";

const names = process.argv.slice(2).filter((a) => a !== "--");
const chosen = names.length > 0 ? names : Object.keys(targets);
const unknown = chosen.filter((n) => !(n in targets));
if (unknown.length > 0) {
  console.error(
    `mutation: unknown target ${unknown.map((n) => `"${n}"`).join(", ")}; expected one of ${Object.keys(targets).join(", ")}`,
  );
  process.exit(2);
}
for (const name of chosen) {
  console.log(`\nmutation: ${name} (${targets[name].mutate})`);
  const run = spawnSync("stryker", ["run", "stryker.config.mjs"], {
    stdio: "inherit",
    env: { ...process.env, NABLA_MUTATION_TARGET: name },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
