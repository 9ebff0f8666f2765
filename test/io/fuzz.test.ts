import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { assertFuzzClean, idxFuzzSeed, mutate, runFuzz, runFuzzIsolated, type FuzzSeed } from '../../src/io/fuzz.js';
import { FormatError } from '../../src/core/errors.js';
import { safetensorsCorpus } from './fuzz-corpora.js';

const idxCorpus: FuzzSeed[] = [
  idxFuzzSeed(encodeIdx({ dtype: 'uint8', shape: [3, 4, 5], data: new Uint8Array(60).map((_, i) => i) })),
  idxFuzzSeed(encodeIdx({ dtype: 'float32', shape: [2, 3], data: [1, -2, 3.5, NaN, Infinity, 0] })),
  idxFuzzSeed(encodeIdx({ dtype: 'int16', shape: [4], data: [1, -1, 300, -300] })),
  idxFuzzSeed(encodeIdx({ dtype: 'float64', shape: [], data: [Math.E] })),
];

const stCorpus: FuzzSeed[] = safetensorsCorpus();

test('mutations are deterministic per (seed, index) and vary between indices', () => {
  for (const i of [0, 1, 77, 4095]) {
    const a = mutate(stCorpus, 123, i);
    const b = mutate(stCorpus, 123, i);
    assert.deepEqual(a.bytes, b.bytes);
    assert.equal(a.description, b.description);
  }
  const distinct = new Set(Array.from({ length: 200 }, (_, i) => Buffer.from(mutate(idxCorpus, 1, i).bytes).toString('hex')));
  assert.ok(distinct.size > 150, `only ${distinct.size} distinct mutations`);
  assert.notDeepEqual(mutate(idxCorpus, 1, 5).bytes, mutate(idxCorpus, 2, 5).bytes);
  // every family shows up
  const kinds = new Set(Array.from({ length: 3000 }, (_, i) => mutate(stCorpus, 9, i).kind));
  for (const k of ['truncate', 'bitflip', 'overwrite', 'int-field', 'insert', 'delete', 'duplicate', 'append', 'stacked', 'json-value', 'json-delete', 'json-add', 'json-swap', 'json-text']) {
    assert.ok(kinds.has(k), `mutation family ${k} never generated`);
  }
});

test('fuzz parseIdx: 4000 mutations parse or throw FormatError', () => {
  const r = runFuzz(idxCorpus, (b) => parseIdx(b, 'fuzz.idx'), { count: 4000, seed: 1, expectFile: 'fuzz.idx', timeLimitMs: 1000 });
  assertFuzzClean(r, 'parseIdx');
  assert.equal(r.cases, 4000);
  assert.equal(r.parsed + r.rejected, 4000);
  assert.ok(r.rejected > 3000 && r.parsed > 0, JSON.stringify(r.byKind));
});

test('fuzz decodeSafetensors: 4000 mutations parse or throw FormatError', () => {
  const r = runFuzz(stCorpus, (b) => decodeSafetensors(b, 'fuzz.safetensors'), { count: 4000, seed: 1, expectFile: 'fuzz.safetensors', timeLimitMs: 1000 });
  assertFuzzClean(r, 'decodeSafetensors');
  assert.equal(r.cases, 4000);
  assert.ok(r.rejected > 3000 && r.parsed > 0, JSON.stringify(r.byKind));
});

test('the fuzzer reports crashes and wrong file names with what reproduces them', () => {
  const crashy = (b: Uint8Array) => {
    if (b.length < 20) throw new RangeError('index out of range');
    if (b.length > 76) throw new FormatError('other-file', 'x');
    return parseIdx(b, 'f');
  };
  const r = runFuzz(idxCorpus.slice(0, 1), crashy, { count: 300, seed: 5, expectFile: 'f', maxFailures: 1000 });
  assert.ok(r.failures.some((f) => f.error?.startsWith('RangeError: index out of range')));
  assert.ok(r.failures.some((f) => /names file "other-file", expected "f"/.test(f.error ?? '')));
  const f = r.failures[0]!;
  const again = mutate(idxCorpus.slice(0, 1), f.seed, f.index);
  assert.equal(again.description, f.mutation);
  assert.throws(() => assertFuzzClean(r, 'crashy'), /crashy: \d+ failing case\(s\) out of 300; reproduce with mutate\(corpus, seed, index\):\n {2}\[error\] seed=5 index=\d+ mutation: seed#0: /);
  // maxFailures stops early
  assert.equal(runFuzz(idxCorpus.slice(0, 1), crashy, { count: 300, maxFailures: 3 }).failures.length, 3);
  // a corpus that does not parse is refused up front
  assert.throws(() => runFuzz([{ bytes: new Uint8Array(3) }], (b) => parseIdx(b), { count: 1 }), /corpus entry #0 does not parse/);
});

test('slow cases are failures', () => {
  const slow = (b: Uint8Array) => {
    const t = performance.now();
    if (b.length < 10) while (performance.now() - t < 30);
    return parseIdx(b);
  };
  const r = runFuzz(idxCorpus.slice(2, 3), slow, { count: 200, timeLimitMs: 20, maxFailures: 2 });
  assert.equal(r.failures.length, 2);
  assert.equal(r.failures[0]!.kind, 'slow');
});

test('isolated mode: same results as in-thread, and a hang is caught and skipped', async () => {
  const inThread = runFuzz(stCorpus, (b) => decodeSafetensors(b, 'w.st'), { count: 300, seed: 3 });
  const iso = await runFuzzIsolated(stCorpus, { module: new URL('../../src/io/safetensors.ts', import.meta.url).href, export: 'decodeSafetensors', file: 'w.st' }, { count: 300, seed: 3, batch: 64 });
  assertFuzzClean(iso);
  assert.deepEqual([iso.cases, iso.parsed, iso.rejected], [inThread.cases, inThread.parsed, inThread.rejected]);
  assert.deepEqual(iso.byKind, inThread.byKind);

  const corpus = [{ bytes: new Uint8Array(16), intFields: [] }];
  const hang = await runFuzzIsolated(corpus, { module: new URL('./fixtures/fuzz-parsers.ts', import.meta.url).href, export: 'hangsOnShort', file: 'h' }, { count: 40, seed: 2, timeLimitMs: 250, maxFailures: 2, batch: 8 });
  assert.ok(hang.failures.length >= 1);
  assert.equal(hang.failures[0]!.kind, 'hang');
  assert.equal(mutate(corpus, 2, hang.failures[0]!.index).description, hang.failures[0]!.mutation);
  assert.ok(mutate(corpus, 2, hang.failures[0]!.index).bytes.length < 8);
  assert.ok(hang.rejected + hang.parsed > 0, 'cases before the hang were counted');

  const crash = await runFuzzIsolated(corpus, { module: 'test/io/fixtures/fuzz-parsers.ts', export: 'crashesOnShort' }, { count: 50, seed: 2, maxFailures: 1 });
  assert.equal(crash.failures[0]!.kind, 'error');
  assert.match(crash.failures[0]!.error!, /^RangeError/);

  await assert.rejects(runFuzzIsolated(corpus, { module: 'test/io/fixtures/fuzz-parsers.ts', export: 'nope' }, { count: 5 }), /failed to start.*has no function export nope/);
});
