/**
 * Learning-rate schedules: values at several steps vs the formulas and vs the cases in Keras'
 * learning_rate_schedule_test.py; configs; the registry; how optimizers evaluate them.
 */
import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import {
  Adam,
  CosineDecay,
  CosineDecayRestarts,
  ExponentialDecay,
  InverseTimeDecay,
  LearningRateSchedule,
  PiecewiseConstantDecay,
  PolynomialDecay,
  SGD,
  StepDecay,
  schedules,
} from '../../src/optim/index.js';

function close(actual: number, expected: number, rtol = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-15, `${what}: got ${actual}, expected ${expected}`);
}

test('ExponentialDecay: initial * rate^(step/decaySteps), staircase floors the exponent', () => {
  const s = new ExponentialDecay(0.05, 10, 0.96);
  for (const step of [0, 1, 5, 10, 25, 1000]) close(s.call(step), 0.05 * 0.96 ** (step / 10), 1e-12, `step ${step}`);
  // Keras test_continuous / test_staircase / test_variables
  close(new ExponentialDecay(0.05, 10, 0.96).call(5), 0.05 * 0.96 ** 0.5);
  const st = new ExponentialDecay(0.1, 3, 0.96, true);
  close(st.call(1), 0.1);
  close(st.call(2), 0.1);
  close(st.call(3), 0.1 * 0.96);
  close(st.call(100), 0.1 * 0.96 ** Math.floor(100 / 3));
  assert.throws(() => new ExponentialDecay(0.1, 0, 0.9), /`decaySteps` must be > 0, received 0/);
});

test('PiecewiseConstantDecay: values[i] for boundaries[i-1] < step <= boundaries[i] (Keras cases)', () => {
  const s = new PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]);
  const cases: [number, number][] = [[0, 1.0], [100, 1.0], [105, 0.1], [110, 0.1], [111, 0.01], [120, 0.01], [121, 0.001], [999, 0.001]];
  for (const [step, v] of cases) assert.equal(s.call(step), v, `step ${step}`);
  const b = new PiecewiseConstantDecay([1, 2, 3], [0.4, 0.5, 0.6, 0.7]);
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => b.call(x)), [0.4, 0.4, 0.5, 0.6, 0.7]);
  assert.throws(() => new PiecewiseConstantDecay([1, 2], [1, 2]), /the length of boundaries should be 1 less than the length of values/);
  assert.throws(() => new PiecewiseConstantDecay([2, 1], [1, 2, 3]), /strictly increasing/);
});

test('StepDecay: initial * gamma^floor(step / stepSize), same as a staircase ExponentialDecay', () => {
  const s = new StepDecay(0.1, 30, 0.1);
  const e = new ExponentialDecay(0.1, 30, 0.1, true);
  for (const step of [0, 29, 30, 59, 60, 95]) {
    close(s.call(step), 0.1 * 0.1 ** Math.floor(step / 30), 1e-12, `step ${step}`);
    assert.equal(s.call(step), e.call(step));
  }
  close(new StepDecay(1, 2).call(4), 0.01);
});

test('InverseTimeDecay: initial / (1 + rate * step / decaySteps) (Keras cases, continuous and staircase)', () => {
  const k = 10;
  const s = new InverseTimeDecay(0.1, k, 0.96);
  const st = new InverseTimeDecay(0.1, k, 0.96, true);
  for (let i = 0; i <= k; i++) {
    close(s.call(i), 0.1 / (1 + (i / k) * 0.96), 1e-12, `continuous ${i}`);
    close(st.call(i), 0.1 / (1 + 0.96 * Math.floor(i / k)), 1e-12, `staircase ${i}`);
  }
  close(st.call(25), 0.1 / (1 + 0.96 * 2));
});

function npCosineDecay(step: number, decaySteps: number, alpha = 0): number {
  const s = Math.min(step, decaySteps);
  const decay = 0.5 * (1 + Math.cos((Math.PI * s) / decaySteps));
  return (1 - alpha) * decay + alpha;
}

test('CosineDecay: Keras cases without warm-up, with alpha, with warm-up, warm-up then decay', () => {
  for (let step = 0; step < 1500; step += 250) {
    close(new CosineDecay(1, 1000).call(step), npCosineDecay(step, 1000), 1e-12, `decay ${step}`);
    close(new CosineDecay(1, 1000, 0.1).call(step), npCosineDecay(step, 1000, 0.1), 1e-12, `alpha ${step}`);
  }
  // warm-up from 0 to 10 over 1500 steps (Keras test_warmup)
  for (let step = 0; step < 1500; step += 250) close(new CosineDecay(0, 10, 0, 10, 1500).call(step), (step / 1500) * 10, 1e-12, `warmup ${step}`);
  // warm-up 2000 steps then decay over 1000 (Keras test_warmup_decay)
  const wd = new CosineDecay(0, 1000, 0, 10, 2000);
  for (let step = 0; step < 3000; step += 250) {
    const expected = step < 2000 + 1 ? (step / 2000) * 10 : 10 * npCosineDecay(step - 2000, 1000);
    close(wd.call(step), expected, 1e-12, `warmup+decay ${step}`);
  }
  // non-zero start, warm-up to a target, decay to target * alpha, flat afterwards
  const c = new CosineDecay(0.01, 100, 0.1, 0.1, 10);
  close(c.call(0), 0.01);
  close(c.call(5), 0.01 + (0.1 - 0.01) * 0.5);
  close(c.call(10), 0.1);
  close(c.call(60), 0.1 * (0.9 * 0.5 + 0.1));
  close(c.call(110), 0.1 * 0.1);
  close(c.call(5000), 0.1 * 0.1);
});

function npCosineDecayRestarts(step: number, decaySteps: number, tMul = 2, mMul = 1, alpha = 0): number {
  let fac = 1;
  while (step >= decaySteps) {
    step -= decaySteps;
    decaySteps *= tMul;
    fac *= mMul;
  }
  const decay = fac * 0.5 * (1 + Math.cos((Math.PI * step) / decaySteps));
  return (1 - alpha) * decay + alpha;
}

test('CosineDecayRestarts: Keras cases (t_mul, m_mul, alpha)', () => {
  for (let step = 0; step < 1500; step += 250) {
    close(new CosineDecayRestarts(1, 1000).call(step), npCosineDecayRestarts(step, 1000), 1e-9, `default ${step}`);
    close(new CosineDecayRestarts(1, 1000, 2, 1, 0.1).call(step), npCosineDecayRestarts(step, 1000, 2, 1, 0.1), 1e-9, `alpha ${step}`);
    close(new CosineDecayRestarts(1, 1000, 2, 0.9).call(step), npCosineDecayRestarts(step, 1000, 2, 0.9), 1e-9, `mMul ${step}`);
    close(new CosineDecayRestarts(1, 1000, 1).call(step), npCosineDecayRestarts(step, 1000, 1), 1e-9, `tMul 1 ${step}`);
  }
  for (const step of [0, 3, 10, 29, 31, 70, 150]) close(new CosineDecayRestarts(0.5, 10, 3, 0.5, 0.05).call(step), 0.5 * npCosineDecayRestarts(step, 10, 3, 0.5, 0.05), 1e-9, `mixed ${step}`);
});

test('PolynomialDecay: Keras linear and sqrt cases, cycle', () => {
  close(new PolynomialDecay(0.05, 10, 0).call(5), 0.05 * 0.5);
  close(new PolynomialDecay(0.05, 10, 0.001).call(10), 0.001);
  close(new PolynomialDecay(0.05, 10, 0.001).call(5), (0.05 + 0.001) * 0.5);
  close(new PolynomialDecay(0.05, 10, 0.001).call(15), 0.001);
  close(new PolynomialDecay(0.05, 10, 0.001, 1, true).call(15), (0.05 - 0.001) * 0.25 + 0.001);
  close(new PolynomialDecay(0.05, 10, 0, 0.5).call(5), 0.05 * 0.5 ** 0.5);
  close(new PolynomialDecay(0.05, 10, 0.001, 0.5).call(5), (0.05 - 0.001) * 0.5 ** 0.5 + 0.001);
  close(new PolynomialDecay(0.05, 10, 0.001, 0.5, true).call(15), (0.05 - 0.001) * 0.25 ** 0.5 + 0.001);
  close(new PolynomialDecay(0.001, 10, undefined, undefined, true).call(0), 0.001);
  // default end 1e-4, power 1
  for (const step of [0, 3, 7]) close(new PolynomialDecay(0.1, 10).call(step), (0.1 - 1e-4) * (1 - step / 10) + 1e-4, 1e-12, `step ${step}`);
  close(new PolynomialDecay(0.1, 10, 0.01, 2, true).call(20), 0.01, 1e-12, 'cycle at a multiple ends the period');
});

test('configs round-trip through the registry; Keras snake_case configs and class_name are accepted', () => {
  const all: LearningRateSchedule[] = [
    new ExponentialDecay(0.05, 10, 0.96, true, 'my_ed'),
    new PiecewiseConstantDecay([10, 20], [1, 2, 3], 'my_pcd'),
    new StepDecay(0.1, 5, 0.5),
    new InverseTimeDecay(0.05, 10, 0.96, true, 'my_itd'),
    new CosineDecay(0.05, 10, 0.1, 0.2, 2, 'my_cd'),
    new CosineDecayRestarts(0.05, 10, 3, 4, 0.1, 'my_cdr'),
    new PolynomialDecay(0.1, 100, 0.005, 1, false, 'my_ld'),
  ];
  for (const s of all) {
    const json = JSON.parse(JSON.stringify(schedules.serialize(s)));
    const back = schedules.deserialize(json);
    assert.equal(back.className, s.className);
    assert.deepEqual(back.getConfig(), s.getConfig());
    for (const step of [0, 3, 11, 27]) assert.equal(back.call(step), s.call(step));
  }
  // Keras 3 JSON
  const keras = schedules.deserialize({
    module: 'keras.optimizers.schedules',
    class_name: 'PolynomialDecay',
    config: { cycle: false, decay_steps: 10000, end_learning_rate: 0.01, initial_learning_rate: 0.1, name: null, power: 0.5 },
    registered_name: null,
  });
  assert.ok(keras instanceof PolynomialDecay, 'a PolynomialDecay');
  close(keras.call(5000), (0.1 - 0.01) * 0.5 ** 0.5 + 0.01);
  assert.equal(schedules.get(keras), keras);
  close(schedules.get((step: number) => 1 / (step + 1)).call(3), 0.25);
  assert.throws(() => schedules.deserialize({ className: 'Nope', config: {} }), /unknown learning-rate schedule "Nope" \(known: ExponentialDecay, PiecewiseConstantDecay, StepDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts, PolynomialDecay\)/);
  assert.throws(() => schedules.deserialize({ className: 'ExponentialDecay', config: { initialLearningRate: 1, decaySteps: 1, decayRate: 0.5, bogus: 1 } }), /unknown option "bogus"/);
});

test('optimizers evaluate the schedule at `iterations` (step 0 for the first update)', () => {
  const w = dt.variable(dt.zeros([1], 'float64'), { name: 'w' });
  const opt = new SGD({ learningRate: new PiecewiseConstantDecay([1, 3], [1, 0.5, 0.25]) });
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    seen.push(opt.learningRate);
    const before = w.item();
    opt.applyGradients([[dt.ones([1], 'float64'), w]]);
    assert.equal(before - w.item(), seen[i], `step ${i} moved by lr`);
  }
  assert.deepEqual(seen, [1, 1, 0.5, 0.5, 0.25]);
  assert.equal(opt.learningRateAt(100), 0.25);
  assert.ok(opt.schedule instanceof PiecewiseConstantDecay, 'schedule exposed');
});

test('learningRate can be set at run time; a number cannot silently replace a schedule', () => {
  const opt = new Adam({ learningRate: 0.1 });
  assert.equal(opt.learningRate, 0.1);
  opt.learningRate = 0.05;
  assert.equal(opt.learningRate, 0.05);
  assert.equal(opt.getConfig().learningRate, 0.05);
  assert.throws(() => {
    opt.learningRate = -1;
  }, /learningRate/);
  opt.learningRate = new ExponentialDecay(1, 1, 0.5);
  assert.equal(opt.learningRate, 1);
  assert.throws(() => {
    opt.learningRate = 0.3;
  }, /uses the schedule ExponentialDecay, so its learning rate cannot be set to a number/);
  opt.learningRate = (step: number) => 0.1 / (step + 1);
  opt.iterations = 4;
  close(opt.learningRate, 0.02);
  assert.throws(() => opt.getConfig(), /cannot be serialized/);
});

test('a custom schedule with static params serializes through the base class and the registry', () => {
  class Halving extends LearningRateSchedule {
    readonly className = 'Halving';
    static override readonly params = ['initial', 'every'];
    constructor(readonly initial: number, readonly every = 10) {
      super();
    }
    call(step: number): number {
      return this.initial * 0.5 ** Math.floor(step / this.every);
    }
  }
  schedules.register('Halving', (c) => Halving.fromConfig(c));
  const json = JSON.parse(JSON.stringify(schedules.serialize(new Halving(1, 3))));
  assert.deepEqual(json, { className: 'Halving', config: { initial: 1, every: 3 } });
  assert.equal(schedules.deserialize(json).call(7), 0.25);
  assert.equal(Halving.fromConfig({ initial: 2 }).call(10), 1); // `every` missing: its default
  assert.throws(() => Halving.fromConfig({ initial: 2, evry: 3 }), /Halving\.fromConfig: unknown option "evry"/);
});
