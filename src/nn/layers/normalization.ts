/** BatchNormalization (Keras 3 semantics: momentum 0.99, epsilon 1e-3, biased batch variance). */
import { ShapeError, ValueError } from '../../core/errors.js';
import { noGrad } from '../../core/engine.js';
import { assign } from '../../core/assign.js';
import { normalizeAxis } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../ops/elementwise.js';
import { cast, narrow, reshape, stack } from '../../ops/movement.js';
import { batchNorm, moments } from '../../ops/nn.js';
import { Layer, type CallOptions, type LayerConfig, type WeightInitializer, type WeightRegularizer } from '../layer.js';
import { fmtLayerShape, type LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';
import { getInitializer, serializeInitializer, type InitializerId } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type RegularizerId } from '../regularizers.js';

export interface BatchNormalizationConfig extends LayerConfig {
  /** the feature (channel) axis; -1 for channels-last */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerId;
  gammaInitializer?: InitializerId;
  movingMeanInitializer?: InitializerId;
  movingVarianceInitializer?: InitializerId;
  betaRegularizer?: RegularizerId;
  gammaRegularizer?: RegularizerId;
  /**
   * Whether moving_mean/moving_variance count as parameters (Keras: true, the default). false follows PyTorch,
   * where running statistics are buffers: countParams leaves them out (torchvision's published counts).
   */
  countMovingStatistics?: boolean;
}

/**
 * Normalizes each feature with the batch's mean and variance in training (and updates moving averages),
 * with the moving averages in inference — and also when the layer is frozen (trainable = false), like Keras 3.
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly countMovingStatistics: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', WeightInitializer>;
  private readonly betaRegularizer?: WeightRegularizer;
  private readonly gammaRegularizer?: WeightRegularizer;
  gamma?: Tensor;
  beta?: Tensor;
  movingMean?: Tensor;
  movingVariance?: Tensor;
  private featureAxis = -1;

  constructor(config: BatchNormalizationConfig = {}) {
    super(config);
    this.axis = config.axis ?? -1;
    this.momentum = config.momentum ?? 0.99;
    this.epsilon = config.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) throw new ValueError(`batchNormalization: epsilon must be positive, got ${this.epsilon}`);
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    this.countMovingStatistics = config.countMovingStatistics ?? true;
    this.inits = {
      beta: getInitializer(config.betaInitializer ?? 'zeros'),
      gamma: getInitializer(config.gammaInitializer ?? 'ones'),
      movingMean: getInitializer(config.movingMeanInitializer ?? 'zeros'),
      movingVariance: getInitializer(config.movingVarianceInitializer ?? 'ones'),
    };
    this.betaRegularizer = config.betaRegularizer ? getRegularizer(config.betaRegularizer) : undefined;
    this.gammaRegularizer = config.gammaRegularizer ? getRegularizer(config.gammaRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    this.featureAxis = normalizeAxis(this.name, this.axis, s.length);
    const dim = s[this.featureAxis];
    if (dim === null) throw new ShapeError(`${this.name}: the feature axis ${this.axis} must have a known size, got ${fmtLayerShape(s)}`);
    if (this.scale) this.gamma = this.addWeight('gamma', [dim], this.inits.gamma, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', [dim], this.inits.beta, { regularizer: this.betaRegularizer });
    const buffer = !this.countMovingStatistics;
    this.movingMean = this.addWeight('moving_mean', [dim], this.inits.movingMean, { trainable: false, buffer });
    this.movingVariance = this.addWeight('moving_variance', [dim], this.inits.movingVariance, { trainable: false, buffer });
    super.build(inputShape);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const axis = normalizeAxis(this.name, this.axis, x.rank);
    const like = (t: Tensor | null | undefined): Tensor | null => (!t ? null : t.dtype !== x.dtype ? cast(t, x.dtype) : t);
    const useBatchStats = options.training === true && this.trainable;
    let stats: Tensor;
    if (useBatchStats) {
      stats = moments(x, axis);
      noGrad(() => {
        const batch = like(stats)!;
        const update = (moving: Tensor, row: number): void => {
          const value = reshape(narrow(batch, 0, row, 1), [-1]);
          assign(moving, add(mul(moving, this.momentum), mul(cast(value, moving.dtype), 1 - this.momentum)));
        };
        update(this.movingMean!, 0);
        update(this.movingVariance!, 1);
      });
    } else {
      stats = like(stack([this.movingMean!, this.movingVariance!]))!;
    }
    return batchNorm(x, stats, like(this.gamma), like(this.beta), { axis, epsilon: this.epsilon });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.inits.beta), gammaInitializer: serializeInitializer(this.inits.gamma),
      movingMeanInitializer: serializeInitializer(this.inits.movingMean),
      movingVarianceInitializer: serializeInitializer(this.inits.movingVariance),
      betaRegularizer: this.betaRegularizer ? serializeRegularizer(this.betaRegularizer) : null,
      gammaRegularizer: this.gammaRegularizer ? serializeRegularizer(this.gammaRegularizer) : null,
      ...(this.countMovingStatistics ? {} : { countMovingStatistics: false }),
    };
  }
}

registerLayer('BatchNormalization', (c) => new BatchNormalization(c as BatchNormalizationConfig));
