// Test helpers shared by the packages' test folders: one definition each, imported as @nabla/testing.
export { expectClose } from "./close.js";
export { checkGradients } from "./gradients.js";
export { messageOf } from "./message-of.js";
export { normal } from "./random.js";
