/** Optimizer state (checkpoint/resume), configs and the registry. */
import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import type { DType } from '../../src/index.js';
import { Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, Optimizer, RMSprop, SGD, optimizers } from '../../src/optim/index.js';

const DTYPES: DType[] = ['float32', 'float64'];

/** Deterministic gradients that depend on the step and on the current parameters (like a real loss). */
function gradsFor(step: number, vars: dt.Tensor[]): dt.Tensor[] {
  return vars.map((v, k) => {
    const p = v.dataSync();
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) g[i] = Math.sin(step * 1.3 + i + k) + 0.5 * p[i];
    return dt.tensor(g, { dtype: v.dtype, shape: v.shape.slice() });
  });
}

function makeVars(dtype: DType): dt.Tensor[] {
  return [
    dt.variable(dt.tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]], { dtype }), { name: 'dense/kernel' }),
    dt.variable(dt.tensor([0.1, -0.2, 0.3], { dtype }), { name: 'dense/bias' }),
  ];
}

function train(opt: Optimizer, vars: dt.Tensor[], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    const gs = gradsFor(s, vars);
    opt.applyGradients(gs.map((g, i) => [g, vars[i]] as const));
  }
}

const bits = (t: dt.Tensor): number[] => Array.from(t.dataSync());

const makers: [string, () => Optimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 })],
  ['SGD momentum + nesterov + decay', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['RMSprop centered + momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.9, centered: true })],
  ['Adagrad', () => new Adagrad({ learningRate: 0.1 })],
  ['Adam amsgrad + clipnorm', () => new Adam({ learningRate: 0.01, amsgrad: true, clipnorm: 0.5 })],
  ['AdamW with a cosine schedule', () => new AdamW({ learningRate: new CosineDecay(0.05, 6, 0, 0.1, 2), globalClipnorm: 1 })],
];

for (const dtype of DTYPES) {
  for (const [name, make] of makers) {
    test(`${name}: 4 steps straight == 2 steps, getState, new optimizer + setState, 2 steps (bitwise, ${dtype})`, () => {
      const straight = makeVars(dtype);
      train(make(), straight, 0, 4);

      const resumed = makeVars(dtype);
      const first = make();
      train(first, resumed, 0, 2);
      const state = first.getState();
      assert.equal(state.iterations, 2);
      assert.deepEqual(Object.keys(state.slots).sort(), first.slotNames.length ? ['dense/bias', 'dense/kernel'] : []);
      first.dispose();
      const second = make();
      second.setState(state);
      for (const e of Object.values(state.slots)) for (const t of Object.values(e)) t.dispose(); // setState copied them
      train(second, resumed, 2, 4);
      assert.equal(second.iterations, 4);
      for (let i = 0; i < straight.length; i++) assert.deepEqual(bits(resumed[i]), bits(straight[i]), `variable ${straight[i].name}`);
    });
  }
}

test('setState after the slots exist overwrites them; absent variables restart from fresh slots', () => {
  const [k, b] = makeVars('float32');
  const opt = new Adam({ learningRate: 0.1 });
  train(opt, [k, b], 0, 3);
  const saved = opt.getState();
  const kernelMomentum = bits(saved.slots['dense/kernel'].momentum);
  train(opt, [k, b], 3, 5);
  opt.setState({ iterations: 3, slots: { 'dense/kernel': saved.slots['dense/kernel'] } });
  assert.equal(opt.iterations, 3);
  assert.deepEqual(bits(opt.getSlot(k, 'momentum') as dt.Tensor), kernelMomentum);
  assert.equal(opt.getSlot(b, 'momentum'), null, 'bias slots were dropped');
  train(opt, [k, b], 3, 4);
  assert.notEqual(opt.getSlot(b, 'momentum'), null, 'and are recreated at the next update');
});

test('getState returns copies; state slots match Keras slot names; typed arrays are accepted by setState', () => {
  const [k] = makeVars('float64');
  const opt = new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true });
  assert.deepEqual(opt.slotNames, ['velocity', 'momentum', 'average_gradient']);
  train(opt, [k], 0, 1);
  const st = opt.getState();
  assert.deepEqual(Object.keys(st.slots['dense/kernel']), ['velocity', 'momentum', 'average_gradient']);
  assert.notEqual(st.slots['dense/kernel'].velocity, opt.getSlot(k, 'velocity'));
  assert.equal(st.slots['dense/kernel'].velocity.dtype, 'float64');
  assert.equal(st.learningRate, 0.01);
  st.slots['dense/kernel'].velocity.dispose();
  assert.ok(!(opt.getSlot(k, 'velocity') as dt.Tensor).isDisposed, 'the optimizer slot lives on');

  const other = new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true });
  other.setState({
    iterations: 1,
    slots: { 'dense/kernel': { velocity: new Float64Array(6).fill(0.5), momentum: [1, 2, 3, 4, 5, 6], average_gradient: new Float32Array(6) } },
  });
  other.build([k]);
  assert.deepEqual(bits(other.getSlot(k, 'velocity') as dt.Tensor), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(bits(other.getSlot(k, 'momentum') as dt.Tensor), [1, 2, 3, 4, 5, 6]);
});

test('a state that does not fit is rejected with a clear message and leaves the optimizer unchanged', () => {
  const [k] = makeVars('float32');
  const adam = new Adam();
  train(adam, [k], 0, 1);
  const before = bits(adam.getSlot(k, 'momentum') as dt.Tensor);
  const sgd = new SGD({ momentum: 0.9 });
  train(sgd, [k], 0, 1);
  const sgdState = sgd.getState();
  assert.throws(() => adam.setState(sgdState), /variable "dense\/kernel" lacks the slot "velocity" \(expected: momentum, velocity\)/);
  assert.throws(() => new SGD().setState(sgdState), /has a slot "momentum" this optimizer does not use \(it expects: no slots\)/);
  assert.throws(
    () => adam.setState({ iterations: 5, slots: { 'dense/kernel': { momentum: dt.zeros([3]), velocity: dt.zeros([3]) } } }),
    (e: Error) => e.name === 'ShapeError' && /saved slot dense\/kernel\/momentum \[3\] does not fit variable "dense\/kernel" \[2,3\]/.test(e.message),
  );
  assert.throws(() => adam.setState({ iterations: -1, slots: {} }), /iterations/);
  assert.throws(() => adam.setState({ iterations: 1.5, slots: {} }), /iterations/);
  assert.equal(adam.iterations, 1);
  assert.deepEqual(bits(adam.getSlot(k, 'momentum') as dt.Tensor), before);
  // a pending slot of the wrong size fails at the variable's first update, before anything changes
  const fresh = new Adam();
  fresh.setState({ iterations: 1, slots: { 'dense/kernel': { momentum: new Float32Array(2), velocity: new Float32Array(2) } } });
  const p = bits(k);
  assert.throws(() => train(fresh, [k], 0, 1), /does not fit variable "dense\/kernel"/);
  assert.deepEqual(bits(k), p);
});

test('getState needs unique variable names', () => {
  const a = dt.variable(dt.zeros([2]));
  const opt = new Adam();
  opt.applyGradients([[dt.ones([2]), a]]);
  assert.throws(() => opt.getState(), /has no name; name variables/);
  const b = dt.variable(dt.zeros([2]), { name: 'x' });
  const c = dt.variable(dt.zeros([2]), { name: 'x' });
  const opt2 = new Adam();
  opt2.applyGradients([[dt.ones([2]), b], [dt.ones([2]), c]]);
  assert.throws(() => opt2.getState(), /two variables are named "x"/);
});

test('the learning rate set by a callback is part of the state', () => {
  const opt = new SGD({ learningRate: 0.1 });
  opt.learningRate = 0.025;
  const other = new SGD({ learningRate: 0.1 });
  other.setState(opt.getState());
  assert.equal(other.learningRate, 0.025);
  const scheduled = new SGD({ learningRate: new ExponentialDecay(1, 1, 0.5) });
  scheduled.setState({ iterations: 3, slots: {}, learningRate: 7 });
  assert.equal(scheduled.learningRate, 0.125, 'a schedule is positioned by iterations');
  assert.equal(scheduled.getState().learningRate, undefined);
});

test('dispose frees every slot and memory stays flat over many steps', () => {
  const [k, b] = makeVars('float32');
  const opt = new Adam({ learningRate: 0.01, globalClipnorm: 1 });
  const step = (s: number): void => {
    dt.scope(() => train(opt, [k, b], s, s + 1));
  };
  step(0);
  const tensors = dt.memory().numTensors;
  const bytes = dt.memory().bytes.cpu;
  for (let s = 1; s < 200; s++) step(s);
  assert.equal(dt.memory().numTensors, tensors);
  assert.equal(dt.memory().bytes.cpu, bytes);
  const slots = [opt.getSlot(k, 'momentum'), opt.getSlot(b, 'velocity')] as dt.Tensor[];
  opt.dispose();
  assert.ok(slots.every((s) => s.isDisposed), 'slots disposed');
  assert.equal(dt.memory().numTensors, tensors - 4);
  assert.equal(opt.getSlot(k, 'momentum'), null);
});

test('getConfig / fromConfig round trip for every optimizer (JSON), schedules included', () => {
  const opts: Optimizer[] = [
    new SGD({ learningRate: 0.5, momentum: 0.06, nesterov: true, weightDecay: 0.004 }),
    new RMSprop({ learningRate: 0.5, rho: 0.8, momentum: 0.05, epsilon: 1e-6, centered: true, clipvalue: 2 }),
    new Adam({ learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, amsgrad: true, globalClipnorm: 3 }),
    new AdamW({ learningRate: 0.5, weightDecay: 0.008, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, amsgrad: true, clipnorm: 1 }),
    new Adagrad({ learningRate: new ExponentialDecay(0.1, 10, 0.9, true), initialAccumulatorValue: 0.2, epsilon: 1e-5, name: 'ada' }),
  ];
  for (const o of opts) {
    const json = JSON.parse(JSON.stringify(optimizers.serialize(o)));
    const back = optimizers.deserialize(json);
    assert.equal(back.constructor, o.constructor);
    assert.deepEqual(back.getConfig(), o.getConfig());
    const again = (o.constructor as typeof SGD).fromConfig(json.config);
    assert.deepEqual(again.getConfig(), o.getConfig());
  }
  assert.equal(new Adagrad({ learningRate: new ExponentialDecay(0.1, 10, 0.9) }).getConfig().learningRate.constructor, Object);
});

test('Keras 3 optimizer JSON (snake_case, schedule as a nested object) deserializes', () => {
  const keras = {
    module: 'keras.optimizers',
    class_name: 'Adam',
    config: {
      name: 'adam',
      learning_rate: { module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.9, staircase: false, name: 'ExponentialDecay' }, registered_name: null },
      weight_decay: null,
      clipnorm: null,
      global_clipnorm: null,
      clipvalue: null,
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      beta_1: 0.8,
      beta_2: 0.99,
      epsilon: 1e-7,
      amsgrad: false,
    },
    registered_name: null,
  };
  const opt = optimizers.deserialize(keras) as Adam;
  assert.ok(opt instanceof Adam, 'an Adam');
  assert.deepEqual([opt.beta1, opt.beta2, opt.weightDecay], [0.8, 0.99, null]);
  assert.ok(opt.schedule instanceof ExponentialDecay, 'with its schedule');
  assert.throws(() => optimizers.deserialize({ class_name: 'Adam', config: { use_ema: true } }), /"useEma" = true is not supported/);
  assert.throws(() => optimizers.deserialize({ class_name: 'Adam', config: { bogus: 1 } }), /unknown option "bogus"/);
  const sgd = optimizers.get({ class_name: 'SGD', config: { learning_rate: 0.2, momentum: 0.9, nesterov: false } }) as SGD;
  assert.deepEqual([sgd.learningRate, sgd.momentum], [0.2, 0.9]);
});

test('registry: Keras names in any case, aliases, instances, clear errors', () => {
  const cases: [string, new (...a: never[]) => Optimizer][] = [
    ['sgd', SGD],
    ['SGD', SGD],
    ['rmsprop', RMSprop],
    ['RMSprop', RMSprop],
    ['adam', Adam],
    ['Adam', Adam],
    ['adamw', AdamW],
    ['AdamW', AdamW],
    ['adagrad', Adagrad],
    ['Adagrad', Adagrad],
  ];
  for (const [name, cls] of cases) assert.ok(optimizers.get(name) instanceof cls, name);
  const m = optimizers.get('momentum') as SGD;
  assert.deepEqual([m.momentum, m.nesterov], [0.9, false]);
  const n = optimizers.get('nesterov') as SGD;
  assert.deepEqual([n.momentum, n.nesterov], [0.9, true]);
  const inst = new Adam();
  assert.equal(optimizers.get(inst), inst);
  assert.throws(
    () => optimizers.get('adamax'),
    (e: Error) => e.name === 'ValueError' && e.message === 'unknown optimizer "adamax" (known: SGD, RMSprop, Adam, AdamW, Adagrad, momentum, nesterov)',
  );
  assert.throws(() => optimizers.get(42 as never), /known names: SGD/);
  assert.deepEqual(optimizers.known(), ['SGD', 'RMSprop', 'Adam', 'AdamW', 'Adagrad', 'momentum', 'nesterov']);
});

test('factories: a learning rate or options', () => {
  assert.equal(optimizers.sgd(0.3).learningRate, 0.3);
  assert.equal(optimizers.sgd().learningRate, 0.01);
  assert.equal(optimizers.momentum(0.2).momentum, 0.9);
  assert.equal(optimizers.momentum({ momentum: 0.5, nesterov: true }).nesterov, true);
  assert.equal(optimizers.rmsprop({ centered: true }).centered, true);
  assert.equal(optimizers.adam(0.02).learningRate, 0.02);
  assert.equal(optimizers.adamw({ weightDecay: 0.1 }).weightDecay, 0.1);
  assert.equal(optimizers.adagrad(0.5).learningRate, 0.5);
  assert.ok(new optimizers.Adam() instanceof optimizers.Optimizer, 'classes are in the namespace');
  assert.ok(optimizers.schedules.get({ className: 'CosineDecay', config: { initialLearningRate: 1, decaySteps: 10 } }) instanceof CosineDecay, 'and schedules');
});

test('custom optimizers can register and round-trip', () => {
  class Halving extends SGD {
    constructor(options: ConstructorParameters<typeof SGD>[0] = {}) {
      super({ learningRate: 0.5, ...options });
    }
  }
  optimizers.register('Halving', (o) => new Halving(o));
  assert.ok(optimizers.get('halving') instanceof Halving, 'registered');
});
