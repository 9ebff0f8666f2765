import type { UpdateHyper, UpdateKind } from '../backends/backend.js';
import { checkBoolean, checkNumber } from './config.js';
import { Optimizer, type OptimizerOptions, type SlotSpec } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Default 0 (plain gradient descent). In [0, 1]. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Gradient descent with optional (Nesterov) momentum — Keras 3 `SGD`, default learning rate 0.01.
 *  - momentum 0: `p -= lr * g`
 *  - momentum m: `v = m * v - lr * g; p += v` (nesterov: `p += m * v - lr * g`), slot `momentum` (v), from 0.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(options: SGDOptions = {}) {
    super('SGD', options, { learningRate: 0.01, name: 'SGD' }, ['momentum', 'nesterov']);
    this.momentum = checkNumber('SGD', 'momentum', options.momentum ?? 0, { min: 0, max: 1 });
    this.nesterov = checkBoolean('SGD', 'nesterov', options.nesterov ?? false);
  }
  protected get updateKind(): UpdateKind {
    return this.momentum !== 0 ? 'momentum' : 'sgd';
  }
  protected slotSpecs(): SlotSpec[] {
    return this.momentum !== 0 ? [{ name: 'momentum', init: 0 }] : [];
  }
  protected stepHyper(): Omit<UpdateHyper, 'lr' | 'weightDecay'> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
  protected ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
