#!/usr/bin/env node
// Builds the browser bundle: src/browser.ts (the framework without its Node-only modules, wasm backend
// on Web Workers) -> dist/browser/deepts.js (ES module, + source map), with build/wasm/*.wasm copied next
// to it (where browser-host.ts looks by default). Run by `npm run build` after build:wasm; ~0.2 s.
//
// Usage: node scripts/build-browser.mjs [--outDir DIR] [--minify]
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outArg = args.indexOf('--outDir');
const outDir = outArg >= 0 ? path.resolve(args[outArg + 1]) : path.join(root, 'dist', 'browser');
const t0 = performance.now();
mkdirSync(outDir, { recursive: true });

const result = await build({
  entryPoints: [path.join(root, 'src', 'browser.ts')],
  outfile: path.join(outDir, 'deepts.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  minify: args.includes('--minify'),
  metafile: true,
  logLevel: 'warning',
});

// Nothing Node-only may reach the bundle (esbuild fails on node: imports for platform 'browser'; this also
// catches a bare builtin name).
const builtins = new Set(['fs', 'path', 'os', 'url', 'crypto', 'zlib', 'worker_threads', 'child_process', 'module', 'v8']);
for (const [file, info] of Object.entries(result.metafile.inputs)) {
  for (const imp of info.imports) {
    if (imp.path.startsWith('node:') || builtins.has(imp.path)) throw new Error(`build-browser: ${file} imports ${imp.path}`);
  }
}

for (const f of ['deepts-simd.wasm', 'deepts-relaxed.wasm']) {
  const src = path.join(root, 'build', 'wasm', f);
  if (!existsSync(src)) throw new Error(`build-browser: ${src} is missing; run npm run build:wasm first`);
  copyFileSync(src, path.join(outDir, f));
}
const kb = Math.round(readFileSync(path.join(outDir, 'deepts.js')).length / 1024);
console.log(`build-browser: ${path.relative(root, outDir)}/deepts.js (${kb} KiB) + 2 .wasm in ${Math.round(performance.now() - t0)} ms`);
