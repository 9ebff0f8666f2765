/**
 * End to end on real MNIST: the classic Keras MLP (Dense 512 relu + Dense 10 softmax, RMSprop) trained on the
 * first 6,000 training images for 2 epochs beats 90% accuracy on the first 1,000 test images (CPU backend).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';

test('Keras MNIST MLP: 6,000 images, 2 epochs → > 90% test accuracy (CPU backend)', async (t) => {
  dt.setBackend('cpu'); // the reference backend, so the result does not depend on a fast backend's rounding
  dt.seed(1);
  const data = dt.loadMnist({ layout: 'flat', limit: 6000 });
  const testX = data.test.x.slice([{ stop: 1000 }]);
  const testY = data.test.y.slice([{ stop: 1000 }]);
  const model = dt.sequential([layers.dense({ units: 512, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  assert.equal(model.countParams(), 407_050);
  const start = performance.now();
  const history = await model.fit(data.train.x, data.train.y, { epochs: 2, batchSize: 32, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  const result = await model.evaluate(testX, testY, { batchSize: 500 });
  t.diagnostic(`fit ${seconds.toFixed(1)}s; train accuracy ${history.history.accuracy.map((a) => a.toFixed(4)).join(' → ')}; test loss ${result.loss.toFixed(4)}, test accuracy ${result.accuracy.toFixed(4)}`);
  assert.ok(history.history.loss[1] < history.history.loss[0]);
  assert.ok(result.accuracy > 0.9, `test accuracy ${result.accuracy}`);
});
