/**
 * "nabla/extend": what a new op, layer, loss or optimizer is written with. `record` joins an op
 * to the graph, `gradcheck` checks its gradient, and the helpers below validate inputs and word
 * errors the way the built-in ones do.
 */

export type {
  Backward,
  GradcheckOptions,
  GradcheckReport,
  Node,
  RecurrenceMode,
  RecurrenceOptions,
  RecurrenceWeights,
  SavedTensor,
} from "@nabla/autograd";
export {
  asVariable,
  asVariables,
  conv2dOutputShape,
  gradcheck,
  gradcheckLeaves,
  pair,
  pool2dOutputShape,
  record,
  recurrence,
  recurrenceGates,
  recurrenceSlabs,
  topologicalOrder,
} from "@nabla/autograd";
export { isBatched } from "@nabla/data";
export {
  accumulate,
  allocate,
  broadcastShapes,
  checkOptions,
  defaultGenerator,
  describe,
  dtypeOf,
  formatBytes,
  formatCount,
  formatPosition,
  formatShape,
  formatTensor,
  formatValue,
  MAX_ELEMENTS,
  shapeSize,
  stridesOf,
  sumToShape,
  valueOfVariable,
} from "@nabla/tensor";
export { countCorrect, formatMetric, resolveProgressMode, validationKey } from "@nabla/trainer";
