// Test helpers shared by the packages' test folders: one definition each, imported as @nabla/testing.
export { expectClose } from "./close.js";
export { messageOf } from "./message-of.js";
export { normal } from "./random.js";
