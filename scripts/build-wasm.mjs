#!/usr/bin/env node
// Builds the deepts WebAssembly kernels (AssemblyScript) into build/wasm/:
//   deepts-simd.wasm     128-bit SIMD (runs everywhere SIMD does, Node >= 16.4)
//   deepts-relaxed.wasm  + relaxed SIMD (f32x4.relaxed_madd -> FMA); the runtime picks it when
//                        WebAssembly.validate accepts it (Node 20: --experimental-wasm-relaxed-simd).
// Both import a shared memory (env.memory) and contain no data segments, so instantiating them in
// worker threads on the live memory cannot clobber anything.
//
// Usage: node scripts/build-wasm.mjs [--force] [--wat] [--mk MR,NR,UNROLL] [--outDir DIR] [--only simd|relaxed]
// Rebuilds only when a source under src/backends/wasm/assembly (or this script) is newer than the outputs.
import { readdirSync, statSync, mkdirSync, existsSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMicrokernel } from './gen-wasm-microkernel.mjs';
import { writeElementwiseLoops } from './gen-wasm-elementwise.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src', 'backends', 'wasm', 'assembly');
const args = process.argv.slice(2);
const outArg = args.indexOf('--outDir');
const outDir = outArg >= 0 ? path.resolve(args[outArg + 1]) : path.join(root, 'build', 'wasm');
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? args[onlyArg + 1] : null;
const force = args.includes('--force');
const wat = args.includes('--wat');
const mkArg = args.indexOf('--mk');
// Micro-kernel shape (MR rows x NR columns, k unroll). 4x8, no unroll, broadcast loads: the only shape whose live values (8 accumulators, 2 B vectors, 4 broadcasts) fit V8's 15 usable xmm registers, so TurboFan does not spill accumulators (measured 42 GFLOPS plain / 49 relaxed per core vs 34-36 for 6x8, 4x12, 3x16 on Zen 5).
const [MR, NR, UNROLL, BCAST] = mkArg >= 0 ? args[mkArg + 1].split(',').map((x, i) => (i < 3 ? Number(x) : x)) : [4, 8, 1, 'load'];

const targets = [
  { name: 'deepts-simd', features: ['simd', 'threads'] },
  { name: 'deepts-relaxed', features: ['simd', 'threads', 'relaxed-simd'] },
];

// Bump when flags change (forces a rebuild of stale outputs).
const BUILD_ID = `v1 mk=${MR},${NR},${UNROLL},${BCAST}`;

function newestInput() {
  let t = Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(path.join(root, 'scripts', 'gen-wasm-microkernel.mjs')).mtimeMs,
    statSync(path.join(root, 'scripts', 'gen-wasm-elementwise.mjs')).mtimeMs);
  for (const f of readdirSync(srcDir)) t = Math.max(t, statSync(path.join(srcDir, f)).mtimeMs);
  return t;
}

function upToDate() {
  const stamp = path.join(outDir, 'BUILD_ID');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== BUILD_ID) return false;
  const inT = newestInput();
  return targets.every((t) => {
    const f = path.join(outDir, `${t.name}.wasm`);
    return existsSync(f) && statSync(f).mtimeMs >= inT;
  });
}

/** Minimal wasm section walk: returns { dataSegments, memoryImport: {shared, min, max} }. */
function inspectWasm(bytes) {
  let pos = 8;
  const u32 = () => {
    let r = 0, shift = 0, b;
    do { b = bytes[pos++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return r >>> 0;
  };
  const name = () => { const n = u32(); const s = Buffer.from(bytes.subarray(pos, pos + n)).toString(); pos += n; return s; };
  let dataSegments = 0;
  let memoryImport = null;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = u32();
    const end = pos + size;
    if (id === 2) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const mod = name(), field = name();
        const kind = bytes[pos++];
        if (kind === 0x02) {
          const flags = bytes[pos++];
          const min = u32();
          const max = flags & 1 ? u32() : undefined;
          memoryImport = { module: mod, field, shared: (flags & 2) !== 0, min, max };
        } else if (kind === 0x00) u32();
        else if (kind === 0x01) { pos++; const f = bytes[pos++]; u32(); if (f & 1) u32(); }
        else if (kind === 0x03) { pos += 2; }
        else throw new Error('unknown import kind ' + kind);
      }
    } else if (id === 11) {
      dataSegments = u32();
    }
    pos = end;
  }
  return { dataSegments, memoryImport };
}

export async function buildWasm({ force: f = force } = {}) {
  mkdirSync(outDir, { recursive: true });
  writeMicrokernel(MR, NR, UNROLL, BCAST);
  writeElementwiseLoops();
  if (!f && upToDate()) {
    console.log('build:wasm: up to date');
    return;
  }
  const asc = (await import('assemblyscript/asc')).default;
  for (const t of targets) {
    if (only && !t.name.endsWith(only)) continue;
    const out = path.join(outDir, `${t.name}.wasm`);
    // Write to a temporary name and rename: a process loading the module meanwhile (tests running
    // in parallel) sees either the old or the new file, never a partial one.
    const tmp = `${out}.tmp-${process.pid}`;
    const argv = [
      path.join(srcDir, 'index.ts'),
      '--outFile', tmp,
      ...(wat ? ['--textFile', path.join(outDir, `${t.name}.wat`)] : []),
      '-O3', '--noAssert',
      '--runtime', 'stub',
      '--use', 'abort=',
      '--importMemory', '--sharedMemory', '--noExportMemory',
      '--initialMemory', '1', '--maximumMemory', '65536',
      ...t.features.flatMap((x) => ['--enable', x]),
    ];
    const { error, stderr } = await asc.main(argv, {});
    if (error) {
      rmSync(tmp, { force: true });
      console.error(stderr.toString());
      throw new Error(`build:wasm: ${t.name} failed: ${error.message}`);
    }
    const info = inspectWasm(readFileSync(tmp));
    if (info.dataSegments !== 0) {
      rmSync(tmp, { force: true });
      throw new Error(`build:wasm: ${t.name} has ${info.dataSegments} data segment(s); ` +
        'the kernels must not use static data (strings, static arrays): workers re-instantiate the module on live memory');
    }
    if (!info.memoryImport || !info.memoryImport.shared) throw new Error(`build:wasm: ${t.name} does not import a shared memory`);
    renameSync(tmp, out);
    console.log(`build:wasm: ${path.relative(root, out)} (${statSync(out).size} bytes)`);
  }
  writeFileSync(path.join(outDir, 'BUILD_ID'), BUILD_ID);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  buildWasm().catch((e) => {
    console.error(e.message || e);
    process.exit(1);
  });
}
