import type { UpdateHyper, UpdateKind } from '../backends/backend.js';
import { ValueError } from '../core/errors.js';
import { checkBoolean, checkNumber } from './config.js';
import { Optimizer, type OptimizerOptions, type SlotSpec } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate. Default 0.9, in [0, 1]. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999, in [0, 1]. */
  beta2?: number;
  /** Default 1e-7, > 0 ("epsilon hat": added to sqrt(v)). */
  epsilon?: number;
  /** AMSGrad: divide by the running maximum of v (adds the slot `velocity_hat`). Default false. */
  amsgrad?: boolean;
}

const ADAM_KEYS = ['beta1', 'beta2', 'epsilon', 'amsgrad'];

/**
 * Adam — Keras 3 `Adam`, default learning rate 0.001. Slots `momentum` (m) and `velocity` (v) from 0 (plus
 * `velocity_hat` with amsgrad). At step t = iterations + 1:
 *   alpha = lr sqrt(1 - beta2^t) / (1 - beta1^t);  m += (g - m)(1 - beta1);  v += (g² - v)(1 - beta2)
 *   amsgrad: vhat = max(vhat, v), used for v;  p -= alpha m / (sqrt(v) + eps)
 * With `weightDecay` set it is AdamW (decoupled decay `p -= lr wd p` first).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  /** @param className internal: 'AdamW' for the subclass (names the class in configs and errors) */
  constructor(options: AdamOptions = {}, className = 'Adam') {
    super(className, options, { learningRate: 0.001, name: className.toLowerCase() }, ADAM_KEYS);
    [this.beta1, this.beta2, this.epsilon, this.amsgrad] = adamParams(className, options);
  }
  protected get updateKind(): UpdateKind {
    return 'adam';
  }
  protected slotSpecs(): SlotSpec[] {
    const specs: SlotSpec[] = [
      { name: 'momentum', init: 0 },
      { name: 'velocity', init: 0 },
    ];
    if (this.amsgrad) specs.push({ name: 'velocity_hat', init: 0 });
    return specs;
  }
  protected stepHyper(): Omit<UpdateHyper, 'lr' | 'weightDecay'> {
    const t = this.iterations + 1;
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: this.amsgrad,
      biasCorrection1: 1 - Math.pow(this.beta1, t),
      biasCorrection2: 1 - Math.pow(this.beta2, t),
    };
  }
  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

function adamParams(where: string, o: AdamOptions): [number, number, number, boolean] {
  return [
    checkNumber(where, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1 }),
    checkNumber(where, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1 }),
    checkNumber(where, 'epsilon', o.epsilon ?? 1e-7, { min: 0, minExclusive: true }),
    checkBoolean(where, 'amsgrad', o.amsgrad ?? false),
  ];
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay. Default 0.004 (Keras); must be a number. */
  weightDecay?: number;
}

/** AdamW — Keras 3 `AdamW`: Adam with decoupled weight decay, default `weightDecay` 0.004. */
export class AdamW extends Adam {
  constructor(options: AdamWOptions = {}) {
    if (options !== null && typeof options === 'object' && options.weightDecay === null) {
      throw new ValueError('AdamW: `weightDecay` must be a number, received null');
    }
    super({ ...options, weightDecay: options.weightDecay ?? 0.004 }, 'AdamW');
  }
}
