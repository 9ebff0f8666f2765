/**
 * End to end on real MNIST with convolutions: a small CNN (conv 8@3x3 + ReLU + max pool, conv 16@3x3 + ReLU +
 * max pool, dense softmax) trained with Adam on the first 2,000 training images for 2 epochs clearly beats chance
 * (10%) on the first 1,000 test images, on the CPU reference backend, in well under a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';

const L = dt.layers;

test('small CNN on 2,000 MNIST images: 2 epochs → > 80% test accuracy (CPU reference)', async (t) => {
  dt.setBackend('cpu');
  dt.seed(7);
  const data = dt.loadMnist({ layout: 'nhwc', limit: 2000 });
  const testX = data.test.x.slice([{ stop: 1000 }]);
  const testY = data.test.y.slice([{ stop: 1000 }]);
  const model = dt.sequential({
    name: 'small_cnn',
    layers: [
      L.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      L.maxPooling2d(),
      L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d(),
      L.flatten(),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  assert.equal(model.countParams(), 80 + 1168 + 4010);
  model.compile({ optimizer: new dt.Adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  const history = await model.fit(data.train.x, data.train.y, { epochs: 2, batchSize: 32, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  const result = await model.evaluate(testX, testY, { batchSize: 500 });
  t.diagnostic(`fit ${seconds.toFixed(1)}s; train accuracy ${history.history.accuracy.map((a) => a.toFixed(4)).join(' → ')}; test accuracy ${result.accuracy.toFixed(4)}`);
  assert.ok(history.history.loss[1] < history.history.loss[0]);
  assert.ok(result.accuracy > 0.8, `test accuracy ${result.accuracy}`);
});

test('CLI models cnn, lenet5, resnet-small: NHWC input, 10 classes; cnn is the PyTorch bench network', async () => {
  const { mnistModels } = await import('../../src/cli/mnist-models.js');
  for (const name of ['cnn', 'lenet5', 'resnet-small']) {
    const spec = mnistModels[name];
    assert.equal(spec.layout, 'nhwc', name);
    assert.equal(spec.optimizer, 'adam', name);
    const m = spec.build();
    assert.deepEqual(m.inputShapes, [[null, 28, 28, 1]], name);
    assert.deepEqual(m.outputShapes, [[null, 10]], name);
    m.dispose();
  }
  const cnn = mnistModels.cnn.build();
  // torch_mnist.py's cnn has 50,378 parameters; Keras also counts BatchNormalization's 192 moving statistics
  assert.equal(cnn.trainableWeights.reduce((n, w) => n + w.size, 0), 50_378);
  assert.equal(cnn.countParams(), 50_570);
  assert.equal(mnistModels.cnn.epochs, 3);
});

test('deepts train mnist --model lenet5 runs end to end on a slice', async () => {
  dt.setBackend('cpu');
  const { trainCommand } = await import('../../src/cli/train.js');
  const lines: string[] = [];
  const code = await trainCommand(['mnist', '--model', 'lenet5', '--limit', '300', '--epochs', '1', '--verbose', '0', '--seed', '1'], (s) => lines.push(s));
  assert.equal(code, 0);
  assert.match(lines.join('\n'), /Total params: 61,706/);
  assert.match(lines.join('\n'), /Test accuracy: 0\.\d+/);
});
