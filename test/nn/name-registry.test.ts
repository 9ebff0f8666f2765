import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueError } from '../../src/core/errors.js';
import { NameRegistry, registryKey, type RegistryEntry } from '../../src/nn/name-registry.js';

interface Thing {
  kind: string;
  config: Record<string, unknown>;
  context?: string;
}

const builtIns = (): RegistryEntry<Thing, string>[] => [
  { className: 'GlorotUniform', name: 'glorotUniform', aliases: ['xavierUniform'], configKeys: ['seed'], make: (c, ctx) => ({ kind: 'glorot', config: c, context: ctx }) },
  { className: 'Zeros', name: 'zeros', aliases: ['zero'], configKeys: [], make: (c) => ({ kind: 'zeros', config: c }) },
];
const thing = (options: { aliasesAsClassNames?: boolean; defaultConfigKeys?: string[] } = {}): NameRegistry<Thing, string> =>
  new NameRegistry<Thing, string>({ kind: 'thing', ...options }, builtIns());

test('registryKey folds case, underscores, dashes and spaces', () => {
  for (const n of ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy', 'SparseCategoricalCrossentropy', 'sparse-categorical crossentropy']) {
    assert.equal(registryKey(n), 'sparsecategoricalcrossentropy');
  }
});

test('find / fromName: class names, camelCase, snake_case and aliases; unknown names list the known ones', () => {
  const r = thing();
  for (const n of ['GlorotUniform', 'glorotUniform', 'glorot_uniform', 'xavier_uniform', 'XavierUniform']) assert.equal(r.find(n)?.className, 'GlorotUniform', n);
  assert.equal(r.find('glorot'), undefined);
  assert.deepEqual(r.names(), ['glorotUniform', 'xavierUniform', 'zeros', 'zero']);
  assert.deepEqual(r.fromName('zero'), { kind: 'zeros', config: {} });
  assert.equal(r.fromName('glorot_uniform', { seed: 1 }, 'ctx').context, 'ctx');
  assert.throws(() => r.fromName('glorot'), (e: Error) => e instanceof ValueError && e.message === 'unknown thing "glorot" (known: glorotUniform, xavierUniform, zeros, zero)');
});

test('fromSpec: snake_case keys become camelCase, dtype is ignored, unknown keys and non-object configs throw', () => {
  const r = thing();
  assert.deepEqual(r.fromSpec({ className: 'GlorotUniform', config: { seed: 3, dtype: 'float32' } }, 'c'), { kind: 'glorot', config: { seed: 3 }, context: 'c' });
  assert.deepEqual(r.fromSpec({ className: 'glorot_uniform' }).config, {});
  assert.throws(() => r.fromSpec({ className: 'GlorotUniform', config: { sed: 3 } }), /^ValueError: GlorotUniform: unknown config key "sed" \(expected seed\)$/);
  assert.throws(() => r.fromSpec({ className: 'Zeros', config: { value: 3 } }), /unknown config key "value" \(expected none\)/);
  assert.throws(() => r.fromSpec({ className: 'Zeros', config: [] as never }), /Zeros: config must be an object/);
  assert.throws(() => r.fromSpec({ className: 'Glorot' }), /unknown thing class "Glorot" \(known: GlorotUniform, Zeros\)/);
});

test('fromSpec: aliases name a class only where the family allows it (Keras initializers)', () => {
  assert.throws(() => thing().fromSpec({ className: 'zero' }), /unknown thing class "zero"/);
  assert.equal(thing({ aliasesAsClassNames: true }).fromSpec({ className: 'zero' }).kind, 'zeros');
});

test('register: user classes are found first, built-in class names are refused, default config keys apply', () => {
  const r = thing({ defaultConfigKeys: ['name'] });
  r.register('MyThing', (c) => ({ kind: 'mine', config: c }), { aliases: ['mine'] });
  assert.equal(r.fromName('my_thing').kind, 'mine');
  assert.equal(r.fromName('mine').kind, 'mine');
  assert.deepEqual(r.fromSpec({ className: 'MyThing', config: { name: 'n' } }).config, { name: 'n' });
  assert.throws(() => r.fromSpec({ className: 'MyThing', config: { seed: 1 } }), /expected name/);
  assert.deepEqual(r.names(), ['glorotUniform', 'xavierUniform', 'zeros', 'zero', 'MyThing', 'mine']);
  assert.throws(() => r.register('Zeros', () => ({ kind: 'x', config: {} })), (e: Error) => e instanceof ValueError && e.message === 'registerThing: "Zeros" is a built-in thing');
  // an alias of a registered class shadows a built-in spelling
  r.register('Shadow', (c) => ({ kind: 'shadow', config: c }), { aliases: ['zero'] });
  assert.equal(r.fromName('zero').kind, 'shadow');
});

test('serialize: className and config; user objects without a className are refused', () => {
  const r = thing();
  assert.deepEqual(r.serialize({ className: 'Zeros', getConfig: () => ({}) }), { className: 'Zeros', config: {} });
  class Named {
    getConfig(): Record<string, unknown> {
      return { a: 1 };
    }
  }
  assert.deepEqual(r.serialize(new Named()), { className: 'Named', config: { a: 1 } });
  assert.deepEqual(r.serialize({ className: 'NoConfig' }), { className: 'NoConfig', config: {} });
  assert.throws(() => r.serialize({}), /serializeThing: a custom thing needs a className \(and registerThing\) to be saved/);
});
