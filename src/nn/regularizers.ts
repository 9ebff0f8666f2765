/**
 * Weight regularizers with Keras 3 names and defaults: `call(weight)` is a differentiable scalar penalty that
 * layers add to the training loss.
 */
import { isFloat } from '../core/dtype.js';
import { DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { eye, scalar } from '../ops/create.js';
import { abs, add, div, maximum, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { transpose } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { composite } from '../ops/util.js';
import { NameRegistry, type ObjectFactory, type ObjectSpec, type RegisterOptions } from './name-registry.js';

/** Anything with `call(weight) -> scalar penalty`: built-in regularizers and user objects alike. */
export interface RegularizerLike {
  call(weight: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
  className?: string;
}

/** `{className, config}`, the JSON form of a regularizer. */
export type RegularizerSpec = ObjectSpec;

export type RegularizerId = string | RegularizerLike | RegularizerSpec;

/** Keras's validate_float_arg: a finite, non-negative number. */
function factor(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(`${op}: ${name} must be a non-negative finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function floatWeight(op: string, w: Tensor): void {
  if (!isFloat(w.dtype)) throw new DTypeError(`${op}: the weight must be float32 or float64, got ${w.dtype} ${fmtShape(w.shape)}`);
}

export abstract class Regularizer implements RegularizerLike {
  /** Keras class name, used by serialization */
  abstract readonly className: string;
  /** The scalar penalty for one weight (same dtype as the weight). */
  abstract call(weight: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
}

/** l1 * sum(|w|) + l2 * sum(w^2); a term with a zero factor is left out (Keras L1L2, defaults 0 and 0). */
export class L1L2 extends Regularizer {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(options: { l1?: number; l2?: number } = {}) {
    super();
    this.l1 = factor(this.constructor.name, 'l1', options.l1 ?? 0);
    this.l2 = factor(this.constructor.name, 'l2', options.l2 ?? 0);
  }
  call(weight: Tensor): Tensor {
    floatWeight(this.className, weight);
    return composite([weight], () => {
      let r: Tensor | null = null;
      if (this.l1) r = mul(sum(abs(weight)), this.l1);
      if (this.l2) {
        const t = mul(sum(square(weight)), this.l2);
        r = r ? add(r, t) : t;
      }
      return r ?? scalar(0, weight.dtype);
    });
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** l1 * sum(|w|); Keras default l1 = 0.01. */
export class L1 extends L1L2 {
  override readonly className = 'L1';
  constructor(options: { l1?: number } | number = {}) {
    super({ l1: typeof options === 'number' ? options : options.l1 ?? 0.01 });
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** l2 * sum(w^2); Keras default l2 = 0.01. */
export class L2 extends L1L2 {
  override readonly className = 'L2';
  constructor(options: { l2?: number } | number = {}) {
    super({ l2: typeof options === 'number' ? options : options.l2 ?? 0.01 });
  }
  override getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/**
 * Keras OrthogonalRegularizer: pushes the rows (mode 'rows') or columns ('columns') of a 2-D weight towards
 * orthogonality: factor * mean over pairs of |cos(angle)| between distinct L2-normalized rows/columns.
 */
export class OrthogonalRegularizer extends Regularizer {
  readonly className = 'OrthogonalRegularizer';
  readonly factor: number;
  readonly mode: 'rows' | 'columns';
  constructor(options: { factor?: number; mode?: 'rows' | 'columns' } = {}) {
    super();
    this.factor = factor('OrthogonalRegularizer', 'factor', options.factor ?? 0.01);
    const mode = options.mode ?? 'rows';
    if (mode !== 'rows' && mode !== 'columns') throw new ValueError(`OrthogonalRegularizer: mode must be 'rows' or 'columns', got ${JSON.stringify(mode)}`);
    this.mode = mode;
  }
  call(weight: Tensor): Tensor {
    floatWeight(this.className, weight);
    if (weight.rank !== 2) throw new ShapeError(`OrthogonalRegularizer: the weight must be 2-D, got ${fmtShape(weight.shape)}`);
    return composite([weight], () => {
      const x = this.mode === 'rows' ? weight : transpose(weight);
      const n = x.shape[0];
      if (n < 2) return scalar(0, weight.dtype);
      // Keras normalize(x, axis=-1): x / sqrt(max(sum(x^2), 1e-12))
      const unit = div(x, sqrt(maximum(sum(square(x), -1, true), 1e-12)));
      const gram = matmul(unit, transpose(unit));
      const off = mul(gram, sub(1, eye(n, n, weight.dtype)));
      return div(mul(sum(abs(off)), 0.5 * this.factor), (n * (n - 1)) / 2);
    });
  }
  getConfig(): Record<string, unknown> {
    return { factor: this.factor, mode: this.mode };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// factories

/** `l1()` (0.01), `l1(0.001)` */
export const l1 = (value = 0.01): L1 => new L1({ l1: value });
/** `l2()` (0.01), `l2(0.001)` */
export const l2 = (value = 0.01): L2 => new L2({ l2: value });
/** `l1l2({l1: 0.01, l2: 0.01})`; missing factors are 0 (Keras 3 defaults). */
export const l1l2 = (options: { l1?: number; l2?: number } = {}): L1L2 => new L1L2(options);
export const orthogonalRegularizer = (options: { factor?: number; mode?: 'rows' | 'columns' } = {}): OrthogonalRegularizer =>
  new OrthogonalRegularizer(options);

// ---------------------------------------------------------------------------------------------------------------
// registry

const registry = new NameRegistry<RegularizerLike>({ kind: 'regularizer' }, [
  { className: 'L1', name: 'l1', aliases: [], configKeys: ['l1'], make: (c) => new L1(c) },
  { className: 'L2', name: 'l2', aliases: [], configKeys: ['l2'], make: (c) => new L2(c) },
  { className: 'L1L2', name: 'l1l2', aliases: ['l1_l2'], configKeys: ['l1', 'l2'], make: (c) => new L1L2(c) },
  { className: 'OrthogonalRegularizer', name: 'orthogonalRegularizer', aliases: [], configKeys: ['factor', 'mode'], make: (c) => new OrthogonalRegularizer(c) },
]);

export function regularizerNames(): string[] {
  return registry.names();
}

/** Registers a custom regularizer class so names and `{className, config}` find it. */
export function registerRegularizer(className: string, make: ObjectFactory<RegularizerLike>, options: RegisterOptions = {}): void {
  registry.register(className, make, options);
}

/**
 * A regularizer from a name ('l1', 'l2', 'l1_l2', 'L1L2', 'orthogonal_regularizer'), a `{className, config}`
 * object or a regularizer object (returned as is). Unknown names throw a ValueError listing the known ones.
 */
export function getRegularizer(identifier: RegularizerId): RegularizerLike {
  if (typeof (identifier as RegularizerLike | null)?.call === 'function') return identifier as RegularizerLike;
  return registry.fromIdentifier(identifier, 'getRegularizer: expected a name, a {className, config} object or a regularizer');
}

export function deserializeRegularizer(spec: RegularizerSpec): RegularizerLike {
  return registry.fromSpec(spec);
}

export function serializeRegularizer(reg: RegularizerLike): RegularizerSpec {
  return registry.serialize(reg);
}

/** The registry as one object: `regularizers.get('l2')`, `regularizers.l1l2({l1: 1e-5, l2: 1e-4})`. */
export const regularizers = {
  get: getRegularizer,
  serialize: serializeRegularizer,
  deserialize: deserializeRegularizer,
  register: registerRegularizer,
  names: regularizerNames,
  l1, l2, l1l2, orthogonalRegularizer,
  Regularizer, L1, L2, L1L2, OrthogonalRegularizer,
};
