/** The op table covers every op the public API exports, and method forms exist for the tensor-first ops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { opTable } from '../helpers/op-table.js';
import { NON_OP_EXPORTS } from '../helpers/op-rows.js';

const covered = new Set(opTable.flatMap((r) => r.ops));
const exported = Object.entries(dt)
  .filter(([, v]) => typeof v === 'function')
  .map(([k]) => k);

test('every exported op has a row in the op table', () => {
  const missing = exported.filter((k) => !NON_OP_EXPORTS.has(k) && !covered.has(k));
  assert.deepEqual(missing, [], `ops without a row in test/helpers/op-rows.ts: ${missing.join(', ')}`);
});

test('every op named by a row is exported', () => {
  const unknown = [...covered].filter((k) => !exported.includes(k));
  assert.deepEqual(unknown, []);
});

test('row names are unique and every row has samples', () => {
  const names = opTable.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  for (const r of opTable) assert.ok(r.samples.length > 0, r.name);
});

test('tensor-first ops have a method form', () => {
  const functionsOnly = new Set(['where', 'concat', 'stack', 'outer', 'swish', 'isTensor']);
  const proto = dt.Tensor.prototype as unknown as Record<string, unknown>;
  const missing = [...covered].filter((k) => !functionsOnly.has(k) && typeof proto[k] !== 'function');
  assert.deepEqual(missing, []);
});
