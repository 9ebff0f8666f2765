// deepts/browser in a real browser: builds the bundle (scripts/build-browser.mjs) into a temp dir, serves it
// from 127.0.0.1 with the COOP/COEP headers that SharedArrayBuffer needs, and drives headless Chromium
// (Debian's /usr/bin/chromium through playwright-core) through a page that checks the wasm backend runs
// with 2 threads on Web Workers, compares a matmul and a conv2d with the CPU reference backend in the same
// page, and trains a small Dense model with fit(). Skips when Chromium or playwright-core is missing
// (apt-get install -y chromium; npm i -D playwright-core). DEEPTS_CHROMIUM overrides the browser path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.DEEPTS_CHROMIUM ?? '/usr/bin/chromium';

type Playwright = typeof import('playwright-core');
let pw: Playwright | null = null;
try {
  pw = await import('playwright-core');
} catch {
  pw = null;
}
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not found: apt-get install -y chromium to run the browser test`
  : !pw
    ? 'playwright-core is not installed: npm i -D playwright-core to run the browser test'
    : false;

// The page: plain JS (not compiled by tsx), run as a module; it leaves its findings in window.__result.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>deepts browser test</title>
<script type="module">
import * as dt from './deepts.js';
const out = { log: [] };
try {
  const t0 = performance.now();
  const info = await dt.ready({ threads: 2 });
  out.readyMs = performance.now() - t0;
  out.info = info;
  out.crossOriginIsolated = self.crossOriginIsolated;
  out.backend = dt.getBackend().name;
  out.threads = dt.getNumThreads();

  let s = 12345;
  const rnd = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; a[i] = s / 4294967296 - 0.5; } return a; };
  const maxRelDiff = (a, b) => { let m = 0, scale = 1e-6; for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); } return m / scale; };

  // matmul, big enough to be split across the pool: the worker must take chunks
  const M = 192, K = 256, N = 160;
  const A = rnd(M * K), B = rnd(K * N);
  const before = dt.wasmPoolStats();
  let mm;
  for (let i = 0; i < 20; i++) {
    mm = dt.matmul(dt.tensor(A, { shape: [M, K] }), dt.tensor(B, { shape: [K, N] }));
    if ((dt.wasmPoolStats().workerChunks[0] ?? 0) > (before.workerChunks[0] ?? 0)) break;
  }
  const after = dt.wasmPoolStats();
  out.matmulBackend = mm.backend.name;
  out.workerChunks = (after.workerChunks[0] ?? 0) - (before.workerChunks[0] ?? 0);
  out.parallelJobs = after.parallelJobs - before.parallelJobs;
  const mmRef = dt.withBackend('cpu', () => dt.matmul(dt.tensor(A, { shape: [M, K] }), dt.tensor(B, { shape: [K, N] })).dataSync());
  out.matmulDiff = maxRelDiff(mm.dataSync(), mmRef);

  // conv2d: NHWC x HWIO, 'same' padding and a strided 'valid' one
  const X = rnd(2 * 14 * 14 * 8), W = rnd(3 * 3 * 8 * 16);
  out.convDiff = 0;
  for (const opts of [{ padding: 'same' }, { padding: 'valid', strides: 2 }]) {
    const y = dt.conv2d(dt.tensor(X, { shape: [2, 14, 14, 8] }), dt.tensor(W, { shape: [3, 3, 8, 16] }), opts);
    out.convBackend = y.backend.name;
    const yRef = dt.withBackend('cpu', () => dt.conv2d(dt.tensor(X, { shape: [2, 14, 14, 8] }), dt.tensor(W, { shape: [3, 3, 8, 16] }), opts).dataSync());
    out.convDiff = Math.max(out.convDiff, maxRelDiff(y.dataSync(), yRef));
  }

  // fit(): a small regression problem, y = x . w + 0.5
  dt.seed(7);
  const n = 512, d = 8;
  const xs = rnd(n * d), wTrue = rnd(d), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) { let acc = 0.5; for (let j = 0; j < d; j++) acc += xs[i * d + j] * wTrue[j] * 4; ys[i] = acc; }
  const model = dt.sequential([dt.layers.dense({ units: 16, activation: 'relu', inputShape: [d] }), dt.layers.dense({ units: 1 })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const t1 = performance.now();
  // callbacks that write no files are in the browser entry: the scheduler's rate must reach the optimizer
  const seenRates = [];
  const callbacks = [
    dt.callbacks.learningRateScheduler((epoch, lr) => (epoch === 0 ? lr : lr * 0.9)),
    new dt.LambdaCallback({ onEpochEnd: () => { seenRates.push(model.optimizer.learningRate); } }),
  ];
  const h = await model.fit(dt.tensor(xs, { shape: [n, d] }), dt.tensor(ys, { shape: [n, 1] }), { epochs: 10, batchSize: 32, verbose: 0, callbacks });
  out.fitMs = performance.now() - t1;
  out.seenRates = seenRates;
  // ONNX export in memory (the file-writing exportOnnx is Node only)
  out.onnx = Array.from(dt.onnxBytes(model).subarray(0, 2));
  out.onnxLength = dt.onnxBytes(model).length;
  out.losses = h.history.loss;
  out.ok = true;
} catch (e) {
  out.error = String(e && e.stack || e);
}
window.__result = out;
</script>
`;

// The same bundle on a page without COOP/COEP (no SharedArrayBuffer): ready() must still resolve, and ops work.
const PAGE_NOT_ISOLATED = `<!doctype html>
<meta charset="utf-8">
<script type="module">
import * as dt from './deepts.js';
const out = {};
try {
  out.info = await dt.ready();
  out.crossOriginIsolated = self.crossOriginIsolated;
  out.sum = Array.from(dt.matmul(dt.ones([4, 3]), dt.ones([3, 5])).dataSync());
} catch (e) {
  out.error = String(e && e.stack || e);
}
window.__result = out;
</script>
`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json', '.html': 'text/html' };

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (url.pathname === '/not-isolated.html') {
      res.writeHead(200, { 'Content-Type': TYPES['.html'] });
      res.end(PAGE_NOT_ISOLATED);
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] });
      res.end(PAGE);
      return;
    }
    const name = path.basename(url.pathname);
    const file = path.join(dir, name);
    if (url.pathname !== `/${name}` || !existsSync(file)) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(name)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('deepts/browser in Chromium: wasm backend on 2 Web Workers, matmul and conv2d match the CPU reference, fit() trains', { skip, timeout: 60000 }, async () => {
  const t0 = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'deepts-browser-'));
  const bundleDir = path.join(tmp, 'bundle');
  const profile = path.join(tmp, 'profile');
  let server: Server | null = null;
  let context: Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>> | null = null;
  try {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-browser.mjs'), '--outDir', bundleDir], { cwd: root, encoding: 'utf8' });
    assert.equal(b.status, 0, `build-browser failed:\n${b.stdout}\n${b.stderr}`);
    server = await serve(bundleDir);
    const port = (server.address() as AddressInfo).port;
    context = await pw!.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('window.__result !== undefined', null, { timeout: 45000 });
    const r = (await page.evaluate('window.__result')) as Record<string, any>;
    const diag = `\n${JSON.stringify(r, null, 1)}\n${messages.join('\n')}`;
    assert.equal(r.error, undefined, `the page threw: ${r.error}${diag}`);
    assert.equal(r.crossOriginIsolated, true, diag);
    assert.equal(r.info.backend, 'wasm', diag);
    assert.equal(r.backend, 'wasm', diag);
    assert.equal(r.threads, 2, diag);
    assert.equal(r.info.workers, 1, `the Web Worker did not start${diag}`);
    assert.equal(r.matmulBackend, 'wasm', diag);
    assert.ok(r.parallelJobs > 0 && r.workerChunks > 0, `the worker never took a chunk of a matmul${diag}`);
    assert.ok(r.matmulDiff < 1e-5, `matmul differs from the CPU reference by ${r.matmulDiff}${diag}`);
    assert.equal(r.convBackend, 'wasm', diag);
    assert.ok(r.convDiff < 1e-5, `conv2d differs from the CPU reference by ${r.convDiff}${diag}`);
    const losses = r.losses as number[];
    assert.equal(losses.length, 10, diag);
    assert.ok(losses.every(Number.isFinite), diag);
    assert.ok(losses[losses.length - 1]! < 0.7 * losses[0]!, `fit() did not reduce the loss: ${losses.join(', ')}${diag}`);
    // an ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08
    assert.equal((r.onnx as number[])[0], 0x08, `onnxBytes in the page${diag}`);
    assert.ok((r.onnxLength as number) > 8 * 16 * 4, `onnxBytes in the page: ${r.onnxLength} bytes${diag}`);
    const rates = r.seenRates as number[];
    assert.equal(rates.length, 10, `LambdaCallback ran ${rates.length} times${diag}`);
    assert.ok(Math.abs(rates[9]! / rates[0]! - 0.9 ** 9) < 1e-6, `LearningRateScheduler rates ${rates.join(', ')}${diag}`);

    // Without cross-origin isolation: no shared memory for workers; ready() resolves (wasm on one thread, or
    // the CPU backend with a reason) and ops still run.
    await page.goto(`http://127.0.0.1:${port}/not-isolated.html`);
    await page.waitForFunction('window.__result !== undefined', null, { timeout: 20000 });
    const r2 = (await page.evaluate('window.__result')) as Record<string, any>;
    const diag2 = `\n${JSON.stringify(r2, null, 1)}\n${messages.join('\n')}`;
    assert.equal(r2.error, undefined, `the non-isolated page threw: ${r2.error}${diag2}`);
    assert.equal(r2.crossOriginIsolated, false, diag2);
    assert.equal(r2.info.threads, 1, diag2);
    assert.deepEqual(r2.sum, new Array(20).fill(3), diag2);
    console.log(`not isolated: ${JSON.stringify(r2.info)}`);
    console.log(`browser test: ready ${r.readyMs.toFixed(0)} ms (variant ${r.info.variant}), fit ${r.fitMs.toFixed(0)} ms, ` +
      `loss ${losses[0]!.toFixed(3)} -> ${losses[losses.length - 1]!.toFixed(3)}, total ${Date.now() - t0} ms`);
  } finally {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(tmp, { recursive: true, force: true });
  }
});
