/**
 * The op table runner (like PyTorch's OpInfo / tinygrad's test_ops). Every row of `opTable` (op-rows.ts) names
 * an op, says how to call it, gives sample inputs and an independent float64 reference (ref.ts, plain JS).
 * `runOpTable(backend)` registers node:test tests that, for every row, dtype and sample:
 *   1. forward: run the op on `backend` with contiguous inputs and again with non-contiguous views of the same
 *      values (step-2 slices over NaN junk, transposed storage, negative-step slices), compare with the reference;
 *      check that the op left no intermediate handle alive and that nothing escapes a scope;
 *   2. gradCheck (differentiable rows, CPU float64): autograd against central differences;
 *   3. gradient (differentiable rows): the backend's gradient in each dtype, with contiguous and strided inputs,
 *      against the float64 CPU gradient that step 2 validated.
 * Another backend reuses it with `runOpTable('wasm')`: dtypes the backend lacks (float64) are skipped.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dtModule from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import * as ref from './ref.js';
import type { Nd } from './ref.js';
import { opTable } from './op-rows.js';

export { opTable };

export type DT = typeof dtModule;
export type OpOut = Tensor | Tensor[];

/** How sample values are drawn (all values are float32-exact so every dtype sees the same numbers). */
export type Kind =
  | 'any' // uniform in [-2, 2]
  | 'nz' // |v| in [0.25, 2], either sign: away from kinks at 0 (relu, abs, sign)
  | 'pos' // [0.5, 2.5]: log, sqrt, pow bases
  | 'gtm1' // [-0.6, 2]: log1p
  | 'smallint' // integers in [-2, 2]: ties and zeros for comparisons, argmax, logical ops
  | 'bool'; // 0 or 1

export interface InputSpec {
  shape: number[];
  kind?: Kind;
  /** uniform range instead of `kind` */
  range?: [number, number];
  /** exact values (row-major) instead of random ones */
  values?: number[];
  /** a fixed dtype for this input (indices, conditions); otherwise the row's dtype */
  dtype?: DType;
}

export interface Sample {
  inputs: InputSpec[];
  /** false: forward only (e.g. inputs with ties, NaN outputs) */
  grad?: boolean;
  label?: string;
}

export interface OpRow {
  /** unique, e.g. 'sum(axes=[0,2],keepDims)' */
  name: string;
  /** the public functions this row exercises (for the coverage test) */
  ops: string[];
  fn: (dt: DT, ...xs: Tensor[]) => OpOut;
  ref: (...xs: Nd[]) => Nd | Nd[];
  samples: Sample[];
  /** gradient-checked in float64 and compared across dtypes */
  grad: boolean;
  /** dtypes of the inputs without a fixed dtype (default float32 and float64) */
  dtypes?: DType[];
  /** output dtype for a given row dtype (default: the same) */
  out?: DType | ((d: DType) => DType);
  /** forward tolerance [rtol, atol] per dtype */
  tol?: Partial<Record<DType, [number, number]>>;
  /** fn calls several public ops, so their results stay alive until the scope ends (skips the intermediates check) */
  composed?: boolean;
  /** gradCheck options for this row */
  gradCheck?: { atol?: number; rtol?: number; eps?: number };
}

export interface RunOptions {
  rows?: OpRow[];
  /** run gradCheck (float64, CPU) — on by default only for 'cpu' since it does not depend on the backend */
  gradCheck?: boolean;
  /** forward tolerances [rtol, atol] by dtype, overriding the defaults */
  tolerance?: Partial<Record<DType, [number, number]>>;
  /** gradient comparison tolerances [rtol, atol] by dtype */
  gradTolerance?: Partial<Record<DType, [number, number]>>;
  /** non-contiguous layouts to try in the forward test (default all) */
  layouts?: Layout[];
}

export const DEFAULT_TOL: Record<DType, [number, number]> = {
  float32: [1e-5, 1e-6],
  float64: [1e-10, 1e-12],
  int32: [0, 0],
  bool: [0, 0],
};
export const DEFAULT_GRAD_TOL: Record<DType, [number, number]> = {
  float32: [1e-4, 1e-5],
  float64: [1e-9, 1e-11],
  int32: [0, 0],
  bool: [0, 0],
};

// ---------------------------------------------------------------- sample values

/** FNV-1a of a string: seeds each sample's generator so rows do not disturb each other. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function drawValues(spec: InputSpec, rand: () => number): number[] {
  const n = ref.size(spec.shape);
  if (spec.values) {
    if (spec.values.length !== n) throw new Error(`sample: ${spec.values.length} values for shape ${JSON.stringify(spec.shape)}`);
    return spec.values.slice();
  }
  const kind = spec.kind ?? 'any';
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rand();
    let v: number;
    if (spec.range) v = spec.range[0] + (spec.range[1] - spec.range[0]) * u;
    else if (kind === 'any') v = -2 + 4 * u;
    else if (kind === 'nz') v = (rand() < 0.5 ? -1 : 1) * (0.25 + 1.75 * u);
    else if (kind === 'pos') v = 0.5 + 2 * u;
    else if (kind === 'gtm1') v = -0.6 + 2.6 * u;
    else if (kind === 'smallint') v = Math.floor(u * 5) - 2;
    else v = u < 0.5 ? 0 : 1;
    out.push(Math.fround(v));
  }
  return out;
}

/** Values as a tensor of `dtype` holds them (ints truncate, bools are 0/1): what the reference must see. */
export function asDTypeValues(values: number[], dtype: DType): number[] {
  if (dtype === 'int32') return values.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 0));
  if (dtype === 'bool') return values.map((v) => (v !== 0 ? 1 : 0));
  return values;
}

// ---------------------------------------------------------------- building (possibly non-contiguous) tensors

export type Layout = 'contiguous' | 'strided' | 'transposed' | 'reversed';
export const ALL_LAYOUTS: Layout[] = ['contiguous', 'strided', 'transposed', 'reversed'];

function typed(dtype: DType, values: readonly number[]): Float32Array | Float64Array | Int32Array | Uint8Array {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}

/** Junk where a strided view must not read: NaN for floats, an out-of-range index for ints. */
const junk = (dtype: DType): number => (dtype === 'bool' ? 1 : dtype === 'int32' ? 1 << 30 : NaN);

/** Whether `layout` makes a real (non-contiguous) view for this shape. */
export function layoutApplies(layout: Layout, shape: readonly number[]): boolean {
  if (layout === 'contiguous') return true;
  if (layout === 'transposed') return shape.length >= 2;
  return shape.length >= 1;
}

/** A tensor whose logical values are `values` (row-major, `shape`), stored as `layout` asks. */
export function makeTensor(dt: DT, values: readonly number[], shape: readonly number[], dtype: DType, layout: Layout): Tensor {
  const a = ref.nd(shape, values);
  if (!layoutApplies(layout, shape) || layout === 'contiguous') {
    return dt.tensor(typed(dtype, values), { shape: shape.slice(), dtype });
  }
  if (layout === 'strided') {
    const big = ref.build(shape.map((d) => 2 * d + 1), (idx) => (idx.every((v) => v % 2 === 1) ? ref.at(a, idx.map((v) => (v - 1) / 2)) : junk(dtype)));
    const t = dt.tensor(typed(dtype, big.data), { shape: big.shape, dtype });
    return dt.slice(t, shape.map(() => ({ start: 1, step: 2 })));
  }
  if (layout === 'transposed') {
    const st = ref.swapAxes(a, -1, -2);
    return dt.swapAxes(dt.tensor(typed(dtype, st.data), { shape: st.shape, dtype }), -1, -2);
  }
  // reversed: storage holds every axis backwards; a step -1 slice on each axis reads it forwards
  const rev = ref.build(shape, (idx) => ref.at(a, idx.map((v, d) => shape[d] - 1 - v)));
  const t = dt.tensor(typed(dtype, rev.data), { shape: shape.slice(), dtype });
  return dt.slice(t, shape.map(() => ({ step: -1 })));
}

// ---------------------------------------------------------------- comparison

/** Compares a tensor with a reference; returns a description of the worst mismatch, or null. */
export function compare(actual: Tensor, expected: Nd, dtype: DType, tol: [number, number], what: string): string | null {
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    return `${what}: shape ${JSON.stringify(actual.shape)}, expected ${JSON.stringify(expected.shape)}`;
  }
  if (actual.dtype !== dtype) return `${what}: dtype ${actual.dtype}, expected ${dtype}`;
  const got = actual.dataSync();
  const [rtol, atol] = tol;
  let worst: string | null = null;
  let worstExcess = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const g = got[i];
    let bad: boolean;
    let excess = 1;
    if (dtype === 'bool') bad = (g !== 0) !== (e !== 0);
    else if (Number.isNaN(e) || Number.isNaN(g)) bad = Number.isNaN(e) !== Number.isNaN(g);
    else if (!Number.isFinite(e) || !Number.isFinite(g)) bad = e !== g;
    else {
      const err = Math.abs(g - e);
      const allowed = atol + rtol * Math.abs(e);
      bad = !(err <= allowed);
      excess = err / (allowed || Number.MIN_VALUE);
    }
    if (bad && (worst === null || excess > worstExcess)) {
      worstExcess = excess;
      worst = `${what}: element ${i} (of ${expected.data.length}) is ${g}, expected ${e} (rtol ${rtol}, atol ${atol})`;
    }
  }
  return worst;
}

// ---------------------------------------------------------------- the runner

const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function inputDType(spec: InputSpec, rowDType: DType): DType {
  return spec.dtype ?? rowDType;
}

function outDType(row: OpRow, d: DType): DType {
  return typeof row.out === 'function' ? row.out(d) : row.out ?? d;
}

function describeSample(sample: Sample, k: number): string {
  const shapes = sample.inputs.map((s) => JSON.stringify(s.shape) + (s.dtype ? `:${s.dtype}` : '')).join(', ');
  return `sample ${k}${sample.label ? ` (${sample.label})` : ''} [${shapes}]`;
}

/** Sample values for row dtype `d`, identical in every run (the same draws for every dtype). */
export function sampleValues(row: OpRow, k: number, d: DType): number[][] {
  const rand = prng(hash(`${row.name}#${k}`));
  return row.samples[k].inputs.map((spec) => asDTypeValues(drawValues(spec, rand), inputDType(spec, d)));
}

/** One scalar whose gradient covers the op's whole Jacobian: sum(flatten(outputs) * w). */
function projector(dt: DT, row: OpRow, k: number): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const outs = asList(row.fn(dt, ...xs));
    const flat = outs.length === 1 ? dt.reshape(outs[0], [-1]) : dt.concat(outs.map((o) => dt.reshape(o, [-1])));
    const rand = prng(hash(`${row.name}#${k}/w`));
    const w = Array.from({ length: flat.size }, () => Math.fround(rand() * 2 - 1));
    return dt.sum(dt.mul(flat, dt.tensor(typed(flat.dtype, w), { shape: flat.shape.slice(), dtype: flat.dtype })));
  };
}

/** The float64 CPU gradient of the projection for each float input (the reference the backends are held to). */
function referenceGradients(dt: DT, row: OpRow, k: number, values: number[][]): (number[] | null)[] {
  return dt.withBackend('cpu', () =>
    dt.scope(() => {
      const specs = row.samples[k].inputs;
      const xs = specs.map((s, i) => {
        const d = inputDType(s, 'float64');
        const t = makeTensor(dt, values[i], s.shape, d, 'contiguous');
        if (d === 'float64') t.requiresGrad = true;
        return t;
      });
      const L = projector(dt, row, k)(...xs);
      const floatIdx = xs.map((x, i) => (x.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
      const gs = L.requiresGrad ? dt.gradients(L, floatIdx.map((i) => xs[i])) : floatIdx.map(() => null);
      return xs.map((x, i) => {
        const j = floatIdx.indexOf(i);
        if (j < 0) return null;
        const g = gs[j];
        return g ? Array.from(g.dataSync()) : new Array<number>(x.size).fill(0);
      });
    }),
  );
}

export function runOpTable(backendName: string, options: RunOptions = {}): void {
  const dt = dtModule;
  const rows = options.rows ?? opTable;
  const backend = dt.getBackend(backendName);
  const supports = (d: DType): boolean => backend.dtypes.includes(d);
  const doGradCheck = options.gradCheck ?? backendName === 'cpu';
  const tolFor = (row: OpRow, d: DType): [number, number] => options.tolerance?.[d] ?? row.tol?.[d] ?? DEFAULT_TOL[d];
  const gradTolFor = (d: DType): [number, number] => options.gradTolerance?.[d] ?? DEFAULT_GRAD_TOL[d];
  const layouts = options.layouts ?? ALL_LAYOUTS;

  describe(`op table on ${backendName}`, () => {
    for (const row of rows) {
      describe(row.name, () => {
        for (const d of row.dtypes ?? ['float32', 'float64']) {
          const needed = new Set<DType>([d, outDType(row, d), ...row.samples.flatMap((s) => s.inputs.map((i) => inputDType(i, d)))]);
          const missing = [...needed].filter((x) => !supports(x));
          test(`forward ${d}`, { skip: missing.length ? `${backendName} lacks ${missing.join(', ')}` : false }, () => {
            dt.withBackend(backendName, () => {
              const failures: string[] = [];
              row.samples.forEach((sample, k) => {
                const values = sampleValues(row, k, d);
                const expected = asList(row.ref(...sample.inputs.map((s, i) => ref.nd(s.shape, values[i]))));
                for (const layout of layouts) {
                  if (layout !== 'contiguous' && !sample.inputs.some((s) => layoutApplies(layout, s.shape))) continue;
                  const before = dt.memory().numTensors;
                  let problem: string | null = null;
                  try {
                    dt.scope(() => {
                      const xs = sample.inputs.map((s, i) => makeTensor(dt, values[i], s.shape, inputDType(s, d), layout));
                      const n0 = dt.memory().numTensors;
                      const outs = asList(row.fn(dt, ...xs));
                      const fresh = new Set(outs.filter((o) => !xs.includes(o))).size;
                      const leftover = dt.memory().numTensors - n0 - fresh;
                      if (!row.composed && leftover !== 0) {
                        problem = `left ${leftover} intermediate tensor handle(s) alive (an op must free its temporaries when nothing is recorded)`;
                        return;
                      }
                      if (outs.length !== expected.length) {
                        problem = `${outs.length} outputs, expected ${expected.length}`;
                        return;
                      }
                      for (let o = 0; o < outs.length; o++) {
                        problem ??= compare(outs[o], expected[o], outDType(row, d), tolFor(row, outDType(row, d)), outs.length > 1 ? `output ${o}` : 'output');
                      }
                    });
                  } catch (e) {
                    problem = `threw ${(e as Error).stack ?? e}`;
                  }
                  const after = dt.memory().numTensors;
                  if (!problem && after !== before) problem = `leaked ${after - before} tensor handle(s)`;
                  if (problem) failures.push(`${describeSample(sample, k)} ${layout}: ${problem}`);
                }
              });
              assert.equal(failures.length, 0, `${row.name} [${d}] on ${backendName}:\n  ${failures.join('\n  ')}`);
            });
          });
        }
        if (!row.grad) return;
        const gradSamples = row.samples.map((s, k) => [s, k] as const).filter(([s]) => s.grad !== false);
        if (doGradCheck) {
          test('gradCheck (float64, cpu)', () => {
            const failures: string[] = [];
            for (const [sample, k] of gradSamples) {
              const values = sampleValues(row, k, 'float64');
              const result = dt.withBackend('cpu', () =>
                dt.scope(() => {
                  const xs = sample.inputs.map((s, i) => makeTensor(dt, values[i], s.shape, inputDType(s, 'float64'), 'contiguous'));
                  return dt.gradCheck(projectorOnly(dt, row), xs, row.gradCheck ?? {});
                }),
              );
              if (!result.ok) failures.push(`${describeSample(sample, k)}:\n    ${result.report.replace(/\n/g, '\n    ')}`);
            }
            assert.equal(failures.length, 0, `${row.name} gradCheck:\n  ${failures.join('\n  ')}`);
          });
        }
        for (const d of row.dtypes ?? ['float32', 'float64']) {
          if (d !== 'float32' && d !== 'float64') continue;
          const lacking = [d, outDType(row, d)].filter((x) => !supports(x));
          test(`gradient ${d}`, { skip: lacking.length ? `${backendName} lacks ${lacking[0]}` : false }, () => {
            const failures: string[] = [];
            for (const [sample, k] of gradSamples) {
              const values = sampleValues(row, k, 'float64');
              const expected = referenceGradients(dt, row, k, values);
              const floatIdx = sample.inputs.map((s, i) => (s.dtype === undefined ? i : -1)).filter((i) => i >= 0);
              if (floatIdx.length === 0) continue;
              for (const layout of ['contiguous', 'strided'] as Layout[]) {
                if (layout !== 'contiguous' && !sample.inputs.some((s) => layoutApplies(layout, s.shape))) continue;
                const problems = dt.withBackend(backendName, () =>
                  dt.scope(() => {
                    const xs = sample.inputs.map((s, i) => makeTensor(dt, values[i], s.shape, inputDType(s, d), layout));
                    const g = dt.grad(projector(dt, row, k), { argnums: floatIdx }) as (...a: Tensor[]) => Tensor[];
                    const gs = g(...xs);
                    return floatIdx
                      .map((i, j) => compare(gs[j], ref.nd(sample.inputs[i].shape, expected[i]!), d, gradTolFor(d), `d/dx${i}`))
                      .filter((p): p is string => p !== null);
                  }),
                );
                for (const p of problems) failures.push(`${describeSample(sample, k)} ${layout}: ${p}`);
              }
            }
            assert.equal(failures.length, 0, `${row.name} gradient [${d}] on ${backendName}:\n  ${failures.join('\n  ')}`);
          });
        }
      });
    }
  });
}

/** The op with its outputs flattened into one tensor (gradCheck projects it itself). */
function projectorOnly(dt: DT, row: OpRow): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const outs = asList(row.fn(dt, ...xs));
    return outs.length === 1 ? outs[0] : dt.concat(outs.map((o) => dt.reshape(o, [-1])));
  };
}

