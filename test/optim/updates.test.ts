/**
 * Every optimizer's first steps against values computed from the Keras 3 formulas (float64 JS, test/optim/
 * reference.ts), against hand-worked numbers, and against the golden values in Keras' own tests; in float32
 * and float64.
 */
import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import type { DType } from '../../src/index.js';
import { Adagrad, Adam, AdamW, ExponentialDecay, PiecewiseConstantDecay, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import { assertClose, reference, type RefConfig } from './reference.js';

const DTYPES: DType[] = ['float32', 'float64'];
const TOL: Record<string, [number, number]> = { float32: [2e-5, 2e-6], float64: [1e-12, 1e-14] };

const P0 = [1, -2, 3, 0.5];
const GRADS = [
  [0.1, -0.2, 0.3, 0.4],
  [-0.5, 0.25, 0.1, 0],
  [0.3, 0.3, -0.3, 1],
];

function variable(values: number[], dtype: DType, name = 'w'): dt.Tensor {
  return dt.variable(dt.tensor(values, { dtype }), { name });
}

/** Runs `opt` on P0 with GRADS and checks the parameter after every step against the reference. */
function checkAgainstReference(make: () => Optimizer, cfg: RefConfig, grads: number[][] = GRADS, p0: number[] = P0): void {
  const expected = reference(cfg, p0, grads);
  for (const dtype of DTYPES) {
    const w = variable(p0, dtype);
    const opt = make();
    grads.forEach((g, k) => {
      opt.applyGradients([[dt.tensor(g, { dtype }), w]]);
      const [rtol, atol] = TOL[dtype];
      assertClose(w.dataSync(), expected[k], rtol, atol, `${opt.className} ${dtype} step ${k + 1}`);
    });
    assert.equal(opt.iterations, grads.length);
    assert.equal(w.dtype, dtype);
    for (const name of opt.slotNames) assert.equal(opt.getSlot(w, name)?.dtype, dtype, `slot ${name} keeps the variable dtype`);
    opt.dispose();
    w.dispose();
  }
}

const cases: { name: string; make: () => Optimizer; ref: RefConfig }[] = [
  { name: 'SGD', make: () => new SGD({ learningRate: 0.1 }), ref: { kind: 'sgd', lr: () => 0.1 } },
  { name: 'SGD momentum', make: () => new SGD({ learningRate: 0.1, momentum: 0.9 }), ref: { kind: 'sgd', lr: () => 0.1, momentum: 0.9 } },
  { name: 'SGD nesterov', make: () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), ref: { kind: 'sgd', lr: () => 0.1, momentum: 0.9, nesterov: true } },
  { name: 'SGD weight decay', make: () => new SGD({ learningRate: 0.1, momentum: 0.5, weightDecay: 0.1 }), ref: { kind: 'sgd', lr: () => 0.1, momentum: 0.5, weightDecay: 0.1 } },
  { name: 'RMSprop', make: () => new RMSprop({ learningRate: 0.01 }), ref: { kind: 'rmsprop', lr: () => 0.01 } },
  { name: 'RMSprop rho', make: () => new RMSprop({ learningRate: 0.05, rho: 0.5, epsilon: 1e-3 }), ref: { kind: 'rmsprop', lr: () => 0.05, rho: 0.5, epsilon: 1e-3 } },
  { name: 'RMSprop momentum', make: () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }), ref: { kind: 'rmsprop', lr: () => 0.01, momentum: 0.5 } },
  { name: 'RMSprop centered', make: () => new RMSprop({ learningRate: 0.01, centered: true }), ref: { kind: 'rmsprop', lr: () => 0.01, centered: true } },
  {
    name: 'RMSprop centered + momentum',
    make: () => new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.9 }),
    ref: { kind: 'rmsprop', lr: () => 0.01, centered: true, momentum: 0.9 },
  },
  { name: 'Adagrad', make: () => new Adagrad({ learningRate: 0.1 }), ref: { kind: 'adagrad', lr: () => 0.1 } },
  {
    name: 'Adagrad init/eps',
    make: () => new Adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3, epsilon: 1e-6 }),
    ref: { kind: 'adagrad', lr: () => 0.2, initialAccumulatorValue: 0.3, epsilon: 1e-6 },
  },
  { name: 'Adam', make: () => new Adam({ learningRate: 0.01 }), ref: { kind: 'adam', lr: () => 0.01 } },
  {
    name: 'Adam betas',
    make: () => new Adam({ learningRate: 0.1, beta1: 0.5, beta2: 0.8, epsilon: 1e-3 }),
    ref: { kind: 'adam', lr: () => 0.1, beta1: 0.5, beta2: 0.8, epsilon: 1e-3 },
  },
  { name: 'AdamW', make: () => new AdamW({ learningRate: 0.01, weightDecay: 0.1 }), ref: { kind: 'adam', lr: () => 0.01, weightDecay: 0.1 } },
  { name: 'AdamW default decay', make: () => new AdamW({ learningRate: 0.5 }), ref: { kind: 'adam', lr: () => 0.5, weightDecay: 0.004 } },
  { name: 'Adagrad weight decay', make: () => new Adagrad({ learningRate: 0.1, weightDecay: 0.2 }), ref: { kind: 'adagrad', lr: () => 0.1, weightDecay: 0.2 } },
  {
    name: 'RMSprop weight decay',
    make: () => new RMSprop({ learningRate: 0.01, weightDecay: 0.5, centered: true }),
    ref: { kind: 'rmsprop', lr: () => 0.01, weightDecay: 0.5, centered: true },
  },
  {
    name: 'Adam with an ExponentialDecay schedule',
    make: () => new Adam({ learningRate: new ExponentialDecay(0.1, 1, 0.5) }),
    ref: { kind: 'adam', lr: (s) => 0.1 * 0.5 ** s },
  },
  {
    name: 'SGD momentum with a piecewise schedule and weight decay',
    make: () => new SGD({ learningRate: new PiecewiseConstantDecay([0, 1], [0.3, 0.2, 0.1]), momentum: 0.9, weightDecay: 0.5 }),
    ref: { kind: 'sgd', lr: (s) => [0.3, 0.2, 0.1][s], momentum: 0.9, weightDecay: 0.5 },
  },
];

for (const c of cases) {
  test(`${c.name}: first 3 steps match the Keras formulas (float32, float64)`, () => checkAgainstReference(c.make, c.ref));
}

test('Adam amsgrad: keeps the running max of v (and differs from plain Adam once v shrinks)', () => {
  const grads = [
    [1, -2, 0.5, 3],
    [0.01, 0.01, 0.01, 0.01],
    [0.01, -0.01, 0.02, 0],
  ];
  checkAgainstReference(() => new Adam({ learningRate: 0.1, amsgrad: true }), { kind: 'adam', lr: () => 0.1, amsgrad: true }, grads);
  checkAgainstReference(() => new Adam({ learningRate: 0.1, beta2: 0.5, amsgrad: true }), { kind: 'adam', lr: () => 0.1, beta2: 0.5, amsgrad: true }, grads);
  const ams = reference({ kind: 'adam', lr: () => 0.1, beta2: 0.5, amsgrad: true }, P0, grads)[2];
  const plain = reference({ kind: 'adam', lr: () => 0.1, beta2: 0.5 }, P0, grads)[2];
  assert.ok(ams.some((x, i) => Math.abs(x - plain[i]) > 1e-3), `amsgrad ${ams} vs adam ${plain}`);
  assert.deepEqual(new Adam({ amsgrad: true }).slotNames, ['momentum', 'velocity', 'velocity_hat']);
});

test('hand-worked values: SGD, momentum, nesterov, RMSprop, Adagrad, Adam on p = 1, g = 1', () => {
  const run = (opt: Optimizer, steps: number): number => {
    const w = variable([1], 'float64');
    for (let i = 0; i < steps; i++) opt.applyGradients([[dt.tensor([1], { dtype: 'float64' }), w]]);
    return w.dataSync()[0];
  };
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(run(new SGD({ learningRate: 0.1 }), 2), 0.8);
  // v = -0.1, p = 0.9; v = 0.9 * -0.1 - 0.1 = -0.19, p = 0.71
  close(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), 2), 0.71);
  // p = 1 + (0.9 * -0.1 - 0.1) = 0.81; p = 0.81 + (0.9 * -0.19 - 0.1) = 0.539
  close(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 2), 0.539);
  // v = 0.1, p = 1 - 0.1 / sqrt(0.1 + 1e-7)
  close(run(new RMSprop({ learningRate: 0.1 }), 1), 1 - 0.1 / Math.sqrt(0.1 + 1e-7));
  // centered: v = 0.1, a = 0.1, denom = 0.1 - 0.01 + 1e-7
  close(run(new RMSprop({ learningRate: 0.1, centered: true }), 1), 1 - 0.1 / Math.sqrt(0.09 + 1e-7));
  // acc = 0.1 + 1, p = 1 - 0.1 / sqrt(1.1 + 1e-7)
  close(run(new Adagrad({ learningRate: 0.1 }), 1), 1 - 0.1 / Math.sqrt(1.1 + 1e-7));
  // m = 0.1, v = 0.001, alpha = 0.1 * sqrt(0.001) / 0.1; p = 1 - alpha * 0.1 / (sqrt(0.001) + 1e-7)
  close(run(new Adam({ learningRate: 0.1 }), 1), 1 - (Math.sqrt(0.001) * 0.1) / (Math.sqrt(0.001) + 1e-7));
  // bias correction, step 2: m = 0.19, v = 0.001999, alpha = 0.1 sqrt(1 - 0.999^2) / (1 - 0.81)
  const p1 = 1 - (Math.sqrt(0.001) * 0.1) / (Math.sqrt(0.001) + 1e-7);
  const alpha2 = (0.1 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
  close(run(new Adam({ learningRate: 0.1 }), 2), p1 - (alpha2 * 0.19) / (Math.sqrt(0.001999) + 1e-7));
  // AdamW: decay first: p = 1 - 0.1 * 0.5 * 1 = 0.95, then the Adam step
  close(run(new AdamW({ learningRate: 0.1, weightDecay: 0.5 }), 1), 0.95 - (Math.sqrt(0.001) * 0.1) / (Math.sqrt(0.001) + 1e-7));
});

// ---- Keras' own test values (keras/src/optimizers/*_test.py) ----

const KERAS_VARS = [1, 2, 3, 4];
const KERAS_GRADS = [1, 6, 7, 2];

function kerasSingleStep(opt: Optimizer): Float32Array {
  const w = variable(KERAS_VARS, 'float32');
  opt.applyGradients([[dt.tensor(KERAS_GRADS), w]]);
  return w.dataSync() as Float32Array;
}

test('Keras test_single_step values', () => {
  assertClose(kerasSingleStep(new SGD({ learningRate: 0.5 })), [0.5, -1.0, -0.5, 3.0], 1e-4, 1e-4, 'SGD');
  assertClose(kerasSingleStep(new RMSprop({ learningRate: 0.5 })), [-0.5811, 0.4189, 1.4189, 2.4189], 1e-4, 1e-4, 'RMSprop');
  assertClose(kerasSingleStep(new Adagrad({ learningRate: 0.5 })), [0.5233, 1.5007, 2.5005, 3.5061], 1e-4, 1e-4, 'Adagrad');
  assertClose(kerasSingleStep(new Adam({ learningRate: 0.5 })), [0.5, 1.5, 2.5, 3.5], 1e-4, 1e-4, 'Adam');
  assertClose(kerasSingleStep(new AdamW({ learningRate: 0.5 })), [0.498, 1.496, 2.494, 3.492], 1e-4, 1e-4, 'AdamW');
});

/** Keras' test_correctness_with_golden: one step with 0.01 everywhere, then 0.1..1.0, checked after each step. */
function kerasGolden(opt: Optimizer, golden: number[][], dtype: DType): void {
  const x = variable(new Array(10).fill(1), dtype);
  const grads = dt.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], { dtype });
  opt.applyGradients([[dt.full([10], 0.01, dtype), x]]);
  for (let i = 0; i < 5; i++) {
    assertClose(x.dataSync(), golden[i], 5e-4, 5e-4, `${opt.className} golden ${i}`);
    opt.applyGradients([[grads, x]]);
  }
}
const tile = (rows: number[]): number[][] => rows.map((r) => new Array(10).fill(r));

for (const dtype of DTYPES) {
  test(`Keras golden values (${dtype})`, () => {
    kerasGolden(
      new SGD({ nesterov: true }),
      [
        [0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999],
        [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
        [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
        [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
        [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599],
      ],
      dtype,
    );
    kerasGolden(new RMSprop({ centered: true }), tile([0.9967, 0.9933, 0.9908, 0.9885, 0.9864]), dtype);
    kerasGolden(
      new Adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3, epsilon: 1e-6 }),
      [
        [0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963],
        [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
        [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
        [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
        [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825],
      ],
      dtype,
    );
    kerasGolden(new Adam({ amsgrad: true }), tile([0.999, 0.9982, 0.9974, 0.9965, 0.9955]), dtype);
    kerasGolden(
      new AdamW({ learningRate: 1.0, weightDecay: 0.5, epsilon: 2 }),
      [
        [0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998],
        [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
        [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
        [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
        [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159],
      ],
      dtype,
    );
  });
}

test('Keras test_weight_decay: every optimizer decays 2.0 -> 1.9760959 over three calls; exclusions by name and by variable', () => {
  const makers: (() => Optimizer)[] = [
    () => new SGD({ learningRate: 1, weightDecay: 0.004 }),
    () => new RMSprop({ learningRate: 1, weightDecay: 0.004 }),
    () => new Adagrad({ learningRate: 1, weightDecay: 0.004 }),
    () => new Adam({ learningRate: 1, weightDecay: 0.004 }),
    () => new AdamW({ learningRate: 1, weightDecay: 0.004 }),
  ];
  for (const make of makers) {
    const zero = dt.zeros([]);
    const var1 = dt.variable(dt.scalar(2), { name: 'var1' });
    const var2 = dt.variable(dt.scalar(2), { name: 'exclude' });
    const var3 = dt.variable(dt.scalar(2), { name: 'var3' });
    make().applyGradients([[zero, var1]]);
    const o2 = make();
    o2.excludeFromWeightDecay({ varNames: ['exclude'] });
    o2.applyGradients([
      [zero, var1],
      [zero, var2],
    ]);
    const o3 = make();
    o3.excludeFromWeightDecay({ variables: [var3] });
    o3.applyGradients([
      [zero, var1],
      [zero, var3],
    ]);
    const name = make().className;
    assert.ok(Math.abs(var1.item() - 1.9760959) < 1e-6, `${name}: ${var1.item()}`);
    assert.equal(var2.item(), 2, name);
    assert.equal(var3.item(), 2, name);
  }
});

test('updates go through backend.step, one call per variable, never a JS loop in the optimizer', () => {
  const b = dt.getBackend('cpu');
  const original = b.step;
  const calls: string[] = [];
  b.step = (kind, param, grad, slots, h) => {
    calls.push(`${kind}:${slots.length}:${h.lr}`);
    original.call(b, kind, param, grad, slots, h);
  };
  try {
    const a = variable([1, 2], 'float32', 'a');
    const c = variable([3], 'float32', 'c');
    const pairs = [[dt.tensor([1, 1]), a], [dt.tensor([1]), c]] as const;
    new SGD({ learningRate: 0.5 }).applyGradients(pairs);
    new SGD({ learningRate: 0.5, momentum: 0.9 }).applyGradients(pairs);
    new RMSprop({ learningRate: 0.5, momentum: 0.9, centered: true }).applyGradients(pairs);
    new Adam({ learningRate: 0.5 }).applyGradients(pairs);
    new Adagrad({ learningRate: 0.5 }).applyGradients(pairs);
    assert.deepEqual(calls, ['sgd:0:0.5', 'sgd:0:0.5', 'momentum:1:0.5', 'momentum:1:0.5', 'rmsprop:3:0.5', 'rmsprop:3:0.5', 'adam:2:0.5', 'adam:2:0.5', 'adagrad:1:0.5', 'adagrad:1:0.5']);
  } finally {
    b.step = original;
  }
});

test('gradients that are views, of another float dtype, or aliased to the variable are handled', () => {
  const w = variable([1, 2, 3, 4, 5, 6], 'float32');
  const wm = dt.variable(dt.tensor([[1, 2, 3], [4, 5, 6]]), { name: 'm' });
  const opt = new SGD({ learningRate: 1 });
  // a transposed (non-contiguous) float64 gradient for the matrix, a float64 gradient for the vector
  const gT = dt.transpose(dt.tensor([[1, 4], [2, 5], [3, 6]], { dtype: 'float64' }));
  opt.applyGradients([
    [gT, wm],
    [dt.tensor([1, 1, 1, 1, 1, 1], { dtype: 'float64' }), w],
  ]);
  assert.deepEqual(wm.toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(Array.from(w.dataSync()), [0, 1, 2, 3, 4, 5]);
  // the gradient is the variable itself: p -= lr * p must read the old p
  const v = variable([2, 4], 'float64');
  new SGD({ learningRate: 0.5 }).applyGradients([[v, v]]);
  assert.deepEqual(Array.from(v.dataSync()), [1, 2]);
});

test('null gradients are skipped; all-null is an error; an empty list is a no-op', () => {
  const a = variable([1], 'float32', 'a');
  const b = variable([1], 'float32', 'b');
  const opt = new SGD({ learningRate: 1 });
  opt.applyGradients([]);
  assert.equal(opt.iterations, 0);
  opt.applyGradients([
    [null, a],
    [dt.tensor([1]), b],
  ]);
  assert.equal(a.item(), 1);
  assert.equal(b.item(), 0);
  assert.equal(opt.iterations, 1);
  assert.throws(() => opt.applyGradients([[null, a]]), /no gradients provided for any variable \("a"\)/);
});

test('bad gradients and variables give clear errors', () => {
  const w = variable([1, 2], 'float32');
  const opt = new Adam();
  assert.throws(() => opt.applyGradients([[dt.tensor([1, 2, 3]), w]]), (e: Error) => e.name === 'ShapeError' && /gradient \[3\] does not match variable "w" \[2\]/.test(e.message));
  assert.throws(() => opt.applyGradients([[dt.tensor([1, 2], { dtype: 'int32' }), w]]), /dtype int32/);
  assert.throws(() => opt.applyGradients([[dt.tensor([1, 2]), dt.slice(w, [{ start: 0, stop: 1 }]) as dt.Tensor]]), /shape|view/);
  const i = dt.variable(dt.tensor([1, 2], { dtype: 'int32' }), { name: 'i', trainable: false });
  assert.throws(() => opt.applyGradients([[dt.tensor([1, 2]), i]]), /only float variables/);
  assert.throws(() => opt.applyGradients([[dt.tensor([1, 2]), w], [dt.tensor([1, 2]), w]]), /appears twice/);
  assert.equal(opt.iterations, 0, 'failed calls do not count');
});

test('constructor options are validated (Keras ranges) and unknown options are named', () => {
  assert.throws(() => new SGD({ momentum: 1.5 }), /`momentum` must be in \[0, 1\]/);
  assert.throws(() => new SGD({ momentum: -0.1 }), /momentum/);
  assert.throws(() => new RMSprop({ rho: 1.1 }), /`rho` must be in \[0, 1\]/);
  assert.throws(() => new RMSprop({ epsilon: 0 }), /`epsilon` must be > 0/);
  assert.throws(() => new Adam({ learningRate: -1 }), /learningRate/);
  assert.throws(() => new Adam({ learningRate: NaN }), /learningRate/);
  assert.throws(() => new Adam({ lr: 0.1 } as never), /unknown option "lr" \(known: learningRate, /);
  assert.throws(() => new AdamW({ weightDecay: null as never }), /weightDecay/);
  new RMSprop({ rho: 0, momentum: 1 });
});

test('Keras defaults', () => {
  const s = new SGD();
  assert.deepEqual([s.learningRate, s.momentum, s.nesterov, s.weightDecay, s.name], [0.01, 0, false, null, 'SGD']);
  const r = new RMSprop();
  assert.deepEqual([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered, r.name], [0.001, 0.9, 0, 1e-7, false, 'rmsprop']);
  const a = new Adam();
  assert.deepEqual([a.learningRate, a.beta1, a.beta2, a.epsilon, a.amsgrad, a.weightDecay, a.name], [0.001, 0.9, 0.999, 1e-7, false, null, 'adam']);
  const w = new AdamW();
  assert.deepEqual([w.learningRate, w.weightDecay, w.name, w.className], [0.001, 0.004, 'adamw', 'AdamW']);
  const g = new Adagrad();
  assert.deepEqual([g.learningRate, g.initialAccumulatorValue, g.epsilon, g.name], [0.001, 0.1, 1e-7, 'adagrad']);
});
