/**
 * Worker side of runFuzzIsolated: imports the parser, runs its share of cases, publishes the
 * current case index in shared memory (for the hang watchdog) and posts results in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { emptyFuzzReport, runCase, tallyOutcome } from './fuzz.js';
import type { FuzzReport, ParseFn, WorkerBatch, WorkerInit } from './fuzz.js';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const p32 = new Int32Array(init.progress);
  const spec = init.parser.module; // a URL: runFuzzIsolated normalizes paths
  const mod = (await import(spec)) as Record<string, unknown>;
  const fn = mod[init.parser.export];
  if (typeof fn !== 'function') {
    parentPort!.postMessage({ type: 'fatal', error: `${init.parser.module} has no function export ${init.parser.export}` });
    return;
  }
  const file = init.parser.file;
  const parse: ParseFn = file === undefined ? (b) => (fn as ParseFn)(b) : (b) => (fn as (b: Uint8Array, f: string) => unknown)(b, file);
  const skip = new Set(init.skip);
  let r: FuzzReport = emptyFuzzReport(init.seed);
  let failures = 0;
  Atomics.store(p32, 0, init.from);
  Atomics.store(p32, 1, 1);
  const flush = (upTo: number) => {
    const msg: WorkerBatch = { type: 'batch', upTo, byKind: r.byKind, slowest: r.slowest, failures: r.failures };
    parentPort!.postMessage(msg);
    r = emptyFuzzReport(init.seed);
  };
  let inBatch = 0;
  for (let i = init.from; i < init.to; i++) {
    Atomics.store(p32, 0, i);
    if (skip.has(i)) continue;
    const c = runCase(init.corpus, parse, init.seed, i, init.opts);
    tallyOutcome(r, c.kind, c.outcome);
    if (c.ms > r.slowest.ms) r.slowest = { index: i, ms: c.ms, mutation: c.mutation.description };
    if (c.failure) {
      r.failures.push(c.failure);
      failures++;
    }
    if (++inBatch >= init.batch || (init.opts.maxFailures !== undefined && failures >= init.opts.maxFailures)) {
      flush(i + 1);
      inBatch = 0;
      if (init.opts.maxFailures !== undefined && failures >= init.opts.maxFailures) break;
    }
  }
  if (inBatch > 0) flush(init.to);
  parentPort!.postMessage({ type: 'done' });
}

main().catch((e: unknown) => {
  parentPort!.postMessage({ type: 'fatal', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
});
