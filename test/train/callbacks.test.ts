/**
 * Callbacks: EarlyStopping (Keras 3 rules, restoreBestWeights), ReduceLROnPlateau, LearningRateScheduler,
 * TerminateOnNaN, CSVLogger, ModelCheckpoint, LambdaCallback and plain-object callbacks.
 *
 * Most tests feed a scripted `score` into the epoch logs (a callback placed before the one under test writes it),
 * so the expected epochs follow from the rules alone, not from how a real loss happens to move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { formatFilepath } from '../../src/train/callbacks-files.js';
import { assertClose } from '../helpers/assert.js';
import { FakeStream, mnistSlice, smallMlp, tempDir, weightValues } from './helpers.js';

const { ValueError } = dt;

/** A tiny model and data set so each epoch costs about a millisecond. */
function tiny(optimizer: string | dt.Optimizer = 'sgd'): { model: dt.Sequential; x: dt.Tensor; y: dt.Tensor } {
  dt.seed(0);
  const model = dt.sequential([layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })]);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return { model, x: dt.randn([20, 4]), y: dt.randint(0, 3, [20]) };
}

/** Writes `scores[epoch]` into the logs as `score` (must come before the callback that reads it). */
const script = (scores: number[]): dt.CallbackHooks => ({
  onEpochEnd: (epoch, logs) => {
    logs!.score = scores[epoch];
  },
});

const quiet = { verbose: 0 as const, batchSize: 10 };

test('EarlyStopping stops after `patience` epochs without improvement', async () => {
  const { model, x, y } = tiny();
  const lines: string[] = [];
  const es = new dt.EarlyStopping({ monitor: 'score', mode: 'min', patience: 2, verbose: 1, print: (l) => lines.push(l) });
  const h = await model.fit(x, y, { ...quiet, epochs: 10, callbacks: [script([1, 0.8, 0.9, 0.85, 0.1, 0.1]), es] });
  // best 0.8 at epoch 1; epochs 2 and 3 do not improve → stop at the end of epoch 3
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.equal(es.stoppedEpoch, 3);
  assert.equal(es.best, 0.8);
  assert.equal(es.bestEpoch, 1);
  assert.deepEqual(lines, ['Epoch 4: early stopping']);
  assert.deepEqual(h.history.score, [1, 0.8, 0.9, 0.85]);
});

test('EarlyStopping restoreBestWeights puts back the weights of the best epoch', async () => {
  const { model, x, y } = tiny();
  const perEpoch: number[][][] = [];
  const lines: string[] = [];
  const es = new dt.EarlyStopping({ monitor: 'score', mode: 'max', patience: 1, restoreBestWeights: true, verbose: 1, print: (l) => lines.push(l) });
  await model.fit(x, y, {
    ...quiet,
    epochs: 10,
    callbacks: [script([0.1, 0.5, 0.4, 0.9]), { onEpochEnd: () => void perEpoch.push(weightValues(model)) }, es],
  });
  assert.equal(perEpoch.length, 3); // stopped at epoch 2
  assert.notDeepEqual(perEpoch[2], perEpoch[1]);
  assert.deepEqual(weightValues(model), perEpoch[1]);
  assert.deepEqual(lines, ['Epoch 3: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
  // Keras 3 restores the best weights even when training runs to the end
  const t = tiny();
  const seen: number[][][] = [];
  await t.model.fit(t.x, t.y, {
    ...quiet,
    epochs: 3,
    callbacks: [script([0.3, 0.2, 0.25]), { onEpochEnd: () => void seen.push(weightValues(t.model)) }, new dt.EarlyStopping({ monitor: 'score', mode: 'min', patience: 5, restoreBestWeights: true })],
  });
  assert.deepEqual(weightValues(t.model), seen[1]);
});

test('EarlyStopping: minDelta, baseline, startFromEpoch, auto mode and a missing monitor', async () => {
  const run = async (scores: number[], options: dt.EarlyStoppingOptions, epochs = 8): Promise<number> => {
    const { model, x, y } = tiny();
    const h = await model.fit(x, y, { ...quiet, epochs, callbacks: [script(scores), new dt.EarlyStopping({ monitor: 'score', print: () => {}, ...options })] });
    return h.epoch.length;
  };
  // improvements smaller than minDelta do not count
  assert.equal(await run([1, 0.95, 0.9, 0.85], { mode: 'min', patience: 1, minDelta: 0.1 }), 2);
  assert.equal(await run([1, 0.95, 0.9, 0.85], { mode: 'min', patience: 1 }, 4), 4);
  // a value that does not beat the baseline never resets the wait
  assert.equal(await run([0.5, 0.4, 0.4, 0.4], { mode: 'max', patience: 2, baseline: 0.9 }), 2);
  assert.equal(await run([0.5, 0.95, 0.4, 0.4, 0.4], { mode: 'max', patience: 2, baseline: 0.9 }), 4);
  // epochs before startFromEpoch are not watched
  assert.equal(await run([5, 4, 3, 10, 10, 10], { mode: 'min', patience: 1, startFromEpoch: 3 }), 5);
  // auto mode: accuracy is maximized, loss minimized; other names need an explicit mode
  assert.equal(new dt.EarlyStopping({ monitor: 'val_accuracy' }).monitor, 'val_accuracy');
  assert.throws(() => new dt.EarlyStopping({ monitor: 'score' }), (e: Error) => e instanceof ValueError && /cannot tell whether "score" should be minimized or maximized; pass mode/.test(e.message));
  assert.throws(() => new dt.EarlyStopping({ mode: 'up' as never }), /mode must be 'auto', 'min' or 'max'/);
  // a monitor that is not in the logs: one warning naming the available keys, and training runs to the end
  const { model, x, y } = tiny();
  const lines: string[] = [];
  const h = await model.fit(x, y, { ...quiet, epochs: 3, callbacks: [new dt.EarlyStopping({ patience: 0, print: (l) => lines.push(l) })] });
  assert.equal(h.epoch.length, 3);
  assert.deepEqual(lines, ['EarlyStopping: "val_loss" is not in the logs, so it is ignored (available: loss, accuracy)']);
});

test('EarlyStopping on a real val_loss stops a run that overfits', async () => {
  dt.seed(21);
  const { train } = mnistSlice(300);
  const model = smallMlp(64, { optimizer: new dt.Adam({ learningRate: 0.01 }) });
  const es = new dt.EarlyStopping({ patience: 1, restoreBestWeights: true });
  const h = await model.fit(train.x.slice([{ stop: 200 }]), train.y.slice([{ stop: 200 }]), { epochs: 30, batchSize: 20, verbose: 0, validationData: [train.x.slice([{ start: 200 }]), train.y.slice([{ start: 200 }])], callbacks: [es] });
  assert.ok(h.epoch.length < 30, `ran ${h.epoch.length} epochs`);
  const best = Math.min(...h.history.val_loss);
  assert.equal(es.best, best);
  const r = await model.evaluate(train.x.slice([{ start: 200 }]), train.y.slice([{ start: 200 }]), { batchSize: 100 });
  assertClose(r.loss, best, { rtol: 1e-5 });
});

test('ReduceLROnPlateau lowers the learning rate after `patience` flat epochs and logs learning_rate', async () => {
  const { model, x, y } = tiny(new dt.SGD({ learningRate: 0.01 }));
  const lines: string[] = [];
  const h = await model.fit(x, y, {
    ...quiet,
    epochs: 6,
    callbacks: [script([1, 1, 1, 1, 1, 1]), new dt.ReduceLROnPlateau({ monitor: 'score', mode: 'min', factor: 0.5, patience: 2, verbose: 1, print: (l) => lines.push(l) })],
  });
  // Keras logs the rate the epoch ran with (before a reduction at its end)
  assert.deepEqual(h.history.learning_rate, [0.01, 0.01, 0.01, 0.005, 0.005, 0.0025]);
  assert.equal(model.optimizer!.learningRate, 0.0025);
  assert.deepEqual(lines, ['Epoch 3: ReduceLROnPlateau reducing learning rate to 0.005.', 'Epoch 5: ReduceLROnPlateau reducing learning rate to 0.0025.']);
});

test('ReduceLROnPlateau: minLr, cooldown, improvements reset the wait, bad factor', async () => {
  const { model, x, y } = tiny(new dt.SGD({ learningRate: 0.01 }));
  await model.fit(x, y, { ...quiet, epochs: 4, callbacks: [script([1, 2, 2, 2]), new dt.ReduceLROnPlateau({ monitor: 'score', mode: 'min', factor: 0.1, patience: 1, minLr: 0.004 })] });
  assert.equal(model.optimizer!.learningRate, 0.004);
  const t = tiny(new dt.SGD({ learningRate: 1 }));
  const h = await t.model.fit(t.x, t.y, {
    ...quiet,
    epochs: 7,
    callbacks: [script([1, 1, 1, 1, 0.5, 0.5, 0.5]), new dt.ReduceLROnPlateau({ monitor: 'score', mode: 'min', factor: 0.5, patience: 1, cooldown: 2 })],
  });
  // e1 reduces; e2 in cooldown; e3 the cooldown ends, wait 1 → reduces; e4 improves (cooldown); e5 reduces
  assert.deepEqual(h.history.learning_rate, [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  assert.throws(() => new dt.ReduceLROnPlateau({ factor: 1 }), (e: Error) => e instanceof ValueError && /factor must be in \[0, 1\), got 1/.test(e.message));
});

test('LearningRateScheduler sets the rate each epoch, and the optimizer uses it', async () => {
  const { model, x, y } = tiny(new dt.SGD({ learningRate: 0.1 }));
  const perEpoch: number[][][] = [];
  const h = await model.fit(x, y, {
    ...quiet,
    epochs: 4,
    callbacks: [new dt.LearningRateScheduler((epoch, lr) => (epoch === 2 ? 0 : epoch === 0 ? 0.2 : lr / 2)), { onEpochEnd: () => void perEpoch.push(weightValues(model)) }],
  });
  assert.deepEqual(h.history.learning_rate, [0.2, 0.1, 0, 0]);
  assert.deepEqual(perEpoch[2], perEpoch[1]); // a zero rate leaves the weights alone
  assert.notDeepEqual(perEpoch[1], perEpoch[0]);
  // epochs without a scheduler keep no learning_rate key
  const t = tiny();
  const h2 = await t.model.fit(t.x, t.y, { ...quiet, epochs: 1 });
  assert.equal(h2.history.learning_rate, undefined);
  // bad schedules and schedule-driven optimizers give clear errors
  await assert.rejects(t.model.fit(t.x, t.y, { ...quiet, callbacks: [new dt.LearningRateScheduler(() => Number.NaN)] }), /the schedule returned NaN for epoch 0/);
  const s = tiny(new dt.SGD({ learningRate: new dt.schedules.ExponentialDecay(0.1, 10, 0.5) }));
  await assert.rejects(s.model.fit(s.x, s.y, { ...quiet, callbacks: [new dt.LearningRateScheduler(() => 0.1)] }), /uses the schedule ExponentialDecay/);
});

test('TerminateOnNaN stops at the first batch with a NaN loss and names the epoch and step', async () => {
  const { model, y } = tiny();
  const x = dt.randn([50, 4]);
  const data = x.dataSync() as Float32Array;
  data.fill(Number.NaN, 27 * 4, 28 * 4); // sample 27 → batch 2 (batch size 10, no shuffle)
  const clean = dt.tensor(Array.from(data), { shape: [50, 4] });
  const lines: string[] = [];
  const stop = new dt.TerminateOnNaN({ print: (l) => lines.push(l) });
  const stream = new FakeStream(false);
  const h = await model.fit(clean, dt.randint(0, 3, [50]), { epochs: 3, batchSize: 10, shuffle: false, verbose: 1, stream, callbacks: [stop] });
  assert.deepEqual(lines, ['Batch 2: Invalid loss, terminating training (epoch 1, step 3/5, loss NaN)']);
  assert.deepEqual(stop.stoppedAt, { epoch: 0, batch: 2, loss: Number.NaN });
  assert.deepEqual(h.epoch, [0]);
  assert.match(stream.text, /^Epoch 1\/3\n3\/5 ━+ \d+s \d+[mu]?s\/step - accuracy: [\d.]+ - loss: NaN\n$/);
  void y;
});

test('TerminateOnNaN stops a run whose learning rate is far too large', async () => {
  dt.seed(3);
  const { train } = mnistSlice(500);
  const model = smallMlp(16, { optimizer: new dt.SGD({ learningRate: 1e12 }) });
  const lines: string[] = [];
  const stop = new dt.TerminateOnNaN({ print: (l) => lines.push(l) });
  const h = await model.fit(train.x, train.y, { epochs: 5, batchSize: 50, verbose: 0, callbacks: [stop] });
  assert.equal(h.epoch.length, 1);
  assert.ok(stop.stoppedAt !== null && stop.stoppedAt.batch < 9, JSON.stringify(stop.stoppedAt));
  assert.match(lines[0], /^Batch \d: Invalid loss, terminating training \(epoch 1, step \d\/10, loss (NaN|Infinity)\)$/);
});

test('CSVLogger writes one line per epoch, appends without a second header, custom separator', async () => {
  const dir = tempDir();
  const file = join(dir, 'logs', 'train.csv');
  const { model, x, y } = tiny();
  const lines: string[] = [];
  const h = await model.fit(x, y, {
    ...quiet,
    epochs: 3,
    validationData: [x, y],
    callbacks: [new dt.CSVLogger(file), { onEpochEnd: () => void lines.push(readFileSync(file, 'utf8')) }],
  });
  // the file is complete after each epoch (written as the epoch ends, not at the end of training)
  assert.equal(lines[0].split('\n').length, 3);
  const rows = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(rows[0], 'epoch,accuracy,loss,val_accuracy,val_loss');
  assert.equal(rows.length, 4);
  rows.slice(1).forEach((r, e) => {
    const cells = r.split(',');
    assert.equal(cells[0], String(e));
    assert.deepEqual(cells.slice(1).map(Number), [h.history.accuracy[e], h.history.loss[e], h.history.val_accuracy[e], h.history.val_loss[e]]);
  });
  await model.fit(x, y, { ...quiet, epochs: 2, validationData: [x, y], callbacks: [new dt.CSVLogger(file, { append: true })] });
  const appended = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(appended.length, 6);
  assert.deepEqual(appended.slice(4).map((r) => r.split(',')[0]), ['0', '1']);
  // without append the file starts over; separator and a learning_rate column
  await model.fit(x, y, { ...quiet, epochs: 1, callbacks: [new dt.LearningRateScheduler((_, lr) => lr), new dt.CSVLogger(file, { separator: ';' })] });
  const fresh = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(fresh.length, 2);
  assert.equal(fresh[0], 'epoch;accuracy;learning_rate;loss');
  assert.match(fresh[1], /^0;[\d.]+;0\.01;[\d.e-]+$/);
});

test('formatFilepath fills {epoch:02d}, {val_loss:.2f} and friends like Python', () => {
  const logs = { epoch: 3, val_loss: 0.123456, loss: 0.00015, accuracy: 0.9 };
  assert.equal(formatFilepath('ckpt/e{epoch:02d}-{val_loss:.2f}', logs), 'ckpt/e03-0.12');
  assert.equal(formatFilepath('{epoch}-{loss:.1e}-{accuracy:.1%}-{{x}}', logs), '3-1.5e-04-90.0%-{x}');
  assert.equal(formatFilepath('{epoch:3d}|{val_loss:08.3f}', logs), '  3|0000.123');
  assert.throws(() => formatFilepath('m-{val_acc:.2f}', logs), (e: Error) => e instanceof ValueError && /uses \{val_acc\}, which is not in the logs \(available: epoch, val_loss, loss, accuracy\)/.test(e.message));
  assert.throws(() => formatFilepath('{epoch:x}', logs), /unsupported format "x"/);
});

test('ModelCheckpoint saves every epoch into folders named from the logs; loadModel reads them', async () => {
  const dir = tempDir();
  const { model, x, y } = tiny();
  const ckpt = new dt.ModelCheckpoint({ filepath: join(dir, 'ckpt-{epoch:02d}-{val_loss:.2f}') });
  const seen: number[][][] = [];
  await model.fit(x, y, { ...quiet, epochs: 3, validationData: [x, y], callbacks: [ckpt, { onEpochEnd: () => void seen.push(weightValues(model)) }] });
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 3);
  names.forEach((n, i) => assert.match(n, new RegExp(`^ckpt-0${i + 1}-\\d\\.\\d\\d$`)));
  assert.deepEqual(ckpt.saved, names.map((n) => join(dir, n)));
  for (const n of names) assert.deepEqual(readdirSync(join(dir, n)).sort(), ['model.json', 'optimizer.safetensors', 'weights.safetensors']);
  const second = await dt.loadModel(join(dir, names[1]));
  assert.deepEqual(weightValues(second), seen[1]);
});

test('ModelCheckpoint saveBestOnly saves only when the monitor improves (mode from the name or given)', async () => {
  const dir = tempDir();
  const { model, x, y } = tiny();
  const lines: string[] = [];
  const ckpt = new dt.ModelCheckpoint({ filepath: join(dir, 'best-{epoch}'), monitor: 'score', mode: 'min', saveBestOnly: true, verbose: 1, print: (l) => lines.push(l) });
  await model.fit(x, y, { ...quiet, epochs: 5, callbacks: [script([3, 1, 2, 0.5, 0.5]), ckpt] });
  assert.deepEqual(readdirSync(dir).sort(), ['best-1', 'best-2', 'best-4']);
  assert.equal(ckpt.best, 0.5);
  assert.equal(lines[0], `Epoch 1: score improved from Infinity to 3.00000, saving model to ${join(dir, 'best-1')}`);
  assert.equal(lines[2], 'Epoch 3: score did not improve from 1.00000');
  // auto mode maximizes accuracy
  const acc = new dt.ModelCheckpoint({ filepath: join(dir, 'acc'), monitor: 'val_accuracy', saveBestOnly: true });
  assert.equal(acc.best, -Infinity);
  assert.throws(() => new dt.ModelCheckpoint({ filepath: join(dir, 'x'), monitor: 'score', saveBestOnly: true }), /pass mode/);
});

test('ModelCheckpoint saveWeightsOnly writes one safetensors file that loadWeights reads', async () => {
  const dir = tempDir();
  const { model, x, y } = tiny();
  const seen: number[][][] = [];
  await model.fit(x, y, {
    ...quiet,
    epochs: 2,
    callbacks: [new dt.ModelCheckpoint({ filepath: join(dir, 'w', 'epoch{epoch}.safetensors'), saveWeightsOnly: true }), { onEpochEnd: () => void seen.push(weightValues(model)) }],
  });
  assert.deepEqual(readdirSync(join(dir, 'w')).sort(), ['epoch1.safetensors', 'epoch2.safetensors']);
  const decoded = dt.decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'w', 'epoch1.safetensors'))));
  assert.deepEqual([...decoded.tensors.keys()].sort(), model.weights.map((w) => w.name!).sort());
  const report = dt.loadWeights(model, join(dir, 'w', 'epoch1.safetensors'));
  assert.equal(report.loaded.length, 2);
  assert.deepEqual(weightValues(model), seen[0]);
  assert.throws(() => new dt.ModelCheckpoint({ filepath: join(dir, 'w.h5'), saveWeightsOnly: true }), /must end in "\.safetensors"/);
  assert.ok(!existsSync(join(dir, 'w.h5')));
});

test('user callbacks as plain objects: hook order, logs, awaited async hooks', async () => {
  const { model, x, y } = tiny();
  const events: string[] = [];
  let slowDone = false;
  const h = await model.fit(x, y, {
    ...quiet,
    epochs: 2,
    callbacks: [
      {
        onTrainBegin: () => void events.push('trainBegin'),
        onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void events.push(`batchBegin ${b}`),
        onBatchEnd: (b, logs) => void events.push(`batchEnd ${b} ${Object.keys(logs!).sort().join(',')}`),
        onEpochEnd: async (e, logs) => {
          assert.equal(slowDone, e === 1, 'the previous epoch end was awaited');
          await new Promise((r) => setTimeout(r, 5));
          slowDone = true;
          events.push(`epochEnd ${e} ${Object.keys(logs!).sort().join(',')}`);
        },
        onTrainEnd: () => void events.push('trainEnd'),
      },
    ],
  });
  assert.deepEqual(events, [
    'trainBegin',
    'epochBegin 0', 'batchBegin 0', 'batchEnd 0 accuracy,batch,loss,size', 'batchBegin 1', 'batchEnd 1 accuracy,batch,loss,size', 'epochEnd 0 accuracy,loss',
    'epochBegin 1', 'batchBegin 0', 'batchEnd 0 accuracy,batch,loss,size', 'batchBegin 1', 'batchEnd 1 accuracy,batch,loss,size', 'epochEnd 1 accuracy,loss',
    'trainEnd',
  ]);
  assert.equal(h.epoch.length, 2);
});

test('a Callback subclass sees model and params and can stop training; LambdaCallback; factories', async () => {
  const { model, x, y } = tiny();
  class StopAfterThree extends dt.Callback {
    batches = 0;
    override onBatchEnd(): void {
      if (++this.batches === 3) this.model!.stopTraining = true;
    }
  }
  const cb = new StopAfterThree();
  const h = await model.fit(x, y, { ...quiet, epochs: 5, callbacks: [cb] });
  assert.equal(cb.batches, 3);
  assert.equal(cb.model, model);
  assert.deepEqual(cb.params, { epochs: 5, steps: 2, verbose: 0 });
  assert.deepEqual(h.epoch, [0, 1]);

  const ends: number[] = [];
  await model.fit(x, y, { ...quiet, epochs: 2, callbacks: [new dt.LambdaCallback({ onEpochEnd: (e) => void ends.push(e) })] });
  assert.deepEqual(ends, [0, 1]);
  assert.throws(() => new dt.LambdaCallback({ onEpochFinish: () => {} } as never), /unknown hook "onEpochFinish"/);

  assert.ok(dt.callbacks.earlyStopping({ patience: 3 }) instanceof dt.EarlyStopping);
  assert.ok(dt.callbacks.reduceLROnPlateau() instanceof dt.ReduceLROnPlateau);
  assert.ok(dt.callbacks.terminateOnNaN() instanceof dt.TerminateOnNaN);
  assert.ok(dt.callbacks.csvLogger('x.csv') instanceof dt.CSVLogger);
  assert.ok(dt.callbacks.modelCheckpoint('ckpt') instanceof dt.ModelCheckpoint);
  assert.ok(dt.callbacks.learningRateScheduler((_, lr) => lr) instanceof dt.LearningRateScheduler);
  assert.ok(dt.callbacks.lambdaCallback({}) instanceof dt.LambdaCallback);
});
