/** The op table covers every public op of src/ops (those src/index.ts re-exports); method forms exist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { opTable } from '../helpers/op-table.js';
import { NON_OP_EXPORTS } from '../helpers/op-rows.js';
import { readdirSync } from 'node:fs';
import '../helpers/use-cpu.js';

const covered = new Set(opTable.flatMap((r) => r.ops));
/** The functions of the op modules (every src/ops/*.ts but creation, helpers and method forms). */
const NOT_OP_MODULES = new Set(['create.ts', 'util.ts', 'methods.ts']);
const opModules: Record<string, Record<string, unknown>> = {};
for (const file of readdirSync(new URL('../../src/ops/', import.meta.url)).filter((f) => f.endsWith('.ts') && !NOT_OP_MODULES.has(f)).sort()) {
  opModules[file.replace(/\.ts$/, '')] = (await import(`../../src/ops/${file.replace(/\.ts$/, '.js')}`)) as Record<string, unknown>;
}
/** Public ops: functions of an op module that src/index.ts re-exports under the same name (helpers are not). */
const publicApi = dt as unknown as Record<string, unknown>;
const opFunctions = Object.entries(opModules).flatMap(([mod, m]) =>
  Object.entries(m)
    .filter(([k, v]) => typeof v === 'function' && publicApi[k] === v && !NON_OP_EXPORTS.has(k))
    .map(([k]) => [mod, k] as const),
);

test('every public op in src/ops has a row in the op table', () => {
  const missing = opFunctions.filter(([, k]) => !covered.has(k)).map(([mod, k]) => `${mod}.${k}`);
  assert.deepEqual(missing, [], `ops without a row in test/helpers/op-rows.ts: ${missing.join(', ')}`);
});

test('every op named by a row is an op of src/ops', () => {
  const names = new Set(Object.values(opModules).flatMap((m) => Object.keys(m)));
  const unknown = [...covered].filter((k) => !names.has(k));
  assert.deepEqual(unknown, []);
});

test('row names are unique and every row has samples', () => {
  const names = opTable.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  for (const r of opTable) assert.ok(r.samples.length > 0, r.name);
});

test('tensor-first ops have a method form', () => {
  const functionsOnly = new Set(['where', 'concat', 'stack', 'outer', 'swish', 'isTensor', 'sparseSoftmaxCrossEntropy', 'conv2d', 'conv2dTranspose', 'depthwiseConv2d', 'separableConv2d', 'maxPool2d', 'avgPool2d', 'moments', 'batchNorm']);
  const proto = dt.Tensor.prototype as unknown as Record<string, unknown>;
  const missing = [...covered].filter((k) => !functionsOnly.has(k) && typeof proto[k] !== 'function');
  assert.deepEqual(missing, []);
});
