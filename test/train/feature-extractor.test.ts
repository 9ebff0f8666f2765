/** layer.output / layer.input, featureExtractor, and trainable on models (propagates to sublayers, as in Keras 3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { tempDir } from './helpers.js';

const L = dt.layers;
const values = (t: dt.Tensor | dt.Tensor[]): number[] => Array.from((t as dt.Tensor).dataSync());

test('layer.output / layer.input are the symbolic tensors of the first call; a Functional gives its own', () => {
  const x = dt.input({ shape: [4], name: 'x' });
  const d1 = L.dense({ units: 3, name: 'd1' });
  const h = d1.apply(x);
  const d2 = L.dense({ units: 2, name: 'd2' });
  const y = d2.apply(h);
  assert.equal(d1.output, h);
  assert.equal(d1.input, x);
  assert.equal(d2.input, h);
  assert.equal(d2.output, y);
  const m = dt.model({ inputs: x, outputs: y });
  assert.equal(m.getLayer('x').output, x);
  assert.equal(m.getLayer('x').input, x);
  assert.equal(m.output, y);
  assert.equal(m.input, x);
  // applied again (shared), output stays the first call's
  d1.apply(dt.input({ shape: [4] }));
  assert.equal(d1.output, h);
  // a Keras-style intermediate model from it shares the weights
  const mid = dt.model({ inputs: m.input, outputs: m.getLayer('d1').output });
  assert.equal(mid.weights[0], d1.weights[0]);
  const data = dt.randn([5, 4]);
  assert.deepEqual(values(mid.predict(data)), values(d1.apply(data)));
  const split = L.dense({ units: 2 });
  const multi = dt.model({ inputs: x, outputs: [y, split.apply(x)] });
  assert.deepEqual(multi.output, multi.outputs);

  const lone = L.dense({ units: 2, name: 'lone' });
  assert.throws(() => lone.output, /lone\.output: the layer has not been called on a symbolic tensor.*featureExtractor/);
  const seq = dt.sequential([L.dense({ units: 2, inputShape: [3], name: 'sq' })]);
  assert.throws(() => seq.getLayer('sq').output, dt.ValueError);
});

test('featureExtractor on a Functional model: intermediate outputs, shared weights, saved and reloaded', async () => {
  dt.seed(1);
  const x = dt.input({ shape: [6], name: 'x' });
  const a = L.dense({ units: 5, activation: 'relu', name: 'a' });
  const b = L.dense({ units: 4, activation: 'tanh', name: 'b' });
  const head = L.dense({ units: 2, name: 'head' });
  const ha = a.apply(x);
  const hb = b.apply(ha);
  const base = dt.model({ inputs: x, outputs: head.apply(hb), name: 'base' });
  const fx = dt.featureExtractor(base, ['b', 'a'], { name: 'fx' });
  assert.equal(fx.name, 'fx');
  assert.deepEqual(fx.outputs, [hb, ha]);
  assert.deepEqual(fx.layers.map((l) => l.name), ['x', 'a', 'b']);
  assert.equal(fx.weights[0], a.weights[0]);
  const data = dt.randn([3, 6]);
  const [fb, fa] = fx.predict(data) as dt.Tensor[];
  assert.deepEqual(values(fa), values(a.apply(data)));
  assert.deepEqual(values(fb), values(b.apply(a.apply(data))));
  assert.match(dt.featureExtractor(base, 'a').name, /^base_features(_\d+)?$/);
  // by index, and the input layer itself
  assert.deepEqual(dt.featureExtractor(base, 1).outputs, [ha]);
  assert.deepEqual(dt.featureExtractor(base, 'x').outputs, [x]);
  // it is an ordinary Functional model: save + load
  const dir = join(tempDir('deepts-fx-'), 'fx');
  await fx.save(dir);
  const again = await dt.loadModel(dir);
  const [gb] = again.predict(data) as dt.Tensor[];
  assert.deepEqual(values(gb), values(fb));
  assert.throws(() => dt.featureExtractor(base, 'nope'), /no layer named "nope"/);
  assert.throws(() => dt.featureExtractor(base, []), /name at least one layer/);
});

test('featureExtractor on a Sequential model replays its stack on a new input (shared layers)', () => {
  dt.seed(2);
  const seq = dt.sequential({ name: 'stack', layers: [
    L.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], name: 'conv' }),
    L.flatten({ name: 'flat' }),
    L.dense({ units: 3, name: 'out' }),
  ] });
  const fx = dt.featureExtractor(seq, 'flat');
  assert.deepEqual(fx.outputShapes, [[null, 32]]);
  assert.deepEqual(fx.weights, seq.getLayer('conv').weights);
  const data = dt.randn([2, 6, 6, 1]);
  const expect = seq.getLayer('flat').apply(seq.getLayer('conv').apply(data));
  assert.deepEqual(values(fx.predict(data)), values(expect));
  const two = dt.featureExtractor(seq, ['out', 'conv']);
  assert.deepEqual(two.outputShapes, [[null, 3], [null, 4, 4, 2]]);
  assert.deepEqual(values((two.predict(data) as dt.Tensor[])[0]), values(seq.predict(data)));
  const unbuilt = dt.sequential([L.dense({ units: 2 })]);
  assert.throws(() => dt.featureExtractor(unbuilt, 0), /has no input shape yet/);
});

test('trainable = false on a model freezes every sublayer: weights and BatchNormalization statistics stay put during fit', async () => {
  dt.seed(3);
  const inner = dt.sequential({ name: 'inner', layers: [
    L.dense({ units: 8, inputShape: [4], name: 'd' }),
    L.batchNormalization({ name: 'bn' }),
  ] });
  inner.trainable = false;
  assert.equal(inner.getLayer('bn').trainable, false);
  assert.equal(inner.getLayer('d').trainable, false);
  const outer = dt.sequential([inner, L.dense({ units: 1, name: 'top' })]);
  outer.compile({ optimizer: 'adam', loss: 'mse' });
  assert.equal(outer.trainableWeights.length, 2);
  const before = inner.weights.map((w) => values(w));
  const top = values(outer.getLayer('top').weights[0]);
  await outer.fit(dt.randn([32, 4]), dt.randn([32, 1]), { epochs: 2, batchSize: 8, verbose: 0 });
  assert.deepEqual(inner.weights.map((w) => values(w)), before, 'frozen weights and moving statistics unchanged');
  assert.notDeepEqual(values(outer.getLayer('top').weights[0]), top);
  // unfreezing the model unfreezes its layers; one layer can then be frozen again on its own
  inner.trainable = true;
  inner.getLayer('bn').trainable = false;
  assert.equal(inner.getLayer('d').trainable, true);
  assert.equal(outer.trainableWeights.length, 4);
});
