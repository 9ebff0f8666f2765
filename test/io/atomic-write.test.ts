import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync, writeFilesAtomic } from '../../src/io/atomic-write.js';
import { ValueError } from '../../src/core/errors.js';

function withTmp(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepts-atomic-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('writes, overwrites, and leaves no temp file', withTmp(async (dir) => {
  const p = join(dir, 'a.bin');
  await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
  await writeFileAtomic(p, 'héllo');
  assert.equal(readFileSync(p, 'utf8'), 'héllo');
  await writeFileAtomic(p, new Uint8Array(0));
  assert.equal(readFileSync(p).length, 0);
  const big = new Uint8Array(5_000_000).map((_, i) => i & 0xff);
  await writeFileAtomic(p, big.subarray(7));
  assert.deepEqual(readFileSync(p), Buffer.from(big.subarray(7)));
  assert.deepEqual(readdirSync(dir), ['a.bin']);
}));

test('sync variant', withTmp((dir) => {
  const p = join(dir, 's.txt');
  writeFileAtomicSync(p, 'one');
  writeFileAtomicSync(p, 'two');
  assert.equal(readFileSync(p, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['s.txt']);
  assert.throws(() => writeFileAtomicSync(join(dir, 'x'), 5 as unknown as string), ValueError);
}));

test('failures clean up the temp file and keep the old content', withTmp(async (dir) => {
  // target is a non-empty directory: rename fails after the temp file was written
  const target = join(dir, 'occupied');
  mkdirSync(target);
  writeFileSync(join(target, 'keep'), 'x');
  await assert.rejects(writeFileAtomic(target, 'data'));
  assert.throws(() => writeFileAtomicSync(target, 'data'));
  assert.deepEqual(readdirSync(dir), ['occupied']);
  // missing folder: nothing to clean, the error surfaces
  await assert.rejects(writeFileAtomic(join(dir, 'nope', 'f'), 'data'), /ENOENT/);
  await assert.rejects(writeFileAtomic(join(dir, 'f'), 42 as unknown as string), ValueError);
  assert.deepEqual(readdirSync(dir), ['occupied']);
}));

test('writeFilesAtomic writes all files, creating folders', withTmp(async (dir) => {
  const out = join(dir, 'ckpt');
  const paths = await writeFilesAtomic(out, { 'model.json': '{"a":1}', 'weights/w.bin': new Uint8Array([9]) });
  assert.deepEqual(paths, [join(out, 'model.json'), join(out, 'weights', 'w.bin')]);
  assert.equal(readFileSync(join(out, 'model.json'), 'utf8'), '{"a":1}');
  assert.deepEqual([...readFileSync(join(out, 'weights', 'w.bin'))], [9]);
  assert.deepEqual(readdirSync(out).sort(), ['model.json', 'weights']);
  await writeFilesAtomic(out, [['model.json', 'v2']]);
  assert.equal(readFileSync(join(out, 'model.json'), 'utf8'), 'v2');
}));

test('writeFilesAtomic refuses names escaping the folder and leaves targets untouched on failure', withTmp(async (dir) => {
  await assert.rejects(writeFilesAtomic(dir, { '../evil': 'x' }), ValueError);
  await assert.rejects(writeFilesAtomic(dir, { '/etc/passwd': 'x' }), ValueError);
  await assert.rejects(writeFilesAtomic(dir, { '': 'x' }), ValueError);
  await assert.rejects(writeFilesAtomic(dir, [['a', 'x'], ['./a', 'y']]), /appears twice/);
  writeFileSync(join(dir, 'a'), 'old');
  mkdirSync(join(dir, 'blocker'));
  writeFileSync(join(dir, 'blocker', 'f'), '');
  // 'blocker/f/g' cannot be created (f is a file): the write phase fails, 'a' keeps its old content
  await assert.rejects(writeFilesAtomic(dir, { a: 'new', 'blocker/f/g': 'x' }));
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir).sort(), ['a', 'blocker']);
  assert.deepEqual(readdirSync(join(dir, 'blocker')), ['f']);
}));
