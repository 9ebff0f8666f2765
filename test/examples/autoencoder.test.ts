/**
 * examples/autoencoder-pretrain: a dense autoencoder pre-trained on unlabelled MNIST, its encoder (the same layers)
 * reused in a classifier, compared with training from scratch; and the PNG of reconstructions it writes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAutoencoder, formatTable, runAutoencoder } from '../../examples/autoencoder-pretrain.js';
import * as dt from '../../src/index.js';
import { decodePng } from '../helpers/png.js';
import { tempDir } from '../train/helpers.js';

/** Mean absolute difference between two 28x28 cells of a decoded grid (scale 2, padding 2). */
function cellDiff(png: { width: number; pixels: Uint8Array }, a: [number, number], b: [number, number]): number {
  const origin = ([col, row]: [number, number]): [number, number] => [2 + col * 58, 2 + row * 58];
  const [ax, ay] = origin(a);
  const [bx, by] = origin(b);
  let sum = 0;
  for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) sum += Math.abs(png.pixels[(ay + y) * png.width + ax + x] - png.pixels[(by + y) * png.width + bx + x]);
  return sum / (56 * 56);
}

describe('examples/autoencoder-pretrain', () => {
  test('pre-training learns a code: reconstructions, a probe far above a random encoder, shared weights, a PNG', async (t) => {
    const live = dt.memory().numTensors;
    const png = join(tempDir('deepts-ae-'), 'out', 'reconstructions.png');
    const lines: string[] = [];
    const r = await runAutoencoder({ unlabelled: 5000, labelled: 300, aeEpochs: 5, epochs: 20, testLimit: 2000, png, seed: 1, log: (l) => lines.push(l) });
    t.diagnostic(formatTable(r, 300).split('\n').slice(3, 7).map((l) => l.replace(/ {2,}/g, ' ')).join(' / ') + ` (${r.seconds.toFixed(1)}s)`);
    assert.equal(r.sharesEncoder, true);
    assert.ok(r.reconstructionMse < r.baselineMse / 2, `reconstruction MSE ${r.reconstructionMse} vs the mean image's ${r.baselineMse}`);
    assert.ok(r.probeAccuracy >= r.randomProbeAccuracy + 0.1, `frozen code: pre-trained ${r.probeAccuracy}, random ${r.randomProbeAccuracy}`);
    // fine-tuned from the pre-trained encoder ends up about where scratch does (within a few points either way)
    assert.ok(r.pretrainedAccuracy > r.probeAccuracy, `fine-tuning improves on the probe: ${r.pretrainedAccuracy} vs ${r.probeAccuracy}`);
    assert.ok(Math.abs(r.pretrainedAccuracy - r.scratchAccuracy) < 0.06, `pre-trained ${r.pretrainedAccuracy} vs scratch ${r.scratchAccuracy}`);
    assert.ok(r.scratchAccuracy > 0.7, `scratch ${r.scratchAccuracy}`);
    assert.equal(lines.length, 7);
    assert.equal(dt.memory().numTensors, live, 'the example frees what it allocates');
    assert.match(lines[3], /^ {2}wrote .*reconstructions\.png \(582x118\): 10 test images above their reconstructions$/);

    // the PNG: 2 rows of 10 digits at scale 2; each reconstruction is closer to the digit above it than to the others
    assert.deepEqual(r.png, { path: png, width: 582, height: 118 });
    const d = decodePng(new Uint8Array(readFileSync(png)));
    assert.deepEqual([d.width, d.height, d.bitDepth, d.colorType], [582, 118, 8, 0]);
    const { test: mnistTest } = dt.loadMnist({ limit: 10 });
    const top = dt.imageGrid(mnistTest.x, { cols: 10, scale: 2, padding: 2 });
    for (let y = 0; y < 60; y++) assert.deepEqual(d.pixels.subarray(y * 582, (y + 1) * 582), top.pixels.subarray(y * 582, (y + 1) * 582), `row ${y}: the originals`);
    for (let i = 0; i < 10; i++) {
      const diffs = Array.from({ length: 10 }, (_, j) => cellDiff(d, [j, 0], [i, 1]));
      assert.equal(diffs.indexOf(Math.min(...diffs)), i, `reconstruction ${i} is closest to original ${i}: ${diffs.map((v) => v.toFixed(1)).join(' ')}`);
    }
  });

  test('buildAutoencoder: 784-128-32-128-784 with a sigmoid output; the encoder is its first two layers', () => {
    const { autoencoder, encoder } = buildAutoencoder();
    assert.deepEqual(autoencoder.layerOutputShapes, [[null, 128], [null, 32], [null, 128], [null, 784]]);
    assert.deepEqual(autoencoder.layers.slice(0, 2), encoder);
    assert.equal(autoencoder.countParams(), 784 * 128 + 128 + 128 * 32 + 32 + 32 * 128 + 128 + 128 * 784 + 784);
    assert.equal(autoencoder.getLayer('reconstruction').getConfig().activation, 'sigmoid');
    autoencoder.dispose();
  });

  test('runs as a script and writes the PNG', () => {
    const png = join(tempDir('deepts-ae-'), 'ae.png');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/autoencoder-pretrain.ts', '--unlabelled', '500', '--labelled', '50', '--ae-epochs', '1', '--epochs', '1', '--test-limit', '100', '--png', png, '--loss', 'mse'], {
      encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    assert.match(out, /^pre-training on 500 unlabelled images; classifiers on 50 labelled images; test on 100$/m);
    assert.match(out, /test mse \d\.\d{4}, MSE/);
    assert.match(out, /^from scratch +\d+\.\d%$/m);
    assert.match(out, /^pre-trained - scratch: -?\d+\.\d points; frozen code, pre-trained - random: -?\d+\.\d points$/m);
    assert.deepEqual([decodePng(new Uint8Array(readFileSync(png))).width], [582]);
  });
});
