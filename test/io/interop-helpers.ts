/** Shared bits of the interop tests (ONNX, Keras HDF5, PyTorch). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after } from 'node:test';
import * as dt from '../../src/index.js';

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'deepts-interop-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
  }
  return d;
}

/** Every layer of a model, nested models expanded. */
export function allLayers(m: dt.Layer): dt.Layer[] {
  const subs = m.subLayers();
  return subs.length ? subs.flatMap((l) => [l, ...allLayers(l)]) : [];
}

/** Gives every BatchNormalization non-trivial statistics, so inference-mode batch norm is really checked. */
export function randomizeBatchNorm(m: dt.Layer): void {
  for (const l of allLayers(m)) {
    if (!(l instanceof dt.layers.BatchNormalization)) continue;
    const c = l.movingMean!.shape[0];
    const vals: dt.Tensor[] = [];
    if (l.gamma) vals.push(dt.add(dt.mul(dt.rand([c]), 0.5), 0.75));
    if (l.beta) vals.push(dt.mul(dt.randn([c]), 0.1));
    vals.push(dt.mul(dt.randn([c]), 0.1), dt.add(dt.rand([c]), 0.5));
    l.setWeights(vals);
  }
}

/** Whether /usr/bin/python3 (or python3) imports all of `modules`; the interpreter path when it does. */
export function pythonWith(...modules: string[]): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}
