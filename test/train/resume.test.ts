/**
 * Exact resume: N epochs straight equals N/2 epochs, a checkpoint, a new process, and N/2 more — bit for bit, on the
 * CPU reference and on the wasm backend with two threads. Also: a torn checkpoint is detected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../../src/index.js';

const script = join(import.meta.dirname, '../fixtures/resume-run.mts');
const leg = (backend: string, ...args: string[]): void => {
  execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, DEEPTS_BACKEND: backend, DEEPTS_NUM_THREADS: '2' }, stdio: 'inherit' });
};

for (const backend of ['cpu', 'wasm']) {
  test(`exact resume across processes on ${backend}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepts-resume-'));
    try {
      leg(backend, 'straight', '4', join(dir, 'straight.txt'));
      leg(backend, 'first', '2', join(dir, 'ckpt'));
      const saved = JSON.parse(readFileSync(join(dir, 'ckpt', 'model.json'), 'utf8'));
      assert.equal(saved.trainingState.epoch, 2);
      leg(backend, 'resume', '4', join(dir, 'ckpt'), join(dir, 'resumed.txt'));
      assert.equal(readFileSync(join(dir, 'resumed.txt'), 'utf8'), readFileSync(join(dir, 'straight.txt'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a checkpoint whose files come from two different saves is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-torn-'));
  try {
    const m = dt.sequential([dt.layers.dense({ units: 3, inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.save(join(dir, 'a'));
    await m.save(join(dir, 'b'));
    copyFileSync(join(dir, 'b', 'weights.safetensors'), join(dir, 'a', 'weights.safetensors'));
    await assert.rejects(dt.loadModel(join(dir, 'a')), (e: Error) => e instanceof dt.FormatError && /two saves/.test(e.message) && /weights\.safetensors/.test(e.message));
    writeFileSync(join(dir, 'b', 'model.json'), '{"format":"deepts-model","formatVersion":1,"modelConfig":{"className":"Nope","config":{}}}');
    await assert.rejects(dt.loadModel(join(dir, 'b')), /unknown layer class "Nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
