/**
 * model.save(dir) / loadModel(dir): the file layout, weight names, identical predictions after loading, training
 * that resumes exactly where it stopped (optimizer state), and typed errors for broken files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { values } from '../helpers/assert.js';
import { mnistSlice, onCpu, tempDir, weightValues } from './helpers.js';

const { FormatError } = dt;

test('save writes model.json + weights.safetensors (+ optimizer state) with names like dense_1/kernel', async () => {
  dt.clearSession();
  const dir = join(tempDir(), 'mlp');
  const model = dt.sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { train } = mnistSlice(64);
  await model.fit(train.x, train.y, { epochs: 1, batchSize: 32, verbose: 0 });
  await model.save(dir);
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'optimizer.safetensors', 'weights.safetensors']);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'deepts-model');
  assert.equal(json.formatVersion, 1);
  assert.equal(json.modelConfig.className, 'Sequential');
  assert.deepEqual(json.modelConfig.config.layers.map((l: { className: string }) => l.className), ['InputLayer', 'Dense', 'Dense']);
  assert.deepEqual(json.weights, { file: 'weights.safetensors', names: ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias'] });
  assert.equal(json.trainingConfig.optimizer.className, 'RMSprop');
  assert.equal(json.trainingConfig.loss[0].className, 'SparseCategoricalCrossentropy');
  assert.deepEqual(json.trainingConfig.metrics, [['accuracy']]);
  assert.equal(json.optimizerState.iterations, 2);
  const weights = dt.decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'weights.safetensors'))));
  assert.deepEqual([...weights.tensors.keys()].sort(), ['dense/bias', 'dense/kernel', 'dense_1/bias', 'dense_1/kernel']);
  const kernel = weights.tensors.get('dense_1/kernel')!;
  assert.equal(kernel.dtype, 'F32');
  assert.deepEqual(kernel.shape, [16, 10]);
  assert.deepEqual(Array.from(kernel.data as Float32Array), values(model.getLayer('dense_1').weights[0]));
  const slots = dt.decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'optimizer.safetensors'))));
  assert.deepEqual([...slots.tensors.keys()].sort(), ['dense/bias/velocity', 'dense/kernel/velocity', 'dense_1/bias/velocity', 'dense_1/kernel/velocity']);
});

test('loadModel restores a model whose predictions are identical (Sequential with BatchNormalization and Dropout)', async () => {
  dt.seed(3);
  const dir = tempDir();
  const { train, test: t } = mnistSlice(300, 'image');
  const model = dt.sequential([
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 32, activation: 'relu' }),
    layers.batchNormalization(),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 50, verbose: 0 });
  await model.save(dir);
  const loaded = await dt.loadModel(dir);
  assert.equal(loaded.className, 'Sequential');
  assert.equal(loaded.name, model.name);
  assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.deepEqual(loaded.weights.map((w) => w.name), model.weights.map((w) => w.name));
  assert.deepEqual(values(loaded.predict(t.x) as dt.Tensor), values(model.predict(t.x) as dt.Tensor));
  // compiled the same way: evaluate gives the same numbers
  assert.deepEqual(await loaded.evaluate(t.x, t.y), await model.evaluate(t.x, t.y));
  const plain = await dt.loadModel(dir, { compile: false });
  assert.equal(plain.optimizer, undefined);
  assert.deepEqual(values(plain.predict(t.x) as dt.Tensor), values(model.predict(t.x) as dt.Tensor));
});

test('a functional model with two inputs, two outputs and a shared layer survives save/load', async () => {
  dt.seed(4);
  const dir = tempDir();
  const a = dt.input({ shape: [6], name: 'a' });
  const b = dt.input({ shape: [6], name: 'b' });
  const shared = layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const sum = layers.dense({ units: 1, name: 'sum' }).apply(shared.apply(a));
  const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(shared.apply(b));
  const model = dt.model({ inputs: [a, b], outputs: [sum, cls], name: 'twin' });
  model.compile({ optimizer: 'adam', loss: ['mse', 'sparseCategoricalCrossentropy'], metrics: { cls: ['accuracy'] }, lossWeights: [0.5, 1] });
  const xa = dt.randn([40, 6]);
  const xb = dt.randn([40, 6]);
  const ys = [dt.sum(xa, 1, true), dt.randint(0, 3, [40])];
  await model.fit([xa, xb], ys, { epochs: 2, batchSize: 10, verbose: 0 });
  await model.save(dir);
  const loaded = (await dt.loadModel(dir)) as dt.Functional;
  assert.equal(loaded.className, 'Functional');
  assert.equal(loaded.countParams(), model.countParams());
  assert.equal(loaded.getLayer('shared').inboundNodes.length, 2);
  const p1 = model.predict([xa, xb]) as dt.Tensor[];
  const p2 = loaded.predict([xa, xb]) as dt.Tensor[];
  p1.forEach((p, i) => assert.deepEqual(values(p2[i]), values(p)));
  assert.deepEqual(await loaded.evaluate([xa, xb], ys), await model.evaluate([xa, xb], ys));
});

test('the optimizer state is saved: 1 epoch + save + load + 1 epoch equals 2 epochs straight (CPU backend)', () => onCpu(async () => {
  const { train } = mnistSlice(256);
  const build = (): dt.Sequential => {
    dt.seed(10);
    const m = dt.sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })]);
    m.compile({ optimizer: new dt.Adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const fitArgs = { batchSize: 32, shuffle: false, verbose: 0 as const };
  const straight = build();
  await straight.fit(train.x, train.y, { ...fitArgs, epochs: 2 });

  const first = build();
  await first.fit(train.x, train.y, { ...fitArgs, epochs: 1 });
  const dir = tempDir();
  await first.save(dir);
  const resumed = await dt.loadModel(dir);
  assert.equal(resumed.optimizer!.iterations, 8);
  await resumed.fit(train.x, train.y, { ...fitArgs, epochs: 2, initialEpoch: 1 });
  assert.equal(resumed.optimizer!.iterations, 16);
  assert.deepEqual(weightValues(resumed), weightValues(straight));

  // without the optimizer state (fresh Adam moments) the result differs
  const dir2 = tempDir();
  await first.save(dir2, { includeOptimizer: false });
  assert.deepEqual(readdirSync(dir2).sort(), ['model.json', 'weights.safetensors']);
  const fresh = await dt.loadModel(dir2);
  assert.equal(fresh.optimizer!.iterations, 0);
  await fresh.fit(train.x, train.y, { ...fitArgs, epochs: 1 });
  assert.notDeepEqual(weightValues(fresh), weightValues(straight));
}));

test('a learning rate changed by a callback is saved with the optimizer', async () => {
  const dir = tempDir();
  const model = dt.sequential([layers.dense({ units: 2, inputShape: [3] })]);
  model.compile({ optimizer: new dt.SGD({ learningRate: 0.1 }), loss: 'mse' });
  await model.fit(dt.randn([8, 3]), dt.randn([8, 2]), { epochs: 2, verbose: 0, callbacks: [new dt.LearningRateScheduler((e) => 0.1 / (e + 1))] });
  await model.save(dir);
  const loaded = await dt.loadModel(dir);
  assert.equal(loaded.optimizer!.learningRate, 0.05);
});

test('saveWeights / loadWeights by name; mismatches are FormatErrors naming the file', async () => {
  const dir = tempDir();
  const file = join(dir, 'w.safetensors');
  const model = dt.sequential([layers.dense({ units: 4, inputShape: [3], name: 'l1' }), layers.dense({ units: 2, name: 'l2' })]);
  await dt.saveWeights(model, file);
  const other = dt.sequential([layers.dense({ units: 4, inputShape: [3], name: 'l1' }), layers.dense({ units: 2, name: 'l2' })]);
  const report = dt.loadWeights(other, file);
  assert.deepEqual(report.loaded, ['l1/kernel', 'l1/bias', 'l2/kernel', 'l2/bias']);
  assert.deepEqual(weightValues(other), weightValues(model));
  const wider = dt.sequential([layers.dense({ units: 5, inputShape: [3], name: 'l1' }), layers.dense({ units: 2, name: 'l2' })]);
  assert.throws(() => dt.loadWeights(wider, file), (e: Error) => e instanceof FormatError && e.message.startsWith(`${file}: weight "l1/kernel" has shape [3,4] in the file but [3,5] in the model`));
  const renamed = dt.sequential([layers.dense({ units: 4, inputShape: [3], name: 'x1' }), layers.dense({ units: 2, name: 'l2' })]);
  assert.throws(() => dt.loadWeights(renamed, file), (e: Error) => e instanceof FormatError && /missing weights: x1\/kernel, x1\/bias \(the file has: /.test(e.message));
  const partial = dt.loadWeights(renamed, file, { allowMissing: true });
  assert.deepEqual(partial.missing, ['x1/kernel', 'x1/bias']);
  assert.deepEqual(partial.skipped.sort(), ['l1/bias', 'l1/kernel']);
});

test('broken or missing files give FormatErrors that name the file', async () => {
  const root = tempDir();
  const model = dt.sequential([layers.dense({ units: 3, inputShape: [4] })]);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(dt.randn([4, 4]), dt.randn([4, 3]), { verbose: 0 });
  const fresh = async (name: string): Promise<string> => {
    const d = join(root, name);
    await model.save(d);
    return d;
  };
  const expectFormatError = async (dir: string, file: string, re: RegExp): Promise<void> => {
    await assert.rejects(dt.loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof FormatError, `expected FormatError, got ${e}`);
      assert.equal((e as dt.FormatError).file, join(dir, file));
      assert.match((e as Error).message, re);
      return true;
    });
  };
  await expectFormatError(join(root, 'nothing-here'), 'model.json', /file not found \(is this a folder written by model\.save\?\)/);

  let d = await fresh('bad-json');
  writeFileSync(join(d, 'model.json'), '{"format": "deepts-model", ');
  await expectFormatError(d, 'model.json', /not valid JSON/);

  d = await fresh('wrong-format');
  writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'keras', formatVersion: 1 }));
  await expectFormatError(d, 'model.json', /"format" is "keras", expected "deepts-model"/);

  d = await fresh('unknown-layer');
  const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
  json.modelConfig.config.layers[1].className = 'Dense3D';
  writeFileSync(join(d, 'model.json'), JSON.stringify(json));
  await expectFormatError(d, 'model.json', /unknown layer class "Dense3D"/);

  d = await fresh('truncated-weights');
  const bytes = readFileSync(join(d, 'weights.safetensors'));
  writeFileSync(join(d, 'weights.safetensors'), bytes.subarray(0, bytes.length - 7));
  await expectFormatError(d, 'weights.safetensors', /./);

  d = await fresh('garbage-weights');
  writeFileSync(join(d, 'weights.safetensors'), Buffer.from('not a safetensors file at all'));
  await expectFormatError(d, 'weights.safetensors', /./);

  d = await fresh('missing-weights');
  rmSync(join(d, 'weights.safetensors'));
  await expectFormatError(d, 'weights.safetensors', /file not found/);

  d = await fresh('corrupt-optimizer');
  writeFileSync(join(d, 'optimizer.safetensors'), Buffer.alloc(5));
  await expectFormatError(d, 'optimizer.safetensors', /./);
});

test('an unbuilt model cannot be saved', async () => {
  const model = dt.sequential([layers.dense({ units: 2 })]);
  await assert.rejects(model.save(join(tempDir(), 'x')), (e: Error) => e instanceof FormatError && /is not built/.test(e.message));
});
