/**
 * Parse functions for the fuzzer (`npm run fuzz`, test/io/interop-fuzz.test.ts): synchronous `(bytes, file)`
 * entry points that must either succeed or throw a FormatError naming `file`.
 */
// the full library (backends registered), as a user's program has it
import '../index.js';
import { DeeptsError, FormatError } from '../core/errors.js';
import { modelFromJson } from '../train/saving.js';
import { kerasModelFromBytes } from './keras-h5.js';
import { onnxBytes } from './onnx/export.js';

/** Weight values a fuzzed model may ask for (keeps each case small and fast). */
const MAX_VALUES = 2_000_000;
/** A fuzzed .h5 file that libhdf5 cannot read in this time counts as rejected (a hang, caught). */
const HDF5_TIMEOUT_MS = 300;

/** A Keras .h5 model: HDF5 reading, the model_config mapping and the weight loading. */
export function fuzzKerasH5(bytes: Uint8Array, file = '<buffer>'): number {
  const { model } = kerasModelFromBytes(bytes, file, { timeoutMs: HDF5_TIMEOUT_MS });
  const n = model.countParams();
  model.dispose();
  return n;
}

/** loadModel's model.json: JSON limits, format checks, the layer registry and model building. */
export function fuzzModelJson(bytes: Uint8Array, file = '<buffer>'): number {
  const { model } = modelFromJson(bytes, file, { maxWeightValues: MAX_VALUES });
  const n = model.weights.length;
  model.dispose();
  return n;
}

/**
 * The ONNX exporter fed with whatever model a (mutated) model.json describes. The exporter's own refusals
 * (unsupported layers, unmappable options) are DeeptsErrors; they count as rejections here, reported as
 * FormatErrors of the file. Anything else (a TypeError, a RangeError) is a bug.
 */
export function fuzzOnnxExport(bytes: Uint8Array, file = '<buffer>'): number {
  const { model } = modelFromJson(bytes, file, { maxWeightValues: MAX_VALUES });
  try {
    return onnxBytes(model).length;
  } catch (e) {
    if (e instanceof DeeptsError && !(e instanceof FormatError)) throw new FormatError(file, `exportOnnx refused the model: ${e.message}`);
    throw e;
  } finally {
    model.dispose();
  }
}
