import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD, type Variable } from "nabla";
import type { OptimizerName } from "./cli.js";

/** The optimizers `--optimizer` can pick, each with the settings this example uses. */
export const OPTIMIZER_BUILDERS: Record<OptimizerName, (params: Variable[], lr: number) => Optimizer> = {
  sgd: (params, lr) => new SGD(params, { lr }),
  momentum: (params, lr) => new SGD(params, { lr, momentum: 0.9 }),
  adam: (params, lr) => new Adam(params, { lr }),
  adamw: (params, lr) => new AdamW(params, { lr }),
  rmsprop: (params, lr) => new RMSprop(params, { lr }),
  adagrad: (params, lr) => new Adagrad(params, { lr }),
};
