import type { UpdateHyper, UpdateKind } from '../backends/backend.js';
import { checkNumber } from './config.js';
import { Optimizer, type OptimizerOptions, type SlotSpec } from './optimizer.js';

export interface AdagradOptions extends OptimizerOptions {
  /** Starting value of the accumulator. Default 0.1, >= 0. */
  initialAccumulatorValue?: number;
  /** Default 1e-7, > 0. Added inside the square root. */
  epsilon?: number;
}

/**
 * Adagrad — Keras 3 `Adagrad`, default learning rate 0.001. Slot `accumulator` (acc), starting at
 * `initialAccumulatorValue`:  acc += g²;  p -= lr g / sqrt(acc + eps).
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(options: AdagradOptions = {}) {
    super('Adagrad', options, { learningRate: 0.001, name: 'adagrad' }, ['initialAccumulatorValue', 'epsilon']);
    this.initialAccumulatorValue = checkNumber('Adagrad', 'initialAccumulatorValue', options.initialAccumulatorValue ?? 0.1, { min: 0 });
    this.epsilon = checkNumber('Adagrad', 'epsilon', options.epsilon ?? 1e-7, { min: 0, minExclusive: true });
  }
  protected get updateKind(): UpdateKind {
    return 'adagrad';
  }
  protected slotSpecs(): SlotSpec[] {
    return [{ name: 'accumulator', init: this.initialAccumulatorValue }];
  }
  protected stepHyper(): Omit<UpdateHyper, 'lr' | 'weightDecay'> {
    return { epsilon: this.epsilon };
  }
  protected ownConfig(): Record<string, unknown> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
