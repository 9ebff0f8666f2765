/** `deepts example NAME`: lists the examples, runs one by name with its arguments, rejects unknown names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { main } from '../../src/cli/index.js';
import { EXAMPLES, exampleCommand } from '../../src/cli/example.js';
import { captureConsole } from '../train/helpers.js';

test('deepts example list names every example, and each has its file', async () => {
  const r = await captureConsole(() => main(['example', 'list']));
  assert.equal(r.result, 0);
  for (const name of ['transfer-mnist', 'autoencoder-pretrain', 'linear-regression', 'newton-sqrt']) {
    assert.match(r.out, new RegExp(`^  ${name} +\\S`, 'm'));
    assert.ok(existsSync(new URL(`../../examples/${name}.ts`, import.meta.url)), name);
  }
  assert.equal(Object.keys(EXAMPLES).length, 4);
  const bare = await captureConsole(() => main(['example']));
  assert.equal(bare.result, 2);
  assert.match(bare.out, /^Examples \(deepts example NAME \[ARGS\.\.\.\]\):/);
  const help = await captureConsole(() => main(['help']));
  assert.match(help.out, /deepts example NAME \[ARGS\.\.\.\]/);
});

test('deepts example newton-sqrt 3 runs the script with its argument', () => {
  let out = '';
  const code = exampleCommand(['newton-sqrt', '3'], (s) => (out += s));
  assert.equal(code, 0, out);
  assert.match(out, /sqrt\(3\) ≈ 1\.732050807568877/);
});

test('an unknown example is an error listing the known ones', async () => {
  const r = await captureConsole(() => main(['example', 'nope']));
  assert.equal(r.result, 1);
  assert.match(r.err, /deepts example: unknown example "nope" \(known: transfer-mnist, autoencoder-pretrain, linear-regression, newton-sqrt\)/);
});
