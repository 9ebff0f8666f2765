/** ONNX export (see export.ts and docs/interop.md): `onnxBytes` runs anywhere, `exportOnnx` writes a file (Node). */
import type { Model } from '../../train/model.js';
import { writeFileAtomic } from '../atomic-write.js';
import { onnxBytes, type OnnxExportOptions } from './export.js';

export { onnxBytes, ONNX_SUPPORTED_LAYERS, MIN_OPSET, MAX_OPSET } from './export.js';
export type { OnnxExportOptions } from './export.js';

/** Writes the ONNX model of `model` to `file` (atomically: a crash never leaves a half-written file). */
export async function exportOnnx(model: Model, file: string, options: OnnxExportOptions = {}): Promise<void> {
  await writeFileAtomic(file, onnxBytes(model, options));
}
