export type { BceWithLogitsOptions } from "./bce-with-logits.js";
export { bceWithLogits } from "./bce-with-logits.js";
export { mse } from "./mse.js";
export type { HasNamedParameters, ParameterSource } from "./penalties.js";
export { l1Penalty, l2Penalty } from "./penalties.js";
export type { Loss, Reduction } from "./reduction.js";
export type { ClassTarget, SoftmaxCrossEntropyOptions } from "./softmax-cross-entropy.js";
export { softmaxCrossEntropy } from "./softmax-cross-entropy.js";
