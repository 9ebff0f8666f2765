/**
 * examples/transfer-mnist: a CNN trained on digits 0-4, its frozen convolutional base reused for 5-9 with 100
 * labels, against the same network from scratch. Reduced sizes (the command line trains the base on 12,000 images
 * and also tries 500 labels); the whole file takes well under a minute on 2 cores.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildCnn, formatTable, runTransfer } from '../../examples/transfer-mnist.js';
import * as dt from '../../src/index.js';

describe('examples/transfer-mnist', () => {
  test('the reused 0-4 base beats training from scratch on 100 labelled 5-9 images; frozen weights stay bit-identical', async (t) => {
    const live = dt.memory().numTensors;
    const lines: string[] = [];
    const r = await runTransfer({ trainBase: 6000, baseEpochs: 2, fewShot: 100, epochs: 10, fineTuneEpochs: 2, testLimit: 2000, seed: 1, log: (l) => lines.push(l) });
    t.diagnostic(formatTable(r).split('\n').slice(2, 4).join(' / ') + ` (${r.seconds.toFixed(1)}s)`);
    assert.ok(r.baseAccuracy > 0.95, `base accuracy on 0-4: ${r.baseAccuracy}`);
    assert.equal(r.runs.length, 1);
    const run = r.runs[0];
    assert.equal(run.fewShot, 100);
    assert.equal(run.frozenUnchanged, true, 'training the head left the frozen base (BatchNormalization statistics included) bit-identical');
    assert.equal(run.fineTuneChanged, true, 'fine-tuning moved the convolutions and left the frozen BatchNormalization alone');
    // conv1 (kernel, bias), bn1 (gamma, beta, moving mean, variance), conv2, bn2
    assert.equal(r.frozenWeights, 12);
    assert.equal(r.frozenParams, (9 * 16 + 16) + 4 * 16 + (9 * 16 * 32 + 32) + 4 * 32);
    assert.equal(r.headParams, 7 * 7 * 32 * 5 + 5);
    assert.ok(run.transferAccuracy >= run.scratchAccuracy + 0.05, `transfer ${run.transferAccuracy} vs scratch ${run.scratchAccuracy}`);
    assert.ok(run.fineTunedAccuracy! >= run.scratchAccuracy + 0.05, `fine-tuned ${run.fineTunedAccuracy} vs scratch ${run.scratchAccuracy}`);
    assert.ok(run.transferAccuracy > 0.7, `transfer ${run.transferAccuracy}`);
    assert.deepEqual(r.testCounts, { new: 948, base: 1052 }); // the first 2000 test images
    assert.equal(lines.length, 5);
    assert.match(lines[2], /^100 labels: frozen base \+ new head \(7845 trainable\), 10 epochs: 0\.\d{4}; base unchanged: true$/);
    assert.equal(dt.memory().numTensors, live, 'the example frees what it allocates');
  });

  test('buildCnn is the architecture of the issue: 2 x (conv3x3 + BN + ReLU + max pool), flatten, dense', () => {
    const m = buildCnn([16, 32], 5, 'cnn');
    assert.deepEqual(m.layers.map((l) => l.className), ['Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Flatten', 'Dense']);
    assert.deepEqual(m.outputShapes, [[null, 5]]);
    assert.equal(m.countParams(), 12837);
    m.dispose();
  });

  test('runs as a script and prints the table', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/transfer-mnist.ts', '--train-base', '300', '--base-epochs', '1', '--few-shot', '20,40', '--epochs', '1', '--fine-tune-epochs', '1', '--test-limit', '200'], {
      encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    assert.match(out, /^base task: digits 0-4, 300 training images; new task: digits 5-9 with 20 \/ 40 labelled images; test: \d+ \+ \d+ images$/m);
    assert.match(out, /^labels {5}scratch frozen base {2}fine-tuned {5}gain$/m);
    assert.match(out, /^ {4}20 +\d+\.\d% +\d+\.\d% +\d+\.\d% +[+-]\d+\.\d$/m);
    assert.match(out, /^ {4}40 +\d+\.\d% +\d+\.\d% +\d+\.\d% +[+-]\d+\.\d$/m);
    assert.match(out, /frozen base unchanged while training the head: true/);
    assert.match(out, /live tensors: 0\)$/m);
  });
});
