/**
 * Keras HDF5 import against fixtures in Keras's own layout (test/fixtures/keras/make_fixtures.py writes them with
 * h5py the way Keras 2 / Keras 3 do, and computes the expected outputs with numpy forward passes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ort from 'onnxruntime-node';
import * as dt from '../../src/index.js';
import { kerasModelFromBytes, loadKerasModel, loadKerasWeights, readKerasH5 } from '../../src/io/keras-h5.js';
import { KERAS_SUPPORTED_CLASSES, modelFromKerasConfig } from '../../src/io/keras-config.js';
import { onnxBytes } from '../../src/io/onnx/index.js';
import { maxAbsDiff, tempDir } from './interop-helpers.js';

const FIXTURES = new URL('../fixtures/keras/', import.meta.url);
interface Expected {
  note: string;
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Record<string, Expected>;
const fixtureBytes = (name: string) => new Uint8Array(gunzipSync(readFileSync(new URL(`${name}.gz`, FIXTURES))));
const dir = tempDir('deepts-keras-');
/** The fixture as a real .h5 file on disk. */
function fixtureFile(name: string): string {
  const f = join(dir, name);
  writeFileSync(f, fixtureBytes(name));
  return f;
}
const inputsOf = (e: Expected) => e.inputs.map((i) => dt.tensor(Float32Array.from(i.data), { shape: i.shape }));

function checkOutputs(model: dt.Model, name: string): number {
  const e = expected[name];
  const xs = inputsOf(e);
  const y = model.predict(xs.length === 1 ? xs[0] : xs);
  const ys = Array.isArray(y) ? y : [y];
  assert.equal(ys.length, e.outputs.length, `${name}: output count`);
  let worst = 0;
  ys.forEach((t, i) => {
    assert.deepEqual(t.shape, e.outputs[i].shape, `${name}: output ${i} shape`);
    worst = Math.max(worst, maxAbsDiff(t.dataSync(), e.outputs[i].data));
  });
  assert.ok(worst <= 1e-5, `${name}: max abs diff ${worst} vs the numpy forward pass`);
  return worst;
}

const FULL_MODELS = ['keras2_mlp.h5', 'keras2_cnn.h5', 'keras2_functional.h5', 'keras3_cnn.h5', 'keras3_functional.h5', 'keras22_h5py2.h5'];

for (const name of FULL_MODELS) {
  test(`loadKerasModel(${name}) predicts like Keras (${expected[name].note})`, async () => {
    const model = await loadKerasModel(fixtureFile(name));
    checkOutputs(model, name);
    model.dispose();
  });
}

test('loaded models keep Keras layer names, classes and parameter counts', async () => {
  const m = await loadKerasModel(fixtureFile('keras2_cnn.h5'));
  assert.ok(m instanceof dt.Sequential);
  assert.deepEqual(m.layers.map((l) => l.name), ['conv2d', 'batch_normalization', 'activation', 'max_pooling2d', 'conv2d_1', 'batch_normalization_1', 'activation_1', 'flatten', 'dropout_1', 'dense_2']);
  // Keras: conv 40 + BN 16 + conv 222 + BN 24 + dense 165
  assert.equal(m.countParams(), 40 + 16 + 222 + 24 + 165);
  const f = await loadKerasModel(fixtureFile('keras2_functional.h5'));
  assert.ok(f instanceof dt.Functional);
  assert.ok(f.getLayer('block') instanceof dt.Functional, 'the nested Keras model stays a nested model');
  const k3 = await loadKerasModel(fixtureFile('keras3_functional.h5'));
  assert.deepEqual(k3.outputNames, ['dense_2', 'dense_3']);
});

test('readKerasH5 reads versions, layer order, weight names of both writers (vlen and fixed-length strings, chunked layer_names)', async () => {
  const k2 = readKerasH5(fixtureBytes('keras2_cnn.h5'), 'k2');
  assert.equal(k2.kerasVersion, '2.13.1');
  assert.equal(k2.backend, 'tensorflow');
  assert.deepEqual(k2.layers[1].weights.map((w) => w.name), ['batch_normalization/gamma:0', 'batch_normalization/beta:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']);
  assert.deepEqual(k2.layers[0].weights[0].shape, [3, 3, 1, 4]);
  const k3 = readKerasH5(fixtureBytes('keras3_cnn.h5'), 'k3');
  assert.equal(k3.kerasVersion, '3.3.3');
  assert.equal(k3.layers[0].weights[0].name, 'sequential/conv2d/kernel');
  assert.deepEqual(k3.topLevelWeights, []);
  const old = readKerasH5(fixtureBytes('keras22_h5py2.h5'), 'old');
  assert.deepEqual(old.layers.map((l) => l.name), ['dense_1', 'dense_2'], 'layer_names0 + layer_names1');
  assert.equal(old.kerasVersion, '2.2.4');
  const wo = readKerasH5(fixtureBytes('keras2_mlp_weights.h5'), 'w');
  assert.equal(wo.modelConfig, undefined);
  assert.deepEqual(wo.layers.map((l) => [l.name, l.weights.length]), [['dense', 2], ['dropout', 0], ['dense_1', 2]]);
});

function deeptsMlp(names: [string, string] = ['dense', 'dense_1'], hidden = 16): dt.Sequential {
  return dt.sequential([
    dt.layers.dense({ units: hidden, activation: 'relu', inputShape: [20], name: names[0] }),
    dt.layers.dropout({ rate: 0.2 }),
    dt.layers.dense({ units: 5, activation: 'softmax', name: names[1] }),
  ]);
}

test('loadKerasWeights: a save_weights file into a model built in deepts, by order and by name', async () => {
  const file = fixtureFile('keras2_mlp_weights.h5');
  const byOrder = deeptsMlp(['first', 'second']);
  const r = await loadKerasWeights(byOrder, file);
  assert.deepEqual(r.loaded, ['first', 'second']);
  checkOutputs(byOrder, 'keras2_mlp_weights.h5');

  const byName = deeptsMlp();
  const r2 = await loadKerasWeights(byName, file, { byName: true });
  assert.deepEqual([r2.loaded, r2.missing, r2.unexpected], [['dense', 'dense_1'], [], []]);
  checkOutputs(byName, 'keras2_mlp_weights.h5');

  const partly = deeptsMlp(['dense', 'other']);
  const r3 = await loadKerasWeights(partly, file, { byName: true });
  assert.deepEqual([r3.loaded, r3.missing, r3.unexpected], [['dense'], ['other'], ['dense_1']]);

  // the weights of a full-model file load the same way
  const full = deeptsMlp(['a', 'b']);
  await loadKerasWeights(full, fixtureFile('keras2_mlp.h5'));
  checkOutputs(full, 'keras2_mlp.h5');
});

test('loadKerasWeights: mismatches are FormatErrors naming the file and the weights, unless skipMismatch', async () => {
  const file = fixtureFile('keras2_mlp_weights.h5');
  const wrong = deeptsMlp(['dense', 'dense_1'], 12);
  const before = wrong.getWeights().map((t) => Array.from(t.dataSync()));
  await assert.rejects(loadKerasWeights(wrong, file), (e: unknown) => e instanceof dt.FormatError && e.file === file && /kernel of layer "dense" has shape \[20,12\]|\(20, 12\)|20, ?12/.test(e.message));
  assert.deepEqual(wrong.getWeights().map((t) => Array.from(t.dataSync())), before, 'a failed load changes nothing');
  const r = await loadKerasWeights(wrong, file, { skipMismatch: true });
  assert.deepEqual([r.loaded, r.skipped], [[], ['dense', 'dense_1']]);
  const tooFew = dt.sequential([dt.layers.dense({ units: 16, inputShape: [20] })]);
  await assert.rejects(loadKerasWeights(tooFew, file), /layer count mismatch: the model has 1 layers with weights/);
});

test('a Keras model loaded in deepts exports to ONNX and runs in onnxruntime with the same outputs', async () => {
  for (const name of ['keras2_functional.h5', 'keras3_cnn.h5']) {
    const m = await loadKerasModel(fixtureFile(name));
    const xs = inputsOf(expected[name]);
    const sess = await ort.InferenceSession.create(onnxBytes(m), { logSeverityLevel: 3 });
    const out = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(xs[0].dataSync()), xs[0].shape.slice()) });
    const d = maxAbsDiff(out[sess.outputNames[0]].data as Float32Array, expected[name].outputs[0].data);
    assert.ok(d <= 1e-5, `${name} via ONNX: ${d}`);
  }
});

test('bad files and unsupported content are FormatErrors naming the file', async () => {
  await assert.rejects(loadKerasModel(join(dir, 'nope.h5')), (e: unknown) => e instanceof dt.FormatError && /nope\.h5: file not found/.test(e.message));
  const notH5 = join(dir, 'not.h5');
  writeFileSync(notH5, 'PK\u0003\u0004 this is a zip, not HDF5');
  await assert.rejects(loadKerasModel(notH5), /not\.h5: not an HDF5 file/);
  const truncated = join(dir, 'trunc.h5');
  writeFileSync(truncated, fixtureBytes('keras2_mlp.h5').subarray(0, 3000));
  await assert.rejects(loadKerasModel(truncated), (e: unknown) => e instanceof dt.FormatError && e.file === truncated);
  await assert.rejects(loadKerasModel(fixtureFile('keras2_mlp_weights.h5')), /weights-only file.*loadKerasWeights/);
});

test('model_config mapping: unknown classes list the supported ones; Lambda is refused; bad values are FormatErrors', () => {
  const seq = (layers: unknown[]) => ({ class_name: 'Sequential', config: { name: 's', layers } });
  const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } };
  assert.throws(() => modelFromKerasConfig(seq([input, { class_name: 'LSTM', config: { name: 'lstm', units: 3 } }]), 'm.h5'),
    (e: unknown) => e instanceof dt.FormatError && e.file === 'm.h5' && /unknown or unsupported layer class "LSTM" \(supported: .*Conv2D.*Dense/.test(e.message));
  assert.throws(() => modelFromKerasConfig(seq([input, { class_name: 'Lambda', config: { name: 'l', function: ['4wEAAAAA', null, null] } }]), 'm.h5'), /Lambda layers hold Python code, which deepts never runs/);
  assert.throws(() => modelFromKerasConfig(seq([input, { class_name: 'Dense', config: { name: 'd', units: -3 } }]), 'm.h5'), /units must be a positive integer, got -3/);
  assert.throws(() => modelFromKerasConfig(seq([input, { class_name: 'Dense', config: { name: 'd', units: 3, activation: 'hard_sigmoid' } }]), 'm.h5'), /hard_sigmoid.*differs between Keras 2/);
  assert.throws(() => modelFromKerasConfig(seq([{ class_name: 'Dense', config: { name: 'd', units: 3 } }]), 'm.h5'), /declares no input shape/);
  assert.throws(() => modelFromKerasConfig({ class_name: 'Functional', config: { layers: [input], input_layers: [['in', 0, 0]], output_layers: [['ghost', 0, 0]] } }, 'm.h5'), /names no layer output/);
  assert.throws(() => modelFromKerasConfig([1, 2], 'm.h5'), dt.FormatError);
  // Keras 2.0's bare-list Sequential config and Keras 3 activation objects are understood
  const old = modelFromKerasConfig({ class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], activation: { module: 'keras.activations', class_name: 'function', config: 'tanh' } } }] }, 'm.h5');
  assert.deepEqual(old.outputShapes, [[null, 2]]);
  assert.ok(KERAS_SUPPORTED_CLASSES.includes('BatchNormalization') && KERAS_SUPPORTED_CLASSES.includes('Functional'));
});

test('a model_config that asks for more weights than the file stores is refused before anything is allocated', async () => {
  // a valid file whose Dense layer claims 10^9 units
  const bytes = fixtureBytes('keras2_mlp.h5');
  const text = new TextDecoder('latin1').decode(bytes);
  const at = text.indexOf('"units": 16');
  assert.ok(at > 0);
  const patched = bytes.slice();
  patched.set(new TextEncoder().encode('"units": 99'), at);
  assert.throws(() => kerasModelFromBytes(patched, 'big.h5'), /big\.h5: model_config describes \d+ weight values, the file stores \d+|big\.h5: layer "dense"/);
});
