/** Every optimizer's fused step on the wasm backend matches the CPU reference (float32, a few steps). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';

const configs: [string, () => dt.Optimizer][] = [
  ['sgd', () => dt.optimizers.sgd({ learningRate: 0.1 })],
  ['momentum', () => dt.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 })],
  ['nesterov', () => dt.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['rmsprop', () => dt.optimizers.rmsprop({ learningRate: 0.01 })],
  ['rmsprop centered+momentum', () => dt.optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 })],
  ['adagrad', () => dt.optimizers.adagrad({ learningRate: 0.1 })],
  ['adam', () => dt.optimizers.adam({ learningRate: 0.01 })],
  ['adam amsgrad', () => dt.optimizers.adam({ learningRate: 0.01, amsgrad: true })],
  ['adamw', () => dt.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.1 })],
];

function run(backend: string, make: () => dt.Optimizer): Float32Array {
  return dt.withBackend(backend, () => {
    const p = dt.variable(dt.tensor(Float32Array.from({ length: 37 }, (_, i) => Math.sin(i) * 2)), { name: 'p' });
    const opt = make();
    for (let step = 0; step < 4; step++) {
      const g = dt.tensor(Float32Array.from({ length: 37 }, (_, i) => Math.cos(i * (step + 1)) - 0.3));
      opt.applyGradients([[g, p]]);
      g.dispose();
    }
    const out = p.dataSync() as Float32Array;
    opt.dispose();
    p.dispose();
    return out;
  });
}

for (const [name, make] of configs) {
  test(`wasm ${name} step equals the CPU reference`, () => {
    const a = run('wasm', make);
    const b = run('cpu', make);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `${name}: element ${i}: wasm ${a[i]} vs cpu ${b[i]}`);
  });
}
