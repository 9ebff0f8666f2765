/**
 * The narrow interface every backend implements. A backend owns storage (a flat buffer of one dtype) and
 * runs kernels; it knows nothing about autograd, layers or training.
 */
import type { DataArray, DType } from '../core/dtype.js';
import type { KernelPrim, OutMeta, PrimParams } from '../core/primitives.js';
import type { Shape } from '../core/shape.js';

/** A flat buffer owned by a backend. Backends extend it with their own fields. */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** number of elements */
  readonly size: number;
}

/** What a kernel sees of a tensor: its storage plus the strided view into it (strides may be 0 or negative). */
export interface TensorView {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Computes one primitive into a new contiguous storage of shape/dtype `out` (already checked by the engine). */
export type Kernel<P extends KernelPrim> = (inputs: TensorView[], params: PrimParams[P], out: OutMeta) => Storage;
export type KernelTable = { [P in KernelPrim]: Kernel<P> };

/** In-place optimizer updates (no autograd): fused so a step makes few passes over memory. */
export interface UpdateKernels {
  /**
   * Applies one optimizer step to `param` in place. `grad` and `slots` are contiguous float storages of the
   * same size; `slots` (momentum, velocity, ...) are updated in place.
   */
  step(kind: UpdateKind, param: Storage, grad: Storage, slots: Storage[], h: UpdateHyper): void;
}
/**
 * Keras 3 semantics (weight decay is decoupled: p -= lr*wd*p before the update, for every kind):
 *  - sgd:      p -= lr*g
 *  - momentum: slots [v]; v = m*v - lr*g; p += v (nesterov: p += m*v - lr*g)
 *  - rmsprop:  slots [v, (mom if momentum>0), (avg if centered)]; v = rho*v + (1-rho)*g^2;
 *              denom = v (- avg^2 if centered) + eps; inc = lr*g/sqrt(denom); momentum: mom = m*mom + inc, p -= mom
 *  - adagrad:  slots [acc]; acc += g^2; p -= lr*g/sqrt(acc + eps)
 *  - adam:     slots [m, v, (vhat if amsgrad)]; m += (g-m)(1-b1); v += (g^2-v)(1-b2);
 *              amsgrad: vhat = max(vhat, v), used in place of v; p -= lr*sqrt(bc2)/bc1 * m/(sqrt(v)+eps)
 */
export type UpdateKind = 'sgd' | 'momentum' | 'rmsprop' | 'adagrad' | 'adam';
export interface UpdateHyper {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  centered?: boolean;
  rho?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** adam only: keep the running maximum of v in a third slot and divide by it (Keras `amsgrad=True`) */
  amsgrad?: boolean;
  /** 1 - beta1^t and 1 - beta2^t, computed by the optimizer */
  biasCorrection1?: number;
  biasCorrection2?: number;
}

export interface Backend extends UpdateKernels {
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** New storage holding a copy of `data`. */
  upload(data: DataArray, dtype: DType): Storage;
  /** The view's elements in row-major order, as a fresh host array. */
  download(view: TensorView): DataArray;
  /** Overwrites the whole (contiguous) storage with `data` of the same length. */
  write(storage: Storage, data: DataArray): void;
  /** Copies `src` (a contiguous storage) into `dst` of the same size and dtype. */
  copyInto(dst: Storage, src: Storage): void;
  free(storage: Storage): void;
  bytesInUse(): number;
  readonly kernels: KernelTable;
}
