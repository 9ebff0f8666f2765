/** deepts public API. This file only re-exports. */
import { registerBackend } from './core/engine.js';
import { setTensorCheck } from './core/memory.js';
import { Tensor } from './core/tensor.js';
import { cpuBackend } from './backends/cpu/index.js';
import './ops/methods.js';

registerBackend(cpuBackend);
setTensorCheck((v): v is Tensor => v instanceof Tensor);

export { Tensor } from './core/tensor.js';
export type { NestedArray, TensorLike } from './core/tensor.js';
export type { DType, DataArray } from './core/dtype.js';
export { DeeptsError, ShapeError, DTypeError, ValueError, FormatError } from './core/errors.js';
export { getBackend, setBackend, listBackends, withBackend, registerBackend, noGrad, enableGrad, isGradEnabled, detach } from './core/engine.js';
export { scope, scope as tidy, keep, memory as memoryManager } from './core/memory.js';
export { memoryInfo as memory } from './core/memory-info.js';
export { seed, getRngState, setRngState } from './core/random.js';
export { variable } from './core/variable.js';
export * from './ops/create.js';
export * from './ops/elementwise.js';
export * from './ops/movement.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export * from './ops/nn.js';
export { backward, gradients, grad, valueAndGrad, GradientTape } from './autograd/backward.js';
export { numericalGrad, gradCheck } from './autograd/gradcheck.js';
export type { GradCheckResult, GradCheckInput } from './autograd/gradcheck.js';
