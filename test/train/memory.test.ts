/** No manual memory management: fit / evaluate / predict free their intermediates, so live tensors stay flat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { mnistSlice } from './helpers.js';

test('fit for several epochs keeps the live tensor count and bytes flat between epochs', async () => {
  dt.seed(1);
  const { train, test: t } = mnistSlice(400);
  const model = dt.sequential([
    layers.dense({ units: 32, activation: 'relu', inputShape: [784] }),
    layers.batchNormalization(),
    layers.dropout({ rate: 0.2 }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const counts: number[] = [];
  const bytes: number[] = [];
  const batchCounts: number[] = [];
  let epoch = 0;
  await model.fit(train.x, train.y, {
    epochs: 6,
    batchSize: 32,
    verbose: 0,
    validationData: [t.x, t.y],
    callbacks: [
      new dt.EarlyStopping({ monitor: 'val_accuracy', patience: 10, restoreBestWeights: true }),
      new dt.ReduceLROnPlateau({ patience: 1 }),
      {
        onEpochEnd: () => {
          const m = dt.memory();
          counts.push(m.numTensors);
          bytes.push(m.bytes.cpu);
        },
        onEpochBegin: (e) => void (epoch = e),
        // from epoch 1 on (EarlyStopping holds a copy of the best weights from the end of epoch 0)
        onBatchEnd: () => void (epoch > 0 && batchCounts.push(dt.memory().numTensors)),
      },
    ],
  });
  // the optimizer's slots appear in the first step; after that nothing grows
  assert.equal(new Set(counts).size, 1, `live tensors per epoch: ${counts}`);
  assert.equal(new Set(bytes).size, 1, `bytes per epoch: ${bytes}`);
  assert.equal(new Set(batchCounts).size, 1, `live tensors per batch vary: ${[...new Set(batchCounts)]}`);
});

test('evaluate and predict leave nothing behind but the prediction', async () => {
  dt.seed(2);
  const { test: t } = mnistSlice(200);
  const model = dt.sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.evaluate(t.x, t.y, { batchSize: 30 }); // warm-up (lazily created state)
  const before = dt.memory().numTensors;
  for (let i = 0; i < 3; i++) await model.evaluate(t.x, t.y, { batchSize: 30 });
  assert.equal(dt.memory().numTensors, before);
  const p = model.predict(t.x, { batchSize: 30 }) as dt.Tensor;
  assert.equal(dt.memory().numTensors, before + 1);
  p.dispose();
  for (let i = 0; i < 5; i++) model.trainOnBatch(t.x.slice([{ stop: 20 }]), t.y.slice([{ stop: 20 }]));
  const after = dt.memory().numTensors;
  for (let i = 0; i < 5; i++) model.trainOnBatch(t.x.slice([{ stop: 20 }]), t.y.slice([{ stop: 20 }]));
  // the two slices per call are the caller's; the step itself keeps nothing
  assert.ok(dt.memory().numTensors <= after + 10, `${after} -> ${dt.memory().numTensors}`);
});
