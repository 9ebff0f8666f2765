/** The op table covers every op of src/ops (the tensor ops the public API re-exports); method forms exist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { opTable } from '../helpers/op-table.js';
import { NON_OP_EXPORTS } from '../helpers/op-rows.js';
import * as elementwise from '../../src/ops/elementwise.js';
import * as movement from '../../src/ops/movement.js';
import * as reduce from '../../src/ops/reduce.js';
import * as linalg from '../../src/ops/linalg.js';
import * as nn from '../../src/ops/nn.js';

const covered = new Set(opTable.flatMap((r) => r.ops));
/** The functions of the op modules (src/ops/*, creation excluded), as the public API re-exports them. */
const opModules: Record<string, Record<string, unknown>> = { elementwise, movement, reduce, linalg, nn };
const opFunctions = Object.entries(opModules).flatMap(([mod, m]) =>
  Object.entries(m)
    .filter(([k, v]) => typeof v === 'function' && !NON_OP_EXPORTS.has(k))
    .map(([k]) => [mod, k] as const),
);

test('every op in src/ops has a row in the op table and is exported', () => {
  const missing = opFunctions.filter(([, k]) => !covered.has(k)).map(([mod, k]) => `${mod}.${k}`);
  assert.deepEqual(missing, [], `ops without a row in test/helpers/op-rows.ts: ${missing.join(', ')}`);
  const notExported = opFunctions.filter(([, k]) => typeof (dt as Record<string, unknown>)[k] !== 'function').map(([, k]) => k);
  assert.deepEqual(notExported, []);
});

test('every op named by a row is an op of src/ops', () => {
  const names = new Set(opFunctions.map(([, k]) => k));
  const unknown = [...covered].filter((k) => !names.has(k));
  assert.deepEqual(unknown, []);
});

test('row names are unique and every row has samples', () => {
  const names = opTable.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  for (const r of opTable) assert.ok(r.samples.length > 0, r.name);
});

test('tensor-first ops have a method form', () => {
  const functionsOnly = new Set(['where', 'concat', 'stack', 'outer', 'swish', 'isTensor', 'sparseSoftmaxCrossEntropy']);
  const proto = dt.Tensor.prototype as unknown as Record<string, unknown>;
  const missing = [...covered].filter((k) => !functionsOnly.has(k) && typeof proto[k] !== 'function');
  assert.deepEqual(missing, []);
});
