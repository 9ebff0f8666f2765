/** The `deepts` CLI: train → eval → predict on a saved model, input layouts, and clear errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { main } from '../../src/cli/index.js';
import { captureConsole, tempDir } from '../train/helpers.js';

const run = (argv: string[]) => captureConsole(() => main(argv));

test('train mnist --save DIR, then eval DIR and predict DIR --count 3', async () => {
  const dir = join(tempDir('deepts-cli-'), 'mlp');
  const train = await run(['train', 'mnist', '--limit', '2000', '--epochs', '1', '--verbose', '0', '--save', dir]);
  assert.equal(train.result, 0, train.err);
  assert.match(train.out, /^MNIST: 2000 training and 2000 test images/);
  assert.match(train.out, /Total params: 407,050/);
  const trainAcc = Number(/Test accuracy: (\d\.\d{4})/.exec(train.out)![1]);
  assert.ok(trainAcc > 0.7, train.out);
  assert.match(train.out, new RegExp(`Saved to ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));

  const ev = await run(['eval', dir, '--limit', '2000', '--batch-size', '500']);
  assert.equal(ev.result, 0, ev.err);
  const lines = ev.out.split('\n');
  assert.equal(lines[0], `Model "mnist_mlp" (407,050 parameters) from ${dir}`);
  assert.match(lines[1], /^MNIST test set: 2000 images, evaluated in \d+\.\ds$/);
  const m = /^Test loss: (\d+\.\d{4}) - Test accuracy: (\d\.\d{4})$/.exec(lines[2]);
  assert.ok(m, lines[2]);
  // the same 2000 test images as the train command's own evaluation: the same accuracy
  assert.equal(Number(m[2]), trainAcc);

  const full = await run(['eval', dir]);
  assert.match(full.out, /MNIST test set: 10000 images/);

  const pr = await run(['predict', dir, '--count', '3']);
  assert.equal(pr.result, 0, pr.err);
  const rows = pr.out.split('\n');
  assert.equal(rows[1], 'image  label  predicted  probability');
  // the first three test labels are 7, 2, 1
  assert.deepEqual(rows.slice(2, 5).map((r) => r.trim().split(/\s+/).slice(0, 2)), [['0', '7'], ['1', '2'], ['2', '1']]);
  for (const r of rows.slice(2, 5)) assert.match(r, /^\s+\d\s+\d\s+\d\s+[01]\.\d{4}\s+(ok|WRONG)$/);
  assert.match(rows[5], /^[0-3]\/3 correct$/);
});

test('eval and predict reshape MNIST to the model input: [28,28], [28,28,1]; logits get a softmax', async () => {
  const root = tempDir('deepts-cli-');
  dt.seed(1);
  const image = dt.sequential([layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 10 })]);
  image.compile({ optimizer: 'sgd', loss: dt.losses.get({ className: 'SparseCategoricalCrossentropy', config: { fromLogits: true } } as never), metrics: ['accuracy'] });
  await image.save(join(root, 'image'));
  const ev = await run(['eval', join(root, 'image'), '--limit', '50']);
  assert.equal(ev.result, 0, ev.err);
  assert.match(ev.out, /MNIST test set: 50 images/);
  const pr = await run(['predict', join(root, 'image'), '--count', '2']);
  assert.equal(pr.result, 0, pr.err);
  assert.match(pr.out, /the outputs are not probabilities, so they are shown after a softmax/);

  const nhwc = dt.sequential([layers.reshape({ targetShape: [784], inputShape: [28, 28, 1] }), layers.dense({ units: 10, activation: 'softmax' })]);
  await nhwc.save(join(root, 'nhwc')); // not compiled: eval picks sparse crossentropy + accuracy
  const ev2 = await run(['eval', join(root, 'nhwc'), '--limit', '20']);
  assert.equal(ev2.result, 0, ev2.err);
  assert.match(ev2.out, /saved without a training configuration/);
  assert.match(ev2.out, /Test loss: \d+\.\d{4} - Test accuracy: \d\.\d{4}/);

  const onehot = dt.sequential([layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
  onehot.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await onehot.save(join(root, 'onehot'));
  const ev3 = await run(['eval', join(root, 'onehot'), '--limit', '20']);
  assert.equal(ev3.result, 0, ev3.err);

  const wrong = dt.sequential([layers.dense({ units: 10, inputShape: [32] })]);
  await wrong.save(join(root, 'wrong'));
  const bad = await run(['eval', join(root, 'wrong')]);
  assert.equal(bad.result, 1);
  assert.equal(bad.err, 'deepts eval: the model takes inputs of shape (None, 32), which MNIST images (28×28 = 784 pixels) do not fit');
  const three = dt.sequential([layers.dense({ units: 3, inputShape: [784] })]);
  await three.save(join(root, 'three'));
  const bad2 = await run(['predict', join(root, 'three')]);
  assert.equal(bad2.err, "deepts predict: the model's output shape is (None, 3); MNIST needs one output of 10 classes");
});

test('clear errors: missing or invalid DIR, bad flags, unknown model or command', async () => {
  const root = tempDir('deepts-cli-');
  const cases: [string[], number, RegExp][] = [
    [['eval'], 1, /^deepts eval: give the folder of one saved model, e\.g\. deepts eval \.\/mnist-mlp \(got 0 arguments\)$/],
    [['eval', join(root, 'missing')], 1, /^deepts eval: no such folder: .*missing \(save a model there with: deepts train mnist --save /],
    [['predict', join(root, 'empty')], 1, /^deepts predict: .*model\.json: file not found \(is this a folder written by model\.save\?\)$/],
    [['predict', join(root, 'file.txt')], 1, /^deepts predict: .*file\.txt is a file; expected the folder written by model\.save/],
    [['eval', join(root, 'broken')], 1, /^deepts eval: .*broken\/model\.json: not valid JSON/],
    [['eval', root, '--limt', '3'], 1, /^deepts eval: unknown flag --limt \(known: --limit, --batch-size\)$/],
    [['eval', root, '--limit', 'many'], 1, /^deepts eval: --limit expects an integer, got "many"$/],
    [['predict', root, '--count', '0'], 1, /^deepts predict: --count expects a positive integer, got 0$/],
    [['train', 'mnist', '--model', 'resnet9000'], 1, /^deepts train mnist: unknown --model resnet9000 \(available: mlp/],
    [['train', 'mnist', '--epochs', 'two'], 1, /^deepts train: --epochs expects an integer, got "two"$/],
    [['train', 'mnist', '--epoch', '2'], 1, /^deepts train: unknown flag --epoch \(known: --model, --epochs/],
    [['train', 'cifar'], 1, /^deepts train: unknown dataset "cifar" \(available: mnist\)$/],
    [['fly'], 2, /^deepts: unknown command "fly"/],
  ];
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'empty'));
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'model.json'), '{oops');
  writeFileSync(join(root, 'file.txt'), 'hello');
  for (const [argv, code, re] of cases) {
    const r = await run(argv);
    assert.equal(r.result, code, `${argv.join(' ')}: exit ${r.result}, stderr ${r.err}`);
    assert.match(r.err, re, argv.join(' '));
  }
  const help = await run(['help']);
  assert.equal(help.result, 0);
  assert.match(help.out, /deepts eval DIR \[--limit N\] \[--batch-size N\]/);
  assert.match(help.out, /deepts predict DIR \[--count N\]/);
  const trainHelp = await run(['train', '--help']);
  assert.equal(trainHelp.result, 0);
  assert.match(trainHelp.out, /--model mlp\|cnn\|lenet5\|resnet-small/);
});
