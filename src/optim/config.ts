/** Small helpers shared by optimizers and schedules: option checks and Keras (snake_case) config keys. */
import { ValueError } from '../core/errors.js';

/** `learning_rate` -> `learningRate`, `beta_1` -> `beta1`; camelCase keys pass through. */
export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A copy of `config` with snake_case keys turned into camelCase (the Keras JSON spelling is accepted). */
export function camelConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[camelKey(k)] = v;
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
}

/** Throws on keys `where` does not know, listing the ones it does (catches `{lr: 0.1}` and config typos). */
export function checkKeys(where: string, options: object, known: readonly string[]): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new ValueError(`${where}: unknown option "${k}" (known: ${known.join(', ')})`);
  }
}

interface NumberRule {
  min?: number;
  max?: number;
  /** the bound is exclusive: value > min */
  minExclusive?: boolean;
  integer?: boolean;
}

/** A finite number within the rule's bounds, or a ValueError naming the option and the value received. */
export function checkNumber(where: string, name: string, value: unknown, rule: NumberRule = {}): number {
  const fail = (why: string): never => {
    throw new ValueError(`${where}: \`${name}\` must be ${why}, received ${JSON.stringify(value) ?? String(value)}`);
  };
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('a finite number');
  if (rule.integer && !Number.isInteger(value)) fail('an integer');
  if (rule.min !== undefined) {
    if (rule.minExclusive ? value <= rule.min : value < rule.min) fail(rule.minExclusive ? `> ${rule.min}` : `>= ${rule.min}`);
  }
  if (rule.max !== undefined && value > rule.max) fail(rule.max === 1 && rule.min === 0 ? 'in [0, 1]' : `<= ${rule.max}`);
  return value;
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValueError(`${where}: \`${name}\` must be a boolean, received ${JSON.stringify(value)}`);
  return value;
}

/** Normalized registry key: case and underscores ignored, so 'RMSprop', 'rmsprop' and 'rms_prop' all match. */
export function registryKey(name: string): string {
  return name.toLowerCase().replace(/_/g, '');
}
