import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { linearRegression } from '../../examples/linear-regression.js';
import * as dt from '../../src/index.js';

/** The least-squares line through the example's data, regenerated from the same seed in plain JS. */
function leastSquares(seed: number, n: number, trueW: number, trueB: number, noise: number): [number, number] {
  dt.seed(seed);
  const x = Array.from(dt.rand([n, 1], { low: -1, high: 1 }).dataSync());
  const e = Array.from(dt.randn([n, 1], { std: noise }).dataSync());
  const y = x.map((v, i) => Math.fround(Math.fround(Math.fround(v * trueW) + trueB) + e[i]));
  const mx = x.reduce((p, v) => p + v, 0) / n;
  const my = y.reduce((p, v) => p + v, 0) / n;
  const sxy = x.reduce((p, v, i) => p + (v - mx) * (y[i] - my), 0);
  const sxx = x.reduce((p, v) => p + (v - mx) ** 2, 0);
  const w = sxy / sxx;
  return [w, my - w * mx];
}

describe('examples/linear-regression', () => {
  test('recovers w and b from noisy data', () => {
    const r = linearRegression({ trueW: 3, trueB: -2, seed: 1 });
    assert.ok(Math.abs(r.w - 3) < 0.05, `w = ${r.w}`);
    assert.ok(Math.abs(r.b + 2) < 0.05, `b = ${r.b}`);
    assert.ok(r.losses.at(-1)! < 0.02, `final loss ${r.losses.at(-1)}`);
    assert.ok(r.losses[0] > 10 * r.losses.at(-1)!);
  });
  test('converges to the least-squares solution of its data', () => {
    const r = linearRegression({ trueW: -1.5, trueB: 0.7, seed: 7, noise: 0.3, n: 100 });
    const [w, b] = leastSquares(7, 100, -1.5, 0.7, 0.3);
    assert.ok(Math.abs(r.w - w) < 1e-4, `w ${r.w} vs least squares ${w}`);
    assert.ok(Math.abs(r.b - b) < 1e-4, `b ${r.b} vs least squares ${b}`);
  });
  test('is deterministic for a seed and frees every tensor', () => {
    const n = dt.memory().numTensors;
    const bytes = (): number => Object.values(dt.memory().bytes).reduce((p, b) => p + b, 0);
    const m = bytes();
    const a = linearRegression({ seed: 3, epochs: 20 });
    const b = linearRegression({ seed: 3, epochs: 20 });
    assert.deepEqual(a, b);
    assert.equal(dt.memory().numTensors, n);
    assert.equal(bytes(), m);
  });
  test('logs progress', () => {
    const lines: string[] = [];
    linearRegression({ epochs: 30, logEvery: 10, log: (l) => lines.push(l) });
    assert.equal(lines.length, 4);
    assert.match(lines[3], /^epoch   30: loss \d+\.\d{6}  w -?\d+\.\d{4}  b -?\d+\.\d{4}$/);
  });
  test('runs as a script', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/linear-regression.ts'], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    assert.match(out, /epoch  100: loss/);
    assert.match(out, /recovered w = 2\.99\d\d, b = -2\.00\d\d .* live tensors: 0/);
  });
});
