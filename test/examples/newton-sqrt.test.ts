import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { newtonSqrt } from '../../examples/newton-sqrt.js';
import * as dt from '../../src/index.js';

describe('examples/newton-sqrt', () => {
  test('converges to Math.sqrt for several a', () => {
    for (const a of [2, 9, 0.25, 1e6, 1e-4]) {
      const r = newtonSqrt(a);
      assert.ok(r.converged, `a = ${a}`);
      assert.ok(Math.abs(r.root - Math.sqrt(a)) <= 4e-16 * Math.sqrt(a), `sqrt(${a}): ${r.root}`);
    }
  });
  test("f'(x) comes from autograd and equals 2x", () => {
    const r = newtonSqrt(2, { x0: 3 });
    for (const it of r.iterations) assert.ok(Math.abs(it.dfx - 2 * it.x) < 1e-12);
    assert.equal(r.iterations[0].x, 3);
  });
  test('converges quadratically: few steps from a nearby start', () => {
    assert.ok(newtonSqrt(2, { x0: 1.5 }).iterations.length <= 6);
    assert.ok(newtonSqrt(2, { steps: 2 }).iterations.length === 2);
    assert.ok(!newtonSqrt(2, { steps: 2 }).converged);
  });
  test('logs one line per iteration and frees its tensors', () => {
    const n = dt.memory().numTensors;
    const lines: string[] = [];
    const r = newtonSqrt(10, { log: (l) => lines.push(l) });
    assert.equal(lines.length, r.iterations.length);
    assert.match(lines[0], /^step  0: x = /);
    assert.equal(dt.memory().numTensors, n);
  });
  test('rejects negative a', () => {
    assert.throws(() => newtonSqrt(-1), dt.ValueError);
  });
  test('runs as a script', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/newton-sqrt.ts', '3'], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    assert.match(out, /step  1: x = /);
    assert.match(out, /sqrt\(3\) ≈ 1\.732050807568877/);
  });
});
