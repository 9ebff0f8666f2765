/** ONNX export (see export.ts and docs/interop.md). */
export { exportOnnx, onnxBytes, ONNX_SUPPORTED_LAYERS, MIN_OPSET, MAX_OPSET } from './export.js';
export type { OnnxExportOptions } from './export.js';
