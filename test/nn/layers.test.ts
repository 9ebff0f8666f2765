/**
 * Layers: output shapes (symbolic and real), Keras parameter counts, getWeights/setWeights, getConfig → registry
 * round trips, trainable = false, Dropout and BatchNormalization in training and inference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { values, assertClose } from '../helpers/assert.js';

const { ShapeError, ValueError, FormatError } = dt;

/** Symbolic output shape and the real output shape for a batch of 3 agree with `expected`. */
function checkShapes(layer: dt.Layer, sampleShape: number[], expected: (number | null)[]): void {
  const x = dt.input({ shape: sampleShape });
  const y = layer.apply(x);
  assert.deepEqual(y.shape, expected, `${layer.name}: symbolic shape`);
  const real = layer.apply(dt.randn([3, ...sampleShape]));
  assert.deepEqual(real.shape, [3, ...(expected.slice(1) as number[])], `${layer.name}: real shape`);
}

test('output shapes of every core layer (symbolic and on real tensors)', () => {
  checkShapes(layers.dense({ units: 512 }), [784], [null, 512]);
  checkShapes(layers.dense({ units: 4 }), [5, 3], [null, 5, 4]); // Dense acts on the last axis
  checkShapes(layers.activation({ activation: 'relu' }), [7, 2], [null, 7, 2]);
  checkShapes(layers.flatten(), [28, 28], [null, 784]);
  checkShapes(layers.flatten(), [4, 3, 2], [null, 24]);
  checkShapes(layers.reshape({ targetShape: [28, 28] }), [784], [null, 28, 28]);
  checkShapes(layers.reshape({ targetShape: [-1, 4] }), [12], [null, 3, 4]);
  checkShapes(layers.dropout({ rate: 0.5 }), [10], [null, 10]);
  checkShapes(layers.batchNormalization(), [6], [null, 6]);
  checkShapes(layers.batchNormalization({ axis: 1 }), [3, 5], [null, 3, 5]);
  const inp = dt.input({ shape: [28, 28, 1] });
  assert.deepEqual(inp.shape, [null, 28, 28, 1]);
});

test('a bad Reshape target is a ShapeError naming the layer and both shapes', () => {
  const r = layers.reshape({ targetShape: [5, 5], name: 'bad_reshape' });
  assert.throws(() => r.apply(dt.input({ shape: [784] })), (e: Error) => e instanceof ShapeError && /bad_reshape/.test(e.message) && /784/.test(e.message) && /\[5,5\]/.test(e.message));
});

test('parameter counts: the Keras MNIST MLP has 401,920 + 5,130 = 407,050', () => {
  dt.clearSession();
  const model = dt.sequential([layers.dense({ units: 512, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })]);
  assert.equal(model.getLayer(0).countParams(), 401_920);
  assert.equal(model.getLayer(1).countParams(), 5_130);
  assert.equal(model.countParams(), 407_050);
  const text = model.summary({ print: () => {} });
  assert.match(text, /Model: "sequential"/);
  assert.match(text, /dense \(Dense\)\s+│ \(None, 512\)\s+│\s+401,920 │/);
  assert.match(text, /dense_1 \(Dense\)\s+│ \(None, 10\)\s+│\s+5,130 │/);
  assert.match(text, /Total params: 407,050 \(1\.55 MB\)/);
  assert.match(text, /Trainable params: 407,050/);
  assert.match(text, /Non-trainable params: 0 /);
  // the weights are created in build(), named after the layer
  assert.deepEqual(model.weights.map((w) => w.name), ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
  assert.deepEqual(model.weights.map((w) => w.shape), [[784, 512], [512], [512, 10], [10]]);
});

test('parameter counts of the other layers (Keras values)', () => {
  const bn = layers.batchNormalization();
  bn.apply(dt.input({ shape: [64] }));
  assert.equal(bn.countParams(), 256); // gamma, beta trainable; moving mean/variance not
  assert.equal(bn.trainableWeights.length, 2);
  assert.equal(bn.nonTrainableWeights.length, 2);
  const noBias = layers.dense({ units: 3, useBias: false });
  noBias.apply(dt.input({ shape: [4] }));
  assert.equal(noBias.countParams(), 12);
  for (const l of [layers.flatten(), layers.dropout({ rate: 0.2 }), layers.activation({ activation: 'tanh' }), layers.reshape({ targetShape: [2, 2] })]) {
    l.apply(dt.input({ shape: [4] }));
    assert.equal(l.countParams(), 0, l.name);
  }
  assert.throws(() => layers.dense({ units: 2 }).countParams(), /not built/);
});

test('weights are created in build(inputShape), once', () => {
  const d = layers.dense({ units: 3 });
  assert.equal(d.built, false);
  assert.equal(d.weights.length, 0);
  d.build([null, 5]);
  assert.equal(d.built, true);
  assert.deepEqual(d.weights.map((w) => w.shape), [[5, 3], [3]]);
  d.apply(dt.randn([2, 5])); // already built: no new weights
  assert.equal(d.weights.length, 2);
});

test('getWeights / setWeights round trip, and their errors', () => {
  const d = layers.dense({ units: 2, name: 'dense_rt' });
  d.build([null, 3]);
  const w = d.getWeights();
  assert.equal(w.length, 2);
  const kernel = [1, 2, 3, 4, 5, 6];
  d.setWeights([dt.tensor(kernel, { shape: [3, 2] }), dt.tensor([0.5, -0.5])]);
  assert.deepEqual(values(d.kernel!), kernel);
  assert.deepEqual(values(d.getWeights()[1]), [0.5, -0.5]);
  // getWeights returns copies: changing the layer does not change them
  d.setWeights(w);
  assert.deepEqual(values(d.getWeights()[0]), values(w[0]));
  assert.notDeepEqual(values(d.kernel!), kernel);
  // y = x @ kernel + bias with the values we set
  d.setWeights([dt.tensor(kernel, { shape: [3, 2] }), new Float32Array([1, 1])]);
  assertClose(d.apply(dt.tensor([[1, 0, -1]])), [1 - 5 + 1, 2 - 6 + 1]);
  assert.throws(() => d.setWeights([w[0]]), (e: Error) => e instanceof ValueError && /dense_rt\.setWeights: expected 2 arrays/.test(e.message) && /dense_rt\/kernel \[3,2\]/.test(e.message));
  assert.throws(() => d.setWeights([dt.zeros([2, 2]), w[1]]), (e: Error) => e instanceof ShapeError && /dense_rt\/kernel has shape \[3,2\], got \[2,2\]/.test(e.message));
});

/** Serializes, rebuilds through the registry, copies weights: same config and same outputs. */
function roundTrip(layer: dt.Layer, sampleShape: number[]): void {
  const x = dt.randn([4, ...sampleShape]);
  layer.apply(dt.input({ shape: sampleShape }));
  const spec = JSON.parse(JSON.stringify(dt.serializeLayer(layer)));
  const copy = dt.deserializeLayer(spec);
  assert.equal(copy.className, layer.className);
  assert.equal(copy.name, layer.name);
  assert.deepEqual(copy.getConfig(), layer.getConfig(), `${layer.className} config`);
  copy.apply(dt.input({ shape: sampleShape }));
  copy.setWeights(layer.getWeights());
  assertClose(copy.apply(x, { training: false }), layer.apply(x, { training: false }), { message: layer.className });
}

test('getConfig → deserializeLayer rebuilds every layer (same config, same outputs)', () => {
  roundTrip(layers.dense({ units: 3, activation: 'tanh', kernelInitializer: 'heNormal', kernelRegularizer: { className: 'L2', config: { l2: 0.01 } }, useBias: true }), [5]);
  roundTrip(layers.dense({ units: 2, useBias: false, inputShape: [5] }), [5]);
  roundTrip(layers.activation({ activation: 'softmax' }), [6]);
  roundTrip(layers.flatten(), [2, 3]);
  roundTrip(layers.reshape({ targetShape: [3, -1] }), [6]);
  roundTrip(layers.dropout({ rate: 0.3 }), [6]);
  roundTrip(layers.batchNormalization({ momentum: 0.9, epsilon: 1e-2, center: false }), [4]);
  const inputLayer = layers.inputLayer({ shape: [4], name: 'in_rt' });
  const rebuilt = dt.deserializeLayer(JSON.parse(JSON.stringify(dt.serializeLayer(inputLayer))));
  assert.deepEqual(rebuilt.batchInputShape, [null, 4]);
  assert.equal(rebuilt.name, 'in_rt');
});

test('models rebuild from JSON through the registry too', () => {
  const seq = dt.sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dropout({ rate: 0.1 }), layers.dense({ units: 2 })]);
  const seq2 = dt.deserializeLayer(JSON.parse(JSON.stringify(dt.serializeLayer(seq)))) as dt.Sequential;
  seq2.setWeights(seq.getWeights());
  const x = dt.randn([5, 3]);
  assertClose(seq2.predict(x) as dt.Tensor, seq.predict(x) as dt.Tensor);

  const a = dt.input({ shape: [3] });
  const shared = layers.dense({ units: 3, activation: 'tanh' });
  const out = layers.dense({ units: 1 }).apply(shared.apply(shared.apply(a)));
  const fn = dt.model({ inputs: a, outputs: out });
  const fn2 = dt.deserializeLayer(JSON.parse(JSON.stringify(dt.serializeLayer(fn)))) as dt.Functional;
  assert.equal(fn2.countParams(), fn.countParams());
  fn2.setWeights(fn.getWeights());
  assertClose(fn2.predict(x) as dt.Tensor, fn.predict(x) as dt.Tensor);
});

test('unknown layer classes in JSON are a FormatError listing the known ones', () => {
  assert.throws(() => dt.deserializeLayer({ className: 'Densse', config: {} }, 'model.json'), (e: Error) => e instanceof FormatError && /model\.json: unknown layer class "Densse"/.test(e.message) && /Dense/.test(e.message));
  assert.throws(() => dt.deserializeLayer({ className: 'Dense', config: { units: -1 } }, 'model.json'), (e: Error) => e instanceof FormatError && /invalid config/.test(e.message));
});

test('Dropout is active only in training, scaling the kept values by 1/(1-rate)', () => {
  dt.seed(3);
  const drop = layers.dropout({ rate: 0.25 });
  const x = dt.ones([100, 100]);
  assert.deepEqual(values(drop.apply(x)), values(x)); // inference (default)
  assert.deepEqual(values(drop.apply(x, { training: false })), values(x));
  const y = values(drop.apply(x, { training: true }));
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / y.length - 0.25) < 0.03, `dropped fraction ${zeros / y.length}`);
  for (const v of y) assert.ok(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6, `value ${v}`);
  // seeded: the same mask again
  dt.seed(3);
  assert.deepEqual(values(drop.apply(x, { training: true })), y);
});

test('BatchNormalization: batch statistics in training, moving averages updated with momentum', () => {
  const bn = layers.batchNormalization({ momentum: 0.9 });
  const data = [1, 10, 3, 20, 5, 30, 7, 40]; // 4 samples, 2 features
  const x = dt.tensor(data, { shape: [4, 2] });
  const y = values(bn.apply(x, { training: true }));
  const f0 = [1, 3, 5, 7], f1 = [10, 20, 30, 40];
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const variance = (a: number[]) => mean(a.map((v) => (v - mean(a)) ** 2)); // biased, like Keras
  const expected: number[] = [];
  for (let i = 0; i < 4; i++) {
    expected.push((f0[i] - mean(f0)) / Math.sqrt(variance(f0) + 1e-3), (f1[i] - mean(f1)) / Math.sqrt(variance(f1) + 1e-3));
  }
  assertClose(y, expected, { rtol: 1e-4, atol: 1e-5 });
  assertClose(bn.movingMean!, [0.1 * mean(f0), 0.1 * mean(f1)], { rtol: 1e-5 });
  assertClose(bn.movingVariance!, [0.9 + 0.1 * variance(f0), 0.9 + 0.1 * variance(f1)], { rtol: 1e-5 });
  bn.apply(x, { training: true });
  assertClose(bn.movingMean!, [0.19 * mean(f0), 0.19 * mean(f1)], { rtol: 1e-5 });
  // inference: the moving statistics, and they do not move
  const mm = values(bn.movingMean!), mv = values(bn.movingVariance!);
  const yi = values(bn.apply(x, { training: false }));
  assertClose(yi, data.map((v, i) => (v - mm[i % 2]) / Math.sqrt(mv[i % 2] + 1e-3)), { rtol: 1e-4, atol: 1e-5 });
  assert.deepEqual(values(bn.movingMean!), mm);
});

test('a frozen BatchNormalization uses its moving statistics even in training (Keras 3)', () => {
  const bn = layers.batchNormalization();
  const x = dt.tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
  bn.apply(x, { training: true });
  bn.trainable = false;
  const mm = values(bn.movingMean!);
  const mv = values(bn.movingVariance!);
  const y = values(bn.apply(x, { training: true }));
  assertClose(y, [1, 2, 3, 4, 5, 6].map((v, i) => (v - mm[i % 2]) / Math.sqrt(mv[i % 2] + 1e-3)), { rtol: 1e-4, atol: 1e-5 });
  assert.deepEqual(values(bn.movingMean!), mm);
  assert.equal(bn.trainableWeights.length, 0);
  assert.equal(bn.nonTrainableWeights.length, 4);
});

test('trainable = false freezes a layer during fit (weights unchanged), the others still learn', async () => {
  dt.seed(5);
  const frozen = layers.dense({ units: 8, activation: 'relu', inputShape: [4], name: 'frozen_dense' });
  const bn = layers.batchNormalization({ name: 'frozen_bn' });
  const head = layers.dense({ units: 3, activation: 'softmax' });
  const model = dt.sequential([frozen, bn, head]);
  frozen.trainable = false;
  bn.trainable = false;
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  assert.equal(model.trainableWeights.length, 2); // only the head
  assert.equal(model.countParams(), 4 * 8 + 8 + 4 * 8 + 8 * 3 + 3);
  const summary = model.summary({ print: () => {} });
  assert.match(summary, /Non-trainable params: 72 /);
  const before = [frozen, bn].map((l) => l.getWeights().map(values));
  const headBefore = values(head.getWeights()[0]);
  const x = dt.randn([32, 4]);
  const y = dt.randint(0, 3, [32]);
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
  assert.deepEqual([frozen, bn].map((l) => l.getWeights().map(values)), before); // moving stats too
  assert.notDeepEqual(values(head.getWeights()[0]), headBefore);
  // unfreezing makes them trainable again
  frozen.trainable = true;
  assert.equal(model.trainableWeights.length, 4);
});
