/** The Keras-style progress bar: redrawn lines with an ETA on a TTY, one line per epoch otherwise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { formatDuration, formatLogs, formatPerStep, ProgressBar } from '../../src/train/progress.js';
import { FakeStream, mnistSlice, smallMlp } from './helpers.js';

const LOGS = String.raw` - accuracy: \d\.\d{4} - loss: \d\.\d{4}`;
const FINAL = new RegExp(String.raw`^5/5 ━{20} \d+s \d+ms/step${LOGS}$`);

test('formatting: durations, time per step, logs sorted by name', () => {
  assert.equal(formatDuration(3.4), '3s');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatPerStep(0.006), '6ms/step');
  assert.equal(formatPerStep(2), '2s/step');
  assert.equal(formatPerStep(0.0005), '500us/step');
  assert.equal(formatLogs({ loss: 0.26712, accuracy: 0.92451, val_loss: 1e-5 }), ' - accuracy: 0.9245 - loss: 0.2671 - val_loss: 1.0000e-5');
});

test('TTY: the line is redrawn with \\r and an ETA, then the final N/N line with time and ms/step', async () => {
  dt.seed(1);
  const { train } = mnistSlice(100);
  const model = smallMlp(8);
  const stream = new FakeStream(true);
  const slow = { onBatchBegin: () => new Promise<void>((r) => setTimeout(r, 60)) };
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 20, verbose: 1, stream, callbacks: [slow] });
  const chunks = stream.chunks;
  assert.equal(chunks[0], 'Epoch 1/2\n');
  // every step is more than 50 ms apart, so each one is drawn: 1/5 .. 4/5 with an ETA, then the final line
  const steps = chunks.slice(1, 5);
  steps.forEach((c, i) => {
    assert.ok(c.startsWith('\r') && c.endsWith('\x1b[K'), JSON.stringify(c));
    const plain = c.slice(1, -3).replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(plain, new RegExp(String.raw`^${i + 1}/5 ━{20} \d+s${LOGS}$`), JSON.stringify(plain));
  });
  // the unfinished part of the bar is dimmed
  assert.match(chunks[1], /^\r1\/5 ━{4}\x1b\[2m━{16}\x1b\[0m /);
  const last = chunks.slice(1).findIndex((c) => c.endsWith('\n')) + 1;
  const final = chunks[last];
  assert.ok(final.startsWith('\r') && final.endsWith('\x1b[K\n'));
  assert.match(final.slice(1, -4), FINAL);
  const perStep = Number(/(\d+)ms\/step/.exec(final)![1]);
  assert.ok(perStep >= 55, `${perStep}ms/step`);
  assert.equal(chunks[last + 1], 'Epoch 2/2\n');
  assert.equal(chunks.filter((c) => c.endsWith('\n')).length, 4);
});

test('TTY: updates are throttled to one per 50 ms, but the last step is always drawn', () => {
  const stream = new FakeStream(true);
  const bar = new ProgressBar(1000, stream);
  for (let i = 1; i <= 1000; i++) bar.update(i, { loss: 1 / i });
  assert.ok(stream.chunks.length < 10, `${stream.chunks.length} draws`);
  assert.match(stream.chunks[stream.chunks.length - 1], /^\r1000\/1000 ━{20} 0s - loss: 0\.0010\x1b\[K$/);
});

test('not a TTY: one line per epoch, no carriage returns, validation logs on the same line', async () => {
  dt.seed(2);
  const { train } = mnistSlice(100);
  const model = smallMlp(8);
  const stream = new FakeStream(false);
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 20, verbose: 1, stream, validationData: [train.x, train.y] });
  const lines = stream.text.split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '');
  assert.equal(lines[0], 'Epoch 1/2');
  assert.equal(lines[2], 'Epoch 2/2');
  for (const l of [lines[1], lines[3]]) assert.match(l, new RegExp(String.raw`^5/5 ━{20} \d+s \d+(ms|us)/step${LOGS} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$`));
  assert.ok(!stream.text.includes('\r'));
  assert.ok(!stream.text.includes('\x1b'));
});

test('verbose 2 prints one line per epoch even on a TTY; verbose 0 prints nothing', async () => {
  dt.seed(3);
  const { train } = mnistSlice(100);
  const model = smallMlp(8);
  const tty = new FakeStream(true);
  await model.fit(train.x, train.y, { epochs: 1, batchSize: 20, verbose: 2, stream: tty });
  assert.equal(tty.chunks.length, 2);
  assert.match(tty.chunks[1], new RegExp(String.raw`^5/5 ━{20} \d+s \d+(ms|us)/step${LOGS}\n$`));
  const silent = new FakeStream(true);
  await model.fit(train.x, train.y, { epochs: 1, batchSize: 20, verbose: 0, stream: silent });
  await model.evaluate(train.x, train.y, { stream: silent });
  assert.equal(silent.text, '');
});

test('evaluate with verbose 1 shows a bar too', async () => {
  const { test: t } = mnistSlice(100);
  const model = smallMlp(8);
  const stream = new FakeStream(false);
  await model.evaluate(t.x, t.y, { batchSize: 25, verbose: 1, stream });
  assert.match(stream.text, new RegExp(String.raw`^4/4 ━{20} \d+s \d+(ms|us)/step${LOGS}\n$`));
});
