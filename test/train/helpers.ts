/** Shared bits of the training tests: small real MNIST slices, temp folders, fake output streams. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import * as dt from '../../src/index.js';
import type { MnistData } from '../../src/data/mnist.js';

const cache = new Map<string, MnistData>();
/** The first `limit` train and test images of real MNIST, flat [N, 784] in [0, 1] by default. */
export function mnistSlice(limit: number, layout: 'flat' | 'image' | 'nhwc' = 'flat'): MnistData {
  const key = `${limit}/${layout}/${dt.getBackend().name}`;
  let d = cache.get(key);
  if (!d) {
    d = dt.loadMnist({ limit, layout });
    cache.set(key, d);
  }
  return d;
}

/**
 * Runs `fn` with the CPU reference backend active (for results that must be bit-exact: other backends may block
 * their matrix products differently for different batch sizes), then restores the previous backend.
 */
export async function onCpu<T>(fn: () => Promise<T> | T): Promise<T> {
  const prev = dt.getBackend().name;
  dt.setBackend('cpu');
  try {
    return await fn();
  } finally {
    dt.setBackend(prev);
  }
}

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'deepts-train-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable stream stand-in that records everything written. */
export class FakeStream {
  chunks: string[] = [];
  constructor(readonly isTTY = false, readonly columns = 120) {}
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** The small MLP most tests train: Dense(hidden, relu) + Dense(10, softmax) on flat MNIST. */
export function smallMlp(hidden = 32, options: { optimizer?: string | dt.Optimizer; dropout?: number } = {}): dt.Sequential {
  const model = dt.sequential([
    dt.layers.dense({ units: hidden, activation: 'relu', inputShape: [784] }),
    ...(options.dropout ? [dt.layers.dropout({ rate: options.dropout })] : []),
    dt.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: options.optimizer ?? 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** All weight values of a model as plain arrays. */
export function weightValues(model: dt.Layer): number[][] {
  return model.weights.map((w) => Array.from(w.dataSync(), Number));
}

/** Collects console.log / console.error output while `fn` runs. */
export async function captureConsole<T>(fn: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  try {
    const result = await fn();
    return { result, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
