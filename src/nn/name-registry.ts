/**
 * The one name registry behind initializers, regularizers, metrics and losses (Keras `get/serialize/deserialize`):
 * built-in classes plus user-registered ones, found by any spelling of a name ('glorot_uniform', 'glorotUniform',
 * 'GlorotUniform') or alias ('mse'), and built from a name or from a `{className, config}` spec whose config keys
 * may be Keras snake_case. Each family keeps its own public functions (`getLoss`, `registerLoss`...) on top.
 */
import { ValueError } from '../core/errors.js';

/** 'sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy', 'SparseCategoricalCrossentropy' -> one key. */
export const registryKey = (name: string): string => name.toLowerCase().replace(/[_\-\s]/g, '');

/** `from_logits` -> `fromLogits`; camelCase keys pass through. */
const snakeToCamel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Config keys every family skips: Keras writes the object's dtype (policy) into initializer (TF 1.x / 2.x),
 * metric and loss configs, while deepts computes in the dtype of the tensors it is given.
 */
const IGNORED_CONFIG_KEYS: readonly string[] = ['dtype'];

/** `{className, config}`, the JSON form of a registered object. */
export interface ObjectSpec {
  className: string;
  config?: Record<string, unknown>;
}

/** Builds an object from a camelCase config; `context` is whatever the family's `get` passes along (metrics: the loss). */
export type ObjectFactory<T, Context = undefined> = (config: Record<string, unknown>, context?: Context) => T;

export interface RegistryEntry<T, Context = undefined> {
  /** the Keras class name a spec carries ('GlorotUniform') */
  className: string;
  /** the canonical camelCase name (what "unknown name" errors list) */
  name: string;
  /** other accepted names ('mse', 'xavierUniform') */
  aliases: readonly string[];
  /** the camelCase config keys the class accepts; any other key in a spec is an error (it is usually a typo) */
  configKeys: readonly string[];
  make: ObjectFactory<T, Context>;
}

export interface RegisterOptions {
  aliases?: string[];
  configKeys?: string[];
}

export interface NameRegistryOptions {
  /** the family's word in messages and function names: 'initializer' -> `registerInitializer`, "unknown initializer" */
  kind: string;
  /** the config keys of a registered class that names none (metrics: ['name']) */
  defaultConfigKeys?: readonly string[];
  /**
   * Whether a spec's className may be an alias too. Keras does so for initializers ('Orthogonal' and
   * 'OrthogonalInitializer', 'zero'...); for the other families a spec names the class itself.
   */
  aliasesAsClassNames?: boolean;
}

export class NameRegistry<T, Context = undefined> {
  private readonly custom = new Map<string, RegistryEntry<T, Context>>();
  private readonly kind: string;
  private readonly Kind: string;

  constructor(private readonly options: NameRegistryOptions, private readonly builtIns: readonly RegistryEntry<T, Context>[]) {
    this.kind = options.kind;
    this.Kind = options.kind[0].toUpperCase() + options.kind.slice(1);
  }

  /** The entry for any spelling of a class name, name or alias; registered classes are searched first. */
  find(name: string): RegistryEntry<T, Context> | undefined {
    const k = registryKey(name);
    for (const e of [...this.custom.values(), ...this.builtIns]) {
      if (registryKey(e.className) === k || registryKey(e.name) === k || e.aliases.some((a) => registryKey(a) === k)) return e;
    }
    return undefined;
  }

  /** Every accepted name: canonical names and aliases, built-ins first. */
  names(): string[] {
    return this.entries().flatMap((e) => [e.name, ...e.aliases]);
  }

  /** Registers a user class so names and `{className, config}` specs find it; built-in class names are refused. */
  register(className: string, make: ObjectFactory<T, Context>, options: RegisterOptions = {}): void {
    if (this.builtIns.some((e) => e.className === className)) throw new ValueError(`register${this.Kind}: "${className}" is a built-in ${this.kind}`);
    const configKeys = options.configKeys ?? this.options.defaultConfigKeys ?? [];
    this.custom.set(className, { className, name: className, aliases: options.aliases ?? [], configKeys, make });
  }

  /** A new object from a name; `config` (camelCase, trusted) goes to the factory as is. */
  fromName(name: string, config: Record<string, unknown> = {}, context?: Context): T {
    const e = this.find(name);
    if (!e) throw new ValueError(`unknown ${this.kind} "${name}" (known: ${this.names().join(', ')})`);
    return e.make(config, context);
  }

  /** A new object from `{className, config}`: snake_case keys become camelCase, 'dtype' is skipped, unknown keys throw. */
  fromSpec(spec: ObjectSpec, context?: Context): T {
    const e = this.findClass(spec.className);
    if (!e) throw new ValueError(`unknown ${this.kind} class "${spec.className}" (known: ${this.entries().map((x) => x.className).join(', ')})`);
    const raw = spec.config ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValueError(`${spec.className}: config must be an object`);
    return e.make(camelConfig(e, raw), context);
  }

  /**
   * The shared part of a family's `get`: a name or a `{className, config}` spec builds a new object; anything else
   * throws "`expected`, got ...". Callers first return what they take as is (instances, wrapped functions).
   */
  fromIdentifier(identifier: unknown, expected: string, context?: Context): T {
    if (typeof identifier === 'string') return this.fromName(identifier, {}, context);
    if (isSpec(identifier)) return this.fromSpec(identifier, context);
    throw new ValueError(`${expected}, got ${JSON.stringify(identifier)}`);
  }

  /** `{className, config}` of an object; user objects need a className (and `register`) to be loadable again. */
  serialize(obj: { className?: string; getConfig?(): Record<string, unknown> }): ObjectSpec {
    const className = obj.className ?? obj.constructor?.name;
    if (!className || className === 'Object') {
      throw new ValueError(`serialize${this.Kind}: a custom ${this.kind} needs a className (and register${this.Kind}) to be saved`);
    }
    return { className, config: obj.getConfig ? obj.getConfig() : {} };
  }

  private entries(): RegistryEntry<T, Context>[] {
    return [...this.builtIns, ...this.custom.values()];
  }

  /** The entry a spec's className names: its class name, or (where the family allows it) an alias. */
  private findClass(className: string): RegistryEntry<T, Context> | undefined {
    const e = this.find(className);
    const k = registryKey(className);
    const namesClass = (x: RegistryEntry<T, Context>): boolean =>
      registryKey(x.className) === k || (this.options.aliasesAsClassNames === true && x.aliases.some((a) => registryKey(a) === k));
    return e && namesClass(e) ? e : undefined;
  }
}

function isSpec(x: unknown): x is ObjectSpec {
  return typeof x === 'object' && x !== null && typeof (x as ObjectSpec).className === 'string';
}

/** Keras' snake_case config as the entry's camelCase options, refusing keys the class does not take. */
function camelConfig(e: Pick<RegistryEntry<unknown>, 'className' | 'configKeys'>, raw: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [k0, v] of Object.entries(raw)) {
    const k = snakeToCamel(k0);
    if (IGNORED_CONFIG_KEYS.includes(k)) continue;
    if (!e.configKeys.includes(k)) throw new ValueError(`${e.className}: unknown config key "${k0}" (expected ${e.configKeys.join(', ') || 'none'})`);
    config[k] = v;
  }
  return config;
}
