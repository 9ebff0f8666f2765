/**
 * The optimizer registry (Keras `keras.optimizers.get/serialize/deserialize`) and tfjs-style factories.
 * Names are matched ignoring case and underscores: 'adam', 'Adam', 'RMSprop', 'rmsprop', 'sgd', 'SGD'...
 */
import { ValueError } from '../core/errors.js';
import { Adagrad, type AdagradOptions } from './adagrad.js';
import { Adam, AdamW, type AdamOptions, type AdamWOptions } from './adam.js';
import { isPlainObject, registryKey } from './config.js';
import { Optimizer, optimizerOptionsFromConfig, type OptimizerConfig } from './optimizer.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

/** The JSON form of an optimizer: `{className, config}` (Keras' `{class_name, config}` is accepted too). */
export interface SerializedOptimizer {
  className: string;
  config: Partial<OptimizerConfig> & Record<string, unknown>;
}

type Create = (options: Record<string, unknown>) => Optimizer;
const registry = new Map<string, { name: string; create: Create }>();

/**
 * Registers an optimizer under `name` (a class name such as 'MyOptimizer', or an alias). `create` receives
 * constructor options (already converted from a config: camelCase keys, schedules deserialized).
 */
export function register(name: string, create: Create): void {
  registry.set(registryKey(name), { name, create });
}
register('SGD', (o) => new SGD(o as SGDOptions));
register('RMSprop', (o) => new RMSprop(o as RMSpropOptions));
register('Adam', (o) => new Adam(o as AdamOptions));
register('AdamW', (o) => new AdamW(o as AdamWOptions));
register('Adagrad', (o) => new Adagrad(o as AdagradOptions));
/** SGD with momentum 0.9 (tfjs `train.momentum`). */
register('momentum', (o) => new SGD({ momentum: 0.9, ...o } as SGDOptions));
/** SGD with Nesterov momentum 0.9. */
register('nesterov', (o) => new SGD({ momentum: 0.9, nesterov: true, ...o } as SGDOptions));

/** Registered names (class names and aliases). */
export function known(): string[] {
  return [...registry.values()].map((e) => e.name);
}

function lookup(name: string): Create {
  const entry = registry.get(registryKey(name));
  if (!entry) throw new ValueError(`unknown optimizer "${name}" (known: ${known().join(', ')})`);
  return entry.create;
}

export function serialize(optimizer: Optimizer): SerializedOptimizer {
  return { className: optimizer.className, config: optimizer.getConfig() };
}

/** Rebuilds an optimizer from `{className, config}` (ours or Keras' snake_case JSON). */
export function deserialize(serialized: SerializedOptimizer | Record<string, unknown>): Optimizer {
  if (!isPlainObject(serialized)) throw new ValueError(`optimizers.deserialize: expected {className, config}, received ${JSON.stringify(serialized)}`);
  const className = serialized.className ?? serialized.class_name;
  if (typeof className !== 'string') throw new ValueError(`optimizers.deserialize: missing className in ${JSON.stringify(serialized)}`);
  const create = lookup(className);
  return create(optimizerOptionsFromConfig(className, (serialized.config ?? {}) as Record<string, unknown>));
}

/**
 * An optimizer from a name with default hyperparameters ('adam', 'RMSprop', 'momentum'...), a
 * `{className, config}` object, or an instance (returned as is).
 */
export function get(identifier: string | Optimizer | SerializedOptimizer | Record<string, unknown>): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') return lookup(identifier)({});
  if (isPlainObject(identifier)) return deserialize(identifier);
  throw new ValueError(`optimizers.get: expected a name, {className, config} or an Optimizer, received ${String(identifier)} (known names: ${known().join(', ')})`);
}

// ---- tfjs-style factories: a learning rate or an options object ----

function opts<T extends object>(o: number | T | undefined): T {
  return (typeof o === 'number' ? { learningRate: o } : o ?? {}) as T;
}
export const sgd = (options?: number | SGDOptions): SGD => new SGD(opts(options));
/** SGD with momentum (default 0.9). */
export const momentum = (options?: number | SGDOptions): SGD => new SGD({ momentum: 0.9, ...opts<SGDOptions>(options) });
export const rmsprop = (options?: number | RMSpropOptions): RMSprop => new RMSprop(opts(options));
export const adam = (options?: number | AdamOptions): Adam => new Adam(opts(options));
export const adamw = (options?: number | AdamWOptions): AdamW => new AdamW(opts(options));
export const adagrad = (options?: number | AdagradOptions): Adagrad => new Adagrad(opts(options));
