import type { UpdateHyper, UpdateKind } from '../backends/backend.js';
import { checkBoolean, checkNumber } from './config.js';
import { Optimizer, type OptimizerOptions, type SlotSpec } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Discount of the running mean of g². Default 0.9, in [0, 1]. */
  rho?: number;
  /** Default 0 (no momentum slot). In [0, 1]. */
  momentum?: number;
  /** Default 1e-7, > 0. Added inside the square root (Keras), not outside (PyTorch). */
  epsilon?: number;
  /** Normalize by the estimated variance (subtracts the squared running mean of g). Default false. */
  centered?: boolean;
}

/**
 * RMSprop — Keras 3 `RMSprop`, default learning rate 0.001. Slots: `velocity` (v), `momentum` (if momentum > 0),
 * `average_gradient` (if centered), all from 0:
 *   v = rho v + (1 - rho) g²;  centered: a = rho a + (1 - rho) g, denom = v - a² + eps, else denom = v + eps
 *   inc = lr g / sqrt(denom);  momentum > 0: mom = momentum mom + inc, p -= mom;  else p -= inc.
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(options: RMSpropOptions = {}) {
    super('RMSprop', options, { learningRate: 0.001, name: 'rmsprop' }, ['rho', 'momentum', 'epsilon', 'centered']);
    this.rho = checkNumber('RMSprop', 'rho', options.rho ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkNumber('RMSprop', 'momentum', options.momentum ?? 0, { min: 0, max: 1 });
    this.epsilon = checkNumber('RMSprop', 'epsilon', options.epsilon ?? 1e-7, { min: 0, minExclusive: true });
    this.centered = checkBoolean('RMSprop', 'centered', options.centered ?? false);
  }
  protected get updateKind(): UpdateKind {
    return 'rmsprop';
  }
  protected slotSpecs(): SlotSpec[] {
    const specs: SlotSpec[] = [{ name: 'velocity', init: 0 }];
    if (this.momentum > 0) specs.push({ name: 'momentum', init: 0 });
    if (this.centered) specs.push({ name: 'average_gradient', init: 0 });
    return specs;
  }
  protected stepHyper(): Omit<UpdateHyper, 'lr' | 'weightDecay'> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
