/**
 * Mutation-fuzzes the parsers: IDX, safetensors, model.json (loadModel), Keras .h5 (h5wasm, with the embedded
 * model_config mutated as JSON) and the ONNX exporter fed with mutated model configs.
 *
 *   npm run fuzz                         10^5 mutations per parser, seed 1
 *   npm run fuzz -- --count 1000000 --seed 7 --parser safetensors --time-limit 2000 --in-thread
 *   npm run fuzz -- --parser keras-h5,model-json
 *
 * Each parser runs in a worker thread with a hang watchdog (unless --in-thread). Prints
 * cases/second and outcome counts per mutation family; exits 1 if any case failed, listing the
 * seed and case index that reproduce it (src/io/fuzz.ts: mutate(corpus, seed, index)).
 */
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { readMnistRaw } from '../src/data/mnist-files.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { kerasH5Corpus, modelJsonCorpus, safetensorsCorpus } from '../test/io/fuzz-corpora.js';
import { fuzzKerasH5, fuzzModelJson, fuzzOnnxExport } from '../src/io/fuzz-targets.js';
import { idxFuzzSeed, runFuzz, runFuzzIsolated, safetensorsFuzzSeed, type FuzzReport, type FuzzSeed, type ParseFn, type ParserRef } from '../src/io/fuzz.js';

interface Args {
  count: number;
  seed: number;
  parsers: string[];
  timeLimitMs: number;
  inThread: boolean;
}

function usage(msg?: string): never {
  if (msg) console.error(`fuzz: ${msg}`);
  console.error(`usage: npm run fuzz -- [--count N] [--seed S] [--parser ${ALL_PARSERS.join('|')}|all (comma-separated)] [--time-limit MS] [--in-thread]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { count: 100_000, seed: 1, parsers: ALL_PARSERS.slice(), timeLimitMs: 2000, inThread: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (name: string, v: string): number => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isSafeInteger(n) || n < 0) usage(`${name} must be a non-negative integer, got ${v}`);
      return n;
    };
    switch (flag) {
      case '--count':
        a.count = int('--count', value());
        break;
      case '--seed':
        a.seed = int('--seed', value());
        break;
      case '--time-limit':
        a.timeLimitMs = int('--time-limit', value());
        break;
      case '--parser': {
        const p = value();
        if (p === 'all') a.parsers = ALL_PARSERS.slice();
        else {
          a.parsers = p.split(',');
          for (const q of a.parsers) if (!ALL_PARSERS.includes(q)) usage(`unknown parser ${q}`);
        }
        break;
      }
      case '--in-thread':
        a.inThread = true;
        break;
      case '--help':
      case '-h':
        usage();
      // falls through (usage exits)
      default:
        usage(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

function idxCorpus(): FuzzSeed[] {
  const seeds = [
    encodeIdx({ dtype: 'uint8', shape: [3, 4, 5], data: new Uint8Array(60).map((_, i) => i * 4) }),
    encodeIdx({ dtype: 'int8', shape: [2, 2], data: [-128, -1, 0, 127] }),
    encodeIdx({ dtype: 'int16', shape: [4], data: [1, -1, 300, -300] }),
    encodeIdx({ dtype: 'int32', shape: [1, 3], data: [2 ** 31 - 1, -(2 ** 31), 0] }),
    encodeIdx({ dtype: 'float32', shape: [2, 3], data: [1, -2, 3.5, NaN, Infinity, 0] }),
    encodeIdx({ dtype: 'float64', shape: [], data: [Math.E] }),
    encodeIdx({ dtype: 'uint8', shape: [5, 0, 3], data: [] }),
  ];
  try {
    // a slice of the real data: 4 images and their labels
    const m = readMnistRaw({ split: 'test' });
    seeds.push(encodeIdx({ dtype: 'uint8', shape: [4, m.rows, m.cols], data: m.images.subarray(0, 4 * m.rows * m.cols) }));
    seeds.push(encodeIdx({ dtype: 'uint8', shape: [16], data: m.labels.subarray(0, 16) }));
  } catch (e) {
    console.warn(`(no MNIST slice in the IDX corpus: ${(e as Error).message})`);
  }
  return seeds.map(idxFuzzSeed);
}

function safetensorsSeeds(): FuzzSeed[] {
  const more = [
    encodeSafetensors({}, { only: 'metadata' }),
    encodeSafetensors({ 'dense/kernel': { dtype: 'F32', shape: [16, 8], data: new Float32Array(128).map((_, i) => Math.sin(i)) }, 'dense/bias': { dtype: 'F32', shape: [8], data: new Float32Array(8) } }),
  ];
  return [...safetensorsCorpus(), ...more.map(safetensorsFuzzSeed)];
}

const PARSERS: Record<string, { corpus: () => FuzzSeed[]; ref: ParserRef; fn: ParseFn; minTimeLimitMs?: number }> = {
  idx: { corpus: idxCorpus, ref: { module: new URL('../src/data/idx.ts', import.meta.url).href, export: 'parseIdx', file: 'fuzz.idx' }, fn: (b) => parseIdx(b, 'fuzz.idx') },
  safetensors: {
    corpus: safetensorsSeeds,
    ref: { module: new URL('../src/io/safetensors.ts', import.meta.url).href, export: 'decodeSafetensors', file: 'fuzz.safetensors' },
    fn: (b) => decodeSafetensors(b, 'fuzz.safetensors'),
  },
  'model-json': {
    corpus: modelJsonCorpus,
    ref: { module: new URL('../src/io/fuzz-targets.ts', import.meta.url).href, export: 'fuzzModelJson', file: 'fuzz.model.json' },
    fn: (b) => fuzzModelJson(b, 'fuzz.model.json'),
  },
  'keras-h5': {
    corpus: kerasH5Corpus,
    ref: { module: new URL('../src/io/fuzz-targets.ts', import.meta.url).href, export: 'fuzzKerasH5', file: 'fuzz.h5' },
    fn: (b) => fuzzKerasH5(b, 'fuzz.h5'),
    // a case that makes libhdf5 loop costs the 300 ms read limit plus, under load, the wait for a fresh reader
    minTimeLimitMs: 5000,
  },
  'onnx-export': {
    corpus: modelJsonCorpus,
    ref: { module: new URL('../src/io/fuzz-targets.ts', import.meta.url).href, export: 'fuzzOnnxExport', file: 'fuzz.model.json' },
    fn: (b) => fuzzOnnxExport(b, 'fuzz.model.json'),
  },
};
const ALL_PARSERS = Object.keys(PARSERS);

function printReport(name: string, r: FuzzReport): void {
  const pct = (n: number) => `${((100 * n) / Math.max(r.cases, 1)).toFixed(1)}%`;
  console.log(`\n${name}: ${r.cases} cases in ${(r.elapsedMs / 1000).toFixed(2)} s = ${Math.round(r.casesPerSecond)} cases/s (seed ${r.seed})`);
  console.log(`  parsed ${r.parsed} (${pct(r.parsed)})   rejected with FormatError ${r.rejected} (${pct(r.rejected)})   failed ${r.failed}`);
  console.log(`  slowest case: #${r.slowest.index} ${r.slowest.ms.toFixed(2)} ms (${r.slowest.mutation.slice(0, 100)})`);
  const rows = Object.entries(r.byKind).sort((a, b) => b[1].cases - a[1].cases);
  console.log(`  ${'mutation'.padEnd(12)} ${'cases'.padStart(8)} ${'parsed'.padStart(8)} ${'rejected'.padStart(9)} ${'failed'.padStart(7)}`);
  for (const [k, c] of rows) console.log(`  ${k.padEnd(12)} ${String(c.cases).padStart(8)} ${String(c.parsed).padStart(8)} ${String(c.rejected).padStart(9)} ${String(c.failed).padStart(7)}`);
  for (const f of r.failures) {
    console.log(`  FAILURE [${f.kind}] seed=${f.seed} index=${f.index}: ${f.mutation}`);
    if (f.error) console.log(`    ${f.error.replace(/\n/g, '\n    ')}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`fuzzing ${args.parsers.join(', ')}: ${args.count} mutations each, seed ${args.seed}, ${args.inThread ? 'in-thread' : 'worker with hang watchdog'}, time limit ${args.timeLimitMs} ms/case`);
  let failed = 0;
  let total = 0;
  const t0 = performance.now();
  for (const name of args.parsers) {
    const p = PARSERS[name]!;
    const corpus = p.corpus();
    const opts = { count: args.count, seed: args.seed, timeLimitMs: Math.max(args.timeLimitMs, p.minTimeLimitMs ?? 0), expectFile: p.ref.file, maxFailures: 50 };
    let lastPrint = 0;
    const r = args.inThread
      ? runFuzz(corpus, p.fn, opts)
      : await runFuzzIsolated(corpus, p.ref, {
          ...opts,
          batch: 2000,
          onProgress: (done, all) => {
            const now = performance.now();
            if (process.stderr.isTTY && now - lastPrint > 500) {
              lastPrint = now;
              process.stderr.write(`\r  ${name}: ${done}/${all}`);
            }
          },
        });
    if (process.stderr.isTTY && !args.inThread) process.stderr.write('\r\x1b[K');
    printReport(name, r);
    failed += r.failures.length;
    total += r.cases;
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`\ntotal: ${total} cases in ${secs.toFixed(2)} s (${Math.round(total / secs)} cases/s), ${failed} failure(s)`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
