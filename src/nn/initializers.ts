/**
 * Weight initializers with Keras 3 names, defaults and formulas. Every random one draws from the global seeded
 * stream (core/random.ts), so `seed(n)` makes initial weights reproducible; a `seed` option instead draws from a
 * private stream seeded with it (the same values on every call, like a Keras initializer with an integer seed)
 * without disturbing the global one.
 */
import { checkDType, isFloat, type DType } from '../core/dtype.js';
import { DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { checkShape, fmtShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as rng from '../core/random.js';
import { full, tensor } from '../ops/create.js';
import { NameRegistry, registryKey, type ObjectFactory, type ObjectSpec, type RegisterOptions } from './name-registry.js';

/** Anything that makes an initial value: built-in initializers and user objects alike. */
export interface InitializerLike {
  init(shape: number[], dtype?: DType): Tensor;
  getConfig?(): Record<string, unknown>;
  className?: string;
}

/** `{className, config}`, the JSON form of an initializer. */
export type InitializerSpec = ObjectSpec;

export type InitializerId = string | InitializerLike | InitializerSpec;

/**
 * Keras's compute_fans: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 [in, out]; rank >= 3 (conv kernels
 * [...spatial, in, out]): receptive field size (product of the spatial dims) times in / out.
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Runs `fn` drawing from a private stream seeded with `seed` (the global stream is left where it was). */
function withSeed<T>(seed: number | null | undefined, fn: () => T): T {
  if (seed === undefined || seed === null) return fn();
  const saved = rng.getRngState();
  rng.seed(seed);
  try {
    return fn();
  } finally {
    rng.setRngState(saved);
  }
}

function checkSeed(op: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (!Number.isInteger(seed)) throw new ValueError(`${op}: seed must be an integer or null, got ${JSON.stringify(seed)}`);
  return seed as number;
}
function checkNumber(op: string, name: string, v: unknown, positive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
    throw new ValueError(`${op}: ${name} must be a ${positive ? 'positive' : 'finite'} number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export abstract class Initializer implements InitializerLike {
  /** Keras class name, used by serialization */
  abstract readonly className: string;
  /** A new tensor of `shape` (float32 unless `dtype` says otherwise). */
  init(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const s = checkShape(shape, this.className);
    const d = checkDType(dtype, this.className);
    return this.make(s, d);
  }
  protected abstract make(shape: number[], dtype: DType): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Base of the random initializers: float dtypes only, optional seed. */
abstract class RandomInitializer extends Initializer {
  readonly seed: number | null;
  constructor(seed: unknown) {
    super();
    this.seed = checkSeed(this.constructor.name, seed);
  }
  protected make(shape: number[], dtype: DType): Tensor {
    if (!isFloat(dtype)) throw new DTypeError(`${this.className}: random initial values need a float dtype, got ${dtype}`);
    const data = new Float64Array(sizeOf(shape));
    withSeed(this.seed, () => this.fill(data, shape));
    return tensor(data, { shape, dtype });
  }
  protected abstract fill(data: Float64Array, shape: number[]): void;
  override getConfig(): Record<string, unknown> {
    return { seed: this.seed };
  }
}

function fillNormal(data: Float64Array, mean: number, stddev: number): void {
  for (let i = 0; i < data.length; i++) data[i] = mean + stddev * rng.normal();
}
/** Normal values more than 2 standard deviations from the mean are drawn again (tf.random.truncated_normal). */
function fillTruncatedNormal(data: Float64Array, mean: number, stddev: number): void {
  for (let i = 0; i < data.length; i++) {
    let v = rng.normal();
    while (v > 2 || v < -2) v = rng.normal();
    data[i] = mean + stddev * v;
  }
}
function fillUniform(data: Float64Array, lo: number, hi: number): void {
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
}

// ---------------------------------------------------------------------------------------------------------------

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  protected make(shape: number[], dtype: DType): Tensor {
    return full(shape, 0, dtype);
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  protected make(shape: number[], dtype: DType): Tensor {
    return full(shape, 1, dtype);
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  readonly value: number;
  constructor(options: { value?: number } | number = {}) {
    super();
    this.value = checkNumber('Constant', 'value', typeof options === 'number' ? options : options.value ?? 0);
  }
  protected make(shape: number[], dtype: DType): Tensor {
    return full(shape, this.value, dtype);
  }
  override getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

export interface RandomNormalOptions {
  mean?: number;
  stddev?: number;
  seed?: number | null;
}
/** Normal(mean, stddev); Keras defaults mean 0, stddev 0.05. */
export class RandomNormal extends RandomInitializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(options: RandomNormalOptions = {}) {
    super(options.seed);
    this.mean = checkNumber(this.constructor.name, 'mean', options.mean ?? 0);
    this.stddev = checkNumber(this.constructor.name, 'stddev', options.stddev ?? 0.05);
    if (this.stddev < 0) throw new ValueError(`${this.constructor.name}: stddev must be non-negative, got ${this.stddev}`);
  }
  protected fill(data: Float64Array): void {
    fillNormal(data, this.mean, this.stddev);
  }
  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, ...super.getConfig() };
  }
}

/** Normal(mean, stddev) with values beyond 2 stddev redrawn; Keras defaults mean 0, stddev 0.05. */
export class TruncatedNormal extends RandomNormal {
  override readonly className = 'TruncatedNormal';
  protected override fill(data: Float64Array): void {
    fillTruncatedNormal(data, this.mean, this.stddev);
  }
}

export interface RandomUniformOptions {
  minval?: number;
  maxval?: number;
  seed?: number | null;
}
/** Uniform in [minval, maxval); Keras defaults -0.05, 0.05. */
export class RandomUniform extends RandomInitializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(options: RandomUniformOptions = {}) {
    super(options.seed);
    this.minval = checkNumber('RandomUniform', 'minval', options.minval ?? -0.05);
    this.maxval = checkNumber('RandomUniform', 'maxval', options.maxval ?? 0.05);
    if (this.maxval < this.minval) throw new ValueError(`RandomUniform: maxval (${this.maxval}) is below minval (${this.minval})`);
  }
  protected fill(data: Float64Array): void {
    fillUniform(data, this.minval, this.maxval);
  }
  override getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, ...super.getConfig() };
  }
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';
export interface VarianceScalingOptions {
  /** default 1 */
  scale?: number;
  /** default 'fanIn' (Keras snake_case 'fan_in' is accepted too) */
  mode?: FanMode | 'fan_in' | 'fan_out' | 'fan_avg';
  /** default 'truncatedNormal' ('truncated_normal', 'untruncated_normal', and 'normal' = truncated, accepted) */
  distribution?: Distribution | 'truncated_normal' | 'untruncated_normal' | 'normal';
  seed?: number | null;
}

/** 0.87962566103423978 = std of a standard normal truncated to [-2, 2]; dividing by it restores the variance. */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

function canonicalMode(m: unknown): FanMode {
  const k = typeof m === 'string' ? registryKey(m) : '';
  const found = (['fanIn', 'fanOut', 'fanAvg'] as const).find((x) => registryKey(x) === k);
  if (!found) throw new ValueError(`VarianceScaling: mode must be one of fanIn, fanOut, fanAvg, got ${JSON.stringify(m)}`);
  return found;
}
function canonicalDistribution(d: unknown): Distribution {
  const k = typeof d === 'string' ? registryKey(d) : '';
  if (k === 'normal' || k === 'truncatednormal') return 'truncatedNormal';
  if (k === 'untruncatednormal') return 'untruncatedNormal';
  if (k === 'uniform') return 'uniform';
  throw new ValueError(`VarianceScaling: distribution must be one of truncatedNormal, untruncatedNormal, uniform, got ${JSON.stringify(d)}`);
}

/**
 * Keras VarianceScaling: with n = fanIn, fanOut or (fanIn + fanOut) / 2 (at least 1) and v = scale / n,
 * truncatedNormal draws N(0, sqrt(v) / 0.8796...) truncated at 2 std (so the variance is v),
 * untruncatedNormal N(0, sqrt(v)), uniform U(-sqrt(3 v), sqrt(3 v)).
 */
export class VarianceScaling extends RandomInitializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(options: VarianceScalingOptions = {}) {
    super(options.seed);
    this.scale = checkNumber('VarianceScaling', 'scale', options.scale ?? 1, true);
    this.mode = canonicalMode(options.mode ?? 'fanIn');
    this.distribution = canonicalDistribution(options.distribution ?? 'truncatedNormal');
  }
  /** The variance scale / n for a shape. */
  variance(shape: readonly number[]): number {
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    return this.scale / Math.max(1, n);
  }
  protected fill(data: Float64Array, shape: number[]): void {
    const v = this.variance(shape);
    if (this.distribution === 'truncatedNormal') fillTruncatedNormal(data, 0, Math.sqrt(v) / TRUNCATED_NORMAL_STD);
    else if (this.distribution === 'untruncatedNormal') fillNormal(data, 0, Math.sqrt(v));
    else {
      const limit = Math.sqrt(3 * v);
      fillUniform(data, -limit, limit);
    }
  }
  override getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, ...super.getConfig() };
  }
}

/** A VarianceScaling preset: only `seed` is configurable (as in Keras). */
function preset(className: string, scale: number, mode: FanMode, distribution: Distribution): new (options?: { seed?: number | null }) => VarianceScaling {
  return class extends VarianceScaling {
    override readonly className = className;
    constructor(options: { seed?: number | null } = {}) {
      super({ scale, mode, distribution, seed: options.seed });
    }
    override getConfig(): Record<string, unknown> {
      return { seed: this.seed };
    }
  };
}
/** Xavier uniform: U(-limit, limit), limit = sqrt(6 / (fanIn + fanOut)). */
export const GlorotUniform = preset('GlorotUniform', 1, 'fanAvg', 'uniform');
/** Xavier normal: truncated normal with variance 2 / (fanIn + fanOut). */
export const GlorotNormal = preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal');
/** U(-limit, limit), limit = sqrt(6 / fanIn). */
export const HeUniform = preset('HeUniform', 2, 'fanIn', 'uniform');
/** Truncated normal with variance 2 / fanIn. */
export const HeNormal = preset('HeNormal', 2, 'fanIn', 'truncatedNormal');
/** U(-limit, limit), limit = sqrt(3 / fanIn). */
export const LecunUniform = preset('LecunUniform', 1, 'fanIn', 'uniform');
/** Truncated normal with variance 1 / fanIn. */
export const LecunNormal = preset('LecunNormal', 1, 'fanIn', 'truncatedNormal');

/**
 * Orthonormal rows or columns (Keras OrthogonalInitializer): a [max(r, c), min(r, c)] standard normal matrix is
 * QR-factored (Gram-Schmidt, twice for accuracy; R's diagonal positive, like Keras's sign fix) and Q (transposed
 * when there are fewer rows than columns) is reshaped to `shape` and scaled by `gain`. r = product of all but
 * the last dim, c = the last dim.
 */
export class Orthogonal extends RandomInitializer {
  readonly className = 'OrthogonalInitializer';
  readonly gain: number;
  constructor(options: { gain?: number; seed?: number | null } = {}) {
    super(options.seed);
    this.gain = checkNumber('Orthogonal', 'gain', options.gain ?? 1);
  }
  protected override make(shape: number[], dtype: DType): Tensor {
    if (shape.length < 2) throw new ShapeError(`Orthogonal: the shape must have rank >= 2, got ${fmtShape(shape)}`);
    return super.make(shape, dtype);
  }
  protected fill(data: Float64Array, shape: number[]): void {
    const rows = sizeOf(shape.slice(0, -1));
    const cols = shape[shape.length - 1];
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    if (n * m === 0) return;
    // q[j] = column j of the n x m matrix (drawn row-major, like Keras)
    const a = new Float64Array(n * m);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    const q: Float64Array[] = [];
    for (let j = 0; j < m; j++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = a[i * m + j];
      for (let pass = 0; pass < 2; pass++) {
        for (const u of q) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += u[i] * v[i];
          for (let i = 0; i < n; i++) v[i] -= dot * u[i];
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (!(norm > 1e-12)) throw new ValueError('Orthogonal: the random matrix is rank deficient; try again');
      for (let i = 0; i < n; i++) v[i] /= norm;
      q.push(v);
    }
    // rows >= cols: out[i, j] = q[j][i] (n x m); rows < cols: out = Q^T, out[i, j] = q[i][j] (m x n)
    if (rows >= cols) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = this.gain * q[j][i];
    else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = this.gain * q[i][j];
  }
  override getConfig(): Record<string, unknown> {
    return { gain: this.gain, ...super.getConfig() };
  }
}

/** gain * the identity matrix (rectangular allowed); 2-D shapes only (Keras IdentityInitializer). */
export class Identity extends Initializer {
  readonly className = 'IdentityInitializer';
  readonly gain: number;
  constructor(options: { gain?: number } = {}) {
    super();
    this.gain = checkNumber('Identity', 'gain', options.gain ?? 1);
  }
  protected make(shape: number[], dtype: DType): Tensor {
    if (shape.length !== 2) throw new ShapeError(`Identity: the identity initializer needs a 2-D shape, got ${fmtShape(shape)}`);
    const [r, c] = shape;
    const data = new Float64Array(r * c);
    for (let i = 0; i < Math.min(r, c); i++) data[i * c + i] = this.gain;
    return tensor(data, { shape, dtype });
  }
  override getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// factories

export const zeros = (): Zeros => new Zeros();
export const ones = (): Ones => new Ones();
export const constant = (value = 0): Constant => new Constant({ value });
export const randomNormal = (options: RandomNormalOptions = {}): RandomNormal => new RandomNormal(options);
export const randomUniform = (options: RandomUniformOptions = {}): RandomUniform => new RandomUniform(options);
export const truncatedNormal = (options: RandomNormalOptions = {}): TruncatedNormal => new TruncatedNormal(options);
export const varianceScaling = (options: VarianceScalingOptions = {}): VarianceScaling => new VarianceScaling(options);
export const glorotUniform = (options: { seed?: number | null } = {}): VarianceScaling => new GlorotUniform(options);
export const glorotNormal = (options: { seed?: number | null } = {}): VarianceScaling => new GlorotNormal(options);
export const heUniform = (options: { seed?: number | null } = {}): VarianceScaling => new HeUniform(options);
export const heNormal = (options: { seed?: number | null } = {}): VarianceScaling => new HeNormal(options);
export const lecunUniform = (options: { seed?: number | null } = {}): VarianceScaling => new LecunUniform(options);
export const lecunNormal = (options: { seed?: number | null } = {}): VarianceScaling => new LecunNormal(options);
export const orthogonal = (options: { gain?: number; seed?: number | null } = {}): Orthogonal => new Orthogonal(options);
export const identity = (options: { gain?: number } = {}): Identity => new Identity(options);

// ---------------------------------------------------------------------------------------------------------------
// registry

const SEED = ['seed'];
const registry = new NameRegistry<InitializerLike>({ kind: 'initializer', aliasesAsClassNames: true }, [
  { className: 'Zeros', name: 'zeros', aliases: ['zero'], configKeys: [], make: () => new Zeros() },
  { className: 'Ones', name: 'ones', aliases: ['one'], configKeys: [], make: () => new Ones() },
  { className: 'Constant', name: 'constant', aliases: [], configKeys: ['value'], make: (c) => new Constant(c) },
  { className: 'RandomNormal', name: 'randomNormal', aliases: ['normal'], configKeys: ['mean', 'stddev', 'seed'], make: (c) => new RandomNormal(c) },
  { className: 'RandomUniform', name: 'randomUniform', aliases: ['uniform'], configKeys: ['minval', 'maxval', 'seed'], make: (c) => new RandomUniform(c) },
  { className: 'TruncatedNormal', name: 'truncatedNormal', aliases: [], configKeys: ['mean', 'stddev', 'seed'], make: (c) => new TruncatedNormal(c) },
  {
    className: 'VarianceScaling', name: 'varianceScaling', aliases: [], configKeys: ['scale', 'mode', 'distribution', 'seed'],
    make: (c) => new VarianceScaling(c as VarianceScalingOptions),
  },
  { className: 'GlorotUniform', name: 'glorotUniform', aliases: ['xavierUniform'], configKeys: SEED, make: (c) => new GlorotUniform(c) },
  { className: 'GlorotNormal', name: 'glorotNormal', aliases: ['xavierNormal'], configKeys: SEED, make: (c) => new GlorotNormal(c) },
  { className: 'HeUniform', name: 'heUniform', aliases: [], configKeys: SEED, make: (c) => new HeUniform(c) },
  { className: 'HeNormal', name: 'heNormal', aliases: [], configKeys: SEED, make: (c) => new HeNormal(c) },
  { className: 'LecunUniform', name: 'lecunUniform', aliases: [], configKeys: SEED, make: (c) => new LecunUniform(c) },
  { className: 'LecunNormal', name: 'lecunNormal', aliases: [], configKeys: SEED, make: (c) => new LecunNormal(c) },
  { className: 'OrthogonalInitializer', name: 'orthogonal', aliases: ['Orthogonal'], configKeys: ['gain', 'seed'], make: (c) => new Orthogonal(c) },
  { className: 'IdentityInitializer', name: 'identity', aliases: ['Identity'], configKeys: ['gain'], make: (c) => new Identity(c) },
]);

export function initializerNames(): string[] {
  return registry.names();
}

/** Registers a custom initializer class so names and `{className, config}` find it. */
export function registerInitializer(className: string, make: ObjectFactory<InitializerLike>, options: RegisterOptions = {}): void {
  registry.register(className, make, options);
}

/**
 * An initializer from a name ('glorotUniform', 'glorot_uniform', 'GlorotUniform', 'he_normal', 'zeros'...), a
 * `{className, config}` object (Keras snake_case config keys accepted) or an initializer object (returned as is).
 * Unknown names throw a ValueError listing the known ones.
 */
export function getInitializer(identifier: InitializerId): InitializerLike {
  if (typeof (identifier as InitializerLike | null)?.init === 'function') return identifier as InitializerLike;
  return registry.fromIdentifier(identifier, 'getInitializer: expected a name, a {className, config} object or an initializer');
}

/** An initializer from `{className, config}`; Keras also accepts the aliases 'Orthogonal', 'Identity', 'zero'... here. */
export function deserializeInitializer(spec: InitializerSpec): InitializerLike {
  return registry.fromSpec(spec);
}

/** `{className, config}` of an initializer (user objects: their className/getConfig when they have them). */
export function serializeInitializer(init: InitializerLike): InitializerSpec {
  return registry.serialize(init);
}

/** The registry as one object: `initializers.get('heNormal')`, `initializers.glorotUniform()`. */
export const initializers = {
  get: getInitializer,
  serialize: serializeInitializer,
  deserialize: deserializeInitializer,
  register: registerInitializer,
  names: initializerNames,
  computeFans,
  zeros, ones, constant, randomNormal, randomUniform, truncatedNormal, varianceScaling, glorotUniform, glorotNormal,
  heUniform, heNormal, lecunUniform, lecunNormal, orthogonal, identity,
  Initializer, Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
  GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity,
};
