/**
 * Loading zoo weights by name for transfer learning: a trained LeNet-5 (10 classes) saved with saveWeights, loaded
 * into LeNet-5 with 5 classes (`skipMismatch` skips the head) and into LeNet-5 without its top (the file's extra
 * weights are skipped); the report says what was loaded, skipped (and why) and missing.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { tempDir } from '../train/helpers.js';

const BODY = ['c1/kernel', 'c1/bias', 'c3/kernel', 'c3/bias', 'c5/kernel', 'c5/bias', 'f6/kernel', 'f6/bias'];
const HEAD = ['output/kernel', 'output/bias'];
const bytes = (t: dt.Tensor): Uint8Array => new Uint8Array(t.dataSync().slice().buffer);
const byName = (m: dt.Model): Map<string, dt.Tensor> => new Map(m.weights.map((w) => [w.name!, w]));

describe('zoo weights by name (LeNet-5, 10 → 5 classes)', () => {
  const file = join(tempDir('deepts-zoo-'), 'lenet5-mnist.safetensors');
  let trained: dt.Functional;
  let x: dt.Tensor;

  before(async () => {
    dt.seed(3);
    const { train } = dt.loadMnist({ layout: 'nhwc', limit: 256 });
    x = train.x.slice([{ stop: 16 }]);
    trained = dt.zoo.lenet5({ inputShape: [28, 28, 1] });
    trained.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await trained.fit(train.x, train.y, { epochs: 1, batchSize: 64, verbose: 0 });
    await dt.saveWeights(trained, file);
  });

  test('skipMismatch loads the body, skips the head and reports both shapes', () => {
    const five = dt.zoo.lenet5({ inputShape: [28, 28, 1], classes: 5 });
    const headBefore = HEAD.map((n) => bytes(byName(five).get(n)!));
    const report = dt.loadWeights(five, file, { skipMismatch: true });
    assert.deepEqual(report.loaded, BODY);
    assert.deepEqual(report.skipped, HEAD);
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.mismatched, [
      { name: 'output/kernel', fileShape: [84, 10], modelShape: [84, 5] },
      { name: 'output/bias', fileShape: [10], modelShape: [5] },
    ]);
    assert.equal(dt.formatLoadReport(report), [
      'loaded 8, skipped 2, missing 0',
      '  skipped output/kernel: shape [84,10] in the file, [84,5] in the model',
      '  skipped output/bias: shape [10] in the file, [5] in the model',
    ].join('\n'));
    // the body holds the trained values, the new head its own initialization
    for (const n of BODY) assert.deepEqual(bytes(byName(five).get(n)!), bytes(byName(trained).get(n)!), n);
    HEAD.forEach((n, i) => assert.deepEqual(bytes(byName(five).get(n)!), headBefore[i], n));
    // so the features before the head are the trained model's, bit for bit
    const a = dt.featureExtractor(five, 'f6').predict(x) as dt.Tensor;
    const b = dt.featureExtractor(trained, 'f6').predict(x) as dt.Tensor;
    assert.deepEqual(a.shape, [16, 84]);
    assert.deepEqual(bytes(a), bytes(b));
  });

  test('without skipMismatch the head is an error and nothing is written', () => {
    const five = dt.zoo.lenet5({ inputShape: [28, 28, 1], classes: 5 });
    const c1 = bytes(five.getLayer('c1').weights[0]);
    assert.throws(() => dt.loadWeights(five, file), (e: unknown) => e instanceof dt.FormatError && /weight "output\/kernel" has shape \[84,10\] in the file but \[84,5\] in the model/.test(e.message));
    assert.deepEqual(bytes(five.getLayer('c1').weights[0]), c1);
  });

  test('a headless model takes the convolutions; the rest of the file is skipped', () => {
    const headless = dt.zoo.lenet5({ inputShape: [28, 28, 1], includeTop: false });
    const report = dt.loadWeights(headless, file);
    assert.deepEqual(report.loaded, BODY.slice(0, 4));
    // names the model lacks come in the file's order (safetensors headers are sorted by name)
    assert.deepEqual(report.skipped, [...BODY.slice(4), ...HEAD].sort());
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.mismatched, []);
    assert.match(dt.formatLoadReport(report), /^loaded 4, skipped 6, missing 0\n {2}skipped c5\/bias: not in the model\n/);
  });

  test('a model with weights the file lacks: missing, allowed with allowMissing', () => {
    const img = dt.input({ shape: [28, 28, 1] });
    const pad = dt.zoo.lenet5({ inputShape: [28, 28, 1], classes: 5 });
    const extra = dt.layers.dense({ units: 3, name: 'extra' });
    const bigger = dt.model({ inputs: img, outputs: extra.apply(pad.apply(img) as dt.SymbolicTensor) as dt.SymbolicTensor });
    assert.throws(() => dt.loadWeights(bigger, file, { skipMismatch: true }), /missing weights: extra\/kernel, extra\/bias/);
    const report = dt.loadWeights(bigger, file, { skipMismatch: true, allowMissing: true });
    assert.deepEqual(report.missing, ['extra/kernel', 'extra/bias']);
    assert.deepEqual(report.loaded, BODY);
    assert.match(dt.formatLoadReport(report), /missing extra\/kernel: not in the file \(left as it was\)/);
  });
});
