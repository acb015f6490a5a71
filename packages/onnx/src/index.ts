export type { ExportOnnxOptions } from "./export.js";
export { exportOnnx, ONNX_OPSET } from "./export.js";
