/**
 * Learning-rate schedules (Keras 3 semantics): a schedule maps the optimizer step (`optimizer.iterations`, the
 * number of updates already applied, so the first update uses step 0) to a learning rate. Values are computed in
 * float64 JS; Keras computes them in float32, so results agree to float32 precision.
 */
import { DeeptsError, ValueError } from '../core/errors.js';
import { camelConfig, checkBoolean, checkKeys, checkNumber, isPlainObject, registryKey } from './config.js';

export type ScheduleConfig = Record<string, unknown>;
/** The JSON form of a schedule: `{className, config}` (Keras' `{class_name, config}` is accepted too). */
export interface SerializedSchedule {
  className: string;
  config: ScheduleConfig;
}

/** Base class: implement `call(step)` (and `getConfig()` plus a registry entry to be serializable). */
export abstract class LearningRateSchedule {
  /** The registered class name used in configs, e.g. 'ExponentialDecay'. */
  abstract readonly className: string;
  /** The learning rate at `step` (a non-negative number of completed updates). */
  abstract call(step: number): number;
  /**
   * The constructor's parameters in order, each also a property of the instance: `getConfig` reads them and
   * `configurable(Class)` rebuilds an instance from them. Empty for schedules that cannot be serialized.
   */
  static readonly params: readonly string[] = [];
  /** A JSON-compatible config from which `fromConfig` rebuilds the same schedule. */
  getConfig(): ScheduleConfig {
    const params = (this.constructor as typeof LearningRateSchedule).params;
    if (params.length === 0) throw new DeeptsError(`learning-rate schedule ${this.className} does not implement getConfig(), so it cannot be serialized`);
    const self = this as unknown as Record<string, unknown>;
    return Object.fromEntries(params.map((k) => [k, Array.isArray(self[k]) ? (self[k] as unknown[]).slice() : self[k]]));
  }
  /** Rebuilds a schedule from `getConfig()`'s output (snake_case keys accepted); missing optional values take their defaults. */
  static fromConfig<T extends LearningRateSchedule>(this: (new (...args: never[]) => T) & { params: readonly string[] }, config: ScheduleConfig): T {
    if (this.params.length === 0) throw new DeeptsError(`learning-rate schedule ${this.name} cannot be built from a config`);
    const c = prepare(this.name, config, this.params);
    return new this(...(this.params.map((k) => c[k] ?? undefined) as never[]));
  }
  toString(): string {
    return `${this.className}(${JSON.stringify(this.getConfig())})`;
  }
}

function checkStep(name: string, step: number): number {
  if (typeof step !== 'number' || Number.isNaN(step) || step < 0) throw new ValueError(`${name}: the step must be a number >= 0, received ${step}`);
  return step;
}

/**
 * The shared form of ExponentialDecay and InverseTimeDecay: a function of p = step / decaySteps, floored with
 * `staircase`.
 */
abstract class StepFractionDecay extends LearningRateSchedule {
  static override readonly params = ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'];
  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly decayRate: number,
    readonly staircase = false,
    readonly name: string = new.target.name,
  ) {
    super();
    const where = new.target.name;
    checkNumber(where, 'initialLearningRate', initialLearningRate);
    checkNumber(where, 'decaySteps', decaySteps, { min: 0, minExclusive: true });
    checkNumber(where, 'decayRate', decayRate);
    checkBoolean(where, 'staircase', staircase);
  }
  protected abstract decayed(p: number): number;
  call(step: number): number {
    checkStep(this.className, step);
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.decayed(p);
  }
}

/** `initial * decayRate^(step / decaySteps)`; with `staircase`, the exponent is floored. */
export class ExponentialDecay extends StepFractionDecay {
  readonly className: string = 'ExponentialDecay';
  protected decayed(p: number): number {
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }
}

/**
 * `values[0]` while `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`, and
 * `values[last]` after the last boundary. `values` has one more entry than `boundaries`.
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className: string = 'PiecewiseConstantDecay';
  static override readonly params = ['boundaries', 'values', 'name'];
  readonly boundaries: readonly number[];
  readonly values: readonly number[];
  constructor(
    boundaries: readonly number[],
    values: readonly number[],
    readonly name = 'PiecewiseConstant',
  ) {
    super();
    if (!Array.isArray(boundaries) || !Array.isArray(values)) throw new ValueError('PiecewiseConstantDecay: `boundaries` and `values` must be arrays of numbers');
    if (boundaries.length !== values.length - 1) {
      throw new ValueError(
        `PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values; received boundaries=${JSON.stringify(boundaries)} of length ${boundaries.length} and values=${JSON.stringify(values)} of length ${values.length}`,
      );
    }
    boundaries.forEach((b, i) => {
      checkNumber('PiecewiseConstantDecay', `boundaries[${i}]`, b);
      if (i > 0 && b <= boundaries[i - 1]) throw new ValueError(`PiecewiseConstantDecay: boundaries must be strictly increasing, received ${JSON.stringify(boundaries)}`);
    });
    values.forEach((v, i) => checkNumber('PiecewiseConstantDecay', `values[${i}]`, v));
    this.boundaries = boundaries.slice();
    this.values = values.slice();
  }
  call(step: number): number {
    checkStep(this.className, step);
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]) return this.values[i];
    return this.values[this.values.length - 1];
  }
}

/**
 * Step decay (PyTorch's StepLR): `initial * gamma^floor(step / stepSize)` — the learning rate is multiplied by
 * `gamma` every `stepSize` steps. Same values as `ExponentialDecay(initial, stepSize, gamma, true)`.
 */
export class StepDecay extends LearningRateSchedule {
  readonly className: string = 'StepDecay';
  static override readonly params = ['initialLearningRate', 'stepSize', 'gamma', 'name'];
  constructor(
    readonly initialLearningRate: number,
    readonly stepSize: number,
    readonly gamma = 0.1,
    readonly name = 'StepDecay',
  ) {
    super();
    checkNumber('StepDecay', 'initialLearningRate', initialLearningRate);
    checkNumber('StepDecay', 'stepSize', stepSize, { min: 0, minExclusive: true });
    checkNumber('StepDecay', 'gamma', gamma);
  }
  call(step: number): number {
    checkStep(this.className, step);
    return this.initialLearningRate * Math.pow(this.gamma, Math.floor(step / this.stepSize));
  }
}

/** `initial / (1 + decayRate * step / decaySteps)`; with `staircase`, `step / decaySteps` is floored. */
export class InverseTimeDecay extends StepFractionDecay {
  readonly className: string = 'InverseTimeDecay';
  protected decayed(p: number): number {
    return this.initialLearningRate / (1 + this.decayRate * p);
  }
}

/**
 * Cosine decay with optional linear warm-up (Keras 3). Without `warmupTarget`:
 * `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)`.
 * With `warmupTarget`: for `step < warmupSteps` the rate rises linearly,
 * `initial + (warmupTarget - initial) * step / warmupSteps`; afterwards the cosine decay above runs from
 * `warmupTarget` over the next `decaySteps` steps (ending at `warmupTarget * alpha`).
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className: string = 'CosineDecay';
  static override readonly params = ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name'];
  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly alpha = 0,
    readonly warmupTarget: number | null = null,
    readonly warmupSteps = 0,
    readonly name = 'CosineDecay',
  ) {
    super();
    checkNumber('CosineDecay', 'initialLearningRate', initialLearningRate);
    checkNumber('CosineDecay', 'decaySteps', decaySteps, { min: 0, minExclusive: true });
    checkNumber('CosineDecay', 'alpha', alpha);
    if (warmupTarget !== null) checkNumber('CosineDecay', 'warmupTarget', warmupTarget);
    checkNumber('CosineDecay', 'warmupSteps', warmupSteps, { min: 0 });
  }
  private decay(step: number, from: number): number {
    const cosineDecayed = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
  call(step: number): number {
    checkStep(this.className, step);
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }
}

/**
 * Cosine decay with warm restarts (SGDR, Keras `CosineDecayRestarts`): the multiplier decays from 1 to `alpha`
 * over `firstDecaySteps`, then restarts; each period is `tMul` times longer and starts `mMul` times lower.
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className: string = 'CosineDecayRestarts';
  static override readonly params = ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha', 'name'];
  constructor(
    readonly initialLearningRate: number,
    readonly firstDecaySteps: number,
    readonly tMul = 2,
    readonly mMul = 1,
    readonly alpha = 0,
    readonly name = 'SGDRDecay',
  ) {
    super();
    checkNumber('CosineDecayRestarts', 'initialLearningRate', initialLearningRate);
    checkNumber('CosineDecayRestarts', 'firstDecaySteps', firstDecaySteps, { min: 0, minExclusive: true });
    checkNumber('CosineDecayRestarts', 'tMul', tMul, { min: 0, minExclusive: true });
    checkNumber('CosineDecayRestarts', 'mMul', mMul);
    checkNumber('CosineDecayRestarts', 'alpha', alpha);
  }
  call(step: number): number {
    checkStep(this.className, step);
    let fraction = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      restart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const sumR = (1 - Math.pow(this.tMul, restart)) / (1 - this.tMul);
      fraction = (fraction - sumR) / Math.pow(this.tMul, restart);
    }
    const cosineDecayed = 0.5 * Math.pow(this.mMul, restart) * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
}

/**
 * `(initial - end) * (1 - step / decaySteps)^power + end`, with `step` capped at `decaySteps`. With `cycle`,
 * `decaySteps` is instead stretched to the first multiple of itself that is >= step (1x at step 0).
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className: string = 'PolynomialDecay';
  static override readonly params = ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name'];
  constructor(
    readonly initialLearningRate: number,
    readonly decaySteps: number,
    readonly endLearningRate = 0.0001,
    readonly power = 1,
    readonly cycle = false,
    readonly name = 'PolynomialDecay',
  ) {
    super();
    checkNumber('PolynomialDecay', 'initialLearningRate', initialLearningRate);
    checkNumber('PolynomialDecay', 'decaySteps', decaySteps, { min: 0, minExclusive: true });
    checkNumber('PolynomialDecay', 'endLearningRate', endLearningRate);
    checkNumber('PolynomialDecay', 'power', power);
    checkBoolean('PolynomialDecay', 'cycle', cycle);
  }
  call(step: number): number {
    checkStep(this.className, step);
    let s = step;
    let decaySteps = this.decaySteps;
    if (this.cycle) decaySteps *= s === 0 ? 1 : Math.ceil(s / this.decaySteps);
    else s = Math.min(s, decaySteps);
    const p = s / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - p, this.power) + this.endLearningRate;
  }
}

/** Wraps a plain `(step) => lr` function (what `learningRate: (step) => ...` becomes). Not serializable. */
export class FunctionSchedule extends LearningRateSchedule {
  readonly className: string = 'FunctionSchedule';
  constructor(readonly fn: (step: number) => number) {
    super();
    if (typeof fn !== 'function') throw new ValueError('FunctionSchedule: expected a function (step) => learning rate');
  }
  call(step: number): number {
    const lr = this.fn(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new ValueError(`learning-rate function returned ${String(lr)} at step ${step}, expected a finite number`);
    return lr;
  }
  override toString(): string {
    return 'FunctionSchedule(<function>)';
  }
}

function prepare(where: string, config: ScheduleConfig, keys: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(config)) throw new ValueError(`${where}.fromConfig: expected a config object, received ${JSON.stringify(config)}`);
  const c = camelConfig(config);
  checkKeys(`${where}.fromConfig`, c, keys);
  if (c.name === null) delete c.name;
  return c;
}

// ---- registry ----

type ScheduleFactory = (config: ScheduleConfig) => LearningRateSchedule;
const registry = new Map<string, { className: string; fromConfig: ScheduleFactory }>();

/** Registers a schedule class (or factory) under its class name so `deserialize`/`get` can rebuild it. */
export function register(className: string, fromConfig: ScheduleFactory): void {
  registry.set(registryKey(className), { className, fromConfig });
}
register('ExponentialDecay', (config) => ExponentialDecay.fromConfig(config));
register('PiecewiseConstantDecay', (config) => PiecewiseConstantDecay.fromConfig(config));
register('StepDecay', (config) => StepDecay.fromConfig(config));
register('InverseTimeDecay', (config) => InverseTimeDecay.fromConfig(config));
register('CosineDecay', (config) => CosineDecay.fromConfig(config));
register('CosineDecayRestarts', (config) => CosineDecayRestarts.fromConfig(config));
register('PolynomialDecay', (config) => PolynomialDecay.fromConfig(config));

/** The registered schedule class names. */
export function known(): string[] {
  return [...registry.values()].map((e) => e.className);
}

export function serialize(schedule: LearningRateSchedule): SerializedSchedule {
  return { className: schedule.className, config: schedule.getConfig() };
}

/** Rebuilds a schedule from `{className, config}` (or Keras' `{class_name, config, module, registered_name}`). */
export function deserialize(serialized: SerializedSchedule | Record<string, unknown>): LearningRateSchedule {
  if (!isPlainObject(serialized)) throw new ValueError(`schedules.deserialize: expected {className, config}, received ${JSON.stringify(serialized)}`);
  const className = (serialized.className ?? serialized.class_name) as unknown;
  if (typeof className !== 'string') throw new ValueError(`schedules.deserialize: missing className in ${JSON.stringify(serialized)}`);
  const entry = registry.get(registryKey(className));
  if (!entry) throw new ValueError(`unknown learning-rate schedule "${className}" (known: ${known().join(', ')})`);
  const config = serialized.config ?? {};
  return entry.fromConfig(config as ScheduleConfig);
}

/** A schedule from an instance (returned as is), a `{className, config}` object or a plain function. */
export function get(identifier: LearningRateSchedule | SerializedSchedule | Record<string, unknown> | ((step: number) => number)): LearningRateSchedule {
  if (identifier instanceof LearningRateSchedule) return identifier;
  if (typeof identifier === 'function') return new FunctionSchedule(identifier);
  if (typeof identifier === 'string') {
    throw new ValueError(`schedules.get: a schedule needs its parameters; pass {className: "${identifier}", config: {...}} (known: ${known().join(', ')})`);
  }
  return deserialize(identifier);
}
