/**
 * Numerical differentiation (central differences) and a gradient check that compares it with autograd in float64
 * on the CPU reference backend, like torch.autograd.gradcheck.
 */
import { noGrad, withBackend, detach } from '../core/engine.js';
import { arrayFor, isFloat } from '../core/dtype.js';
import { scope } from '../core/memory.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/create.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { gradients } from './backward.js';

type Fn = (...xs: Tensor[]) => Tensor;

function toFloat64Cpu(x: Tensor): Tensor {
  const data = x.dataSync();
  if (!isFloat(x.dtype)) return tensor(data, { shape: x.shape.slice(), dtype: x.dtype });
  const d = arrayFor('float64', data.length);
  d.set(data);
  return tensor(d, { shape: x.shape.slice(), dtype: 'float64' });
}

/** A small fixed-seed generator so the check never disturbs the global random stream. */
function projectionValues(n: number, seedValue: number): Float64Array {
  let s = seedValue >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Sum of f's output weighted by a fixed random projection: one scalar whose gradient covers the whole Jacobian. */
function projected(f: Fn, seedValue: number): (xs: Tensor[]) => Tensor {
  let weights: Tensor | null = null;
  return (xs) => {
    const y = f(...xs);
    if (!weights) weights = tensor(projectionValues(y.size, seedValue), { shape: y.shape.slice(), dtype: 'float64' });
    return sum(mul(y.dtype === 'float64' ? y : y.cast('float64'), weights));
  };
}

function numericalOf(L: (xs: Tensor[]) => Tensor, xs: Tensor[], i: number, eps: number): Float64Array {
  const base = xs[i].dataSync() as Float64Array;
  const out = new Float64Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const at = (delta: number): number =>
      scope(() => {
        const d = base.slice();
        d[k] += delta;
        const args = xs.slice();
        args[i] = tensor(d, { shape: xs[i].shape.slice(), dtype: 'float64' });
        return noGrad(() => L(args)).item();
      });
    out[k] = (at(eps) - at(-eps)) / (2 * eps);
  }
  return out;
}

/**
 * d sum(f(...xs)) / d xs[i] by central differences (float64, CPU backend), one tensor per float input
 * (null for integer inputs).
 */
export function numericalGrad(f: Fn, inputs: Tensor | Tensor[], options: { eps?: number } = {}): (Tensor | null)[] {
  const eps = options.eps ?? 1e-6;
  return withBackend('cpu', () =>
    scope(() => {
      const xs = (Array.isArray(inputs) ? inputs : [inputs]).map(toFloat64Cpu);
      const L = (args: Tensor[]) => sum(f(...args).cast('float64'));
      return xs.map((x, i) => (isFloat(x.dtype) ? tensor(numericalOf(L, xs, i, eps), { shape: x.shape.slice(), dtype: 'float64' }) : null));
    }),
  );
}

export interface GradCheckInput {
  index: number;
  shape: number[];
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}
export interface GradCheckResult {
  ok: boolean;
  inputs: GradCheckInput[];
  /** a readable one-line-per-input report */
  report: string;
}

/**
 * Compares autograd with central differences for every float input of `f`, in float64 on the CPU backend.
 * Passes where |analytic - numeric| <= atol + rtol * |numeric| for every element.
 */
export function gradCheck(
  f: Fn,
  inputs: Tensor | Tensor[],
  options: { eps?: number; atol?: number; rtol?: number; seed?: number } = {},
): GradCheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 12345 } = options;
  return withBackend('cpu', () =>
    scope(() => {
      const xs = (Array.isArray(inputs) ? inputs : [inputs]).map(toFloat64Cpu);
      const L = projected(f, seed);
      const leaves = xs.map((x) => {
        if (!isFloat(x.dtype)) return x;
        const l = detach(x);
        l.requiresGrad = true;
        return l;
      });
      const out = L(leaves);
      const floatIdx = leaves.map((x, i) => (isFloat(x.dtype) ? i : -1)).filter((i) => i >= 0);
      const analytic = out.requiresGrad ? gradients(out, floatIdx.map((i) => leaves[i])) : floatIdx.map(() => null);
      const results = floatIdx.map((i, k): GradCheckInput => {
        const num = numericalOf(L, xs, i, eps);
        const ana = analytic[k] ? analytic[k]!.dataSync() : new Float64Array(num.length);
        let maxAbs = 0;
        let maxRel = 0;
        let ok = true;
        for (let e = 0; e < num.length; e++) {
          const err = Math.abs(ana[e] - num[e]);
          const scale = Math.max(Math.abs(ana[e]), Math.abs(num[e]));
          maxAbs = Math.max(maxAbs, err);
          if (scale > 0) maxRel = Math.max(maxRel, err / scale);
          if (!(err <= atol + rtol * Math.abs(num[e]))) ok = false;
        }
        return { index: i, shape: xs[i].shape.slice(), maxAbsError: maxAbs, maxRelError: maxRel, ok };
      });
      const report = results
        .map((r) => `input ${r.index} [${r.shape.join(',')}]: max abs error ${r.maxAbsError.toExponential(2)}, max rel error ${r.maxRelError.toExponential(2)} ${r.ok ? 'ok' : 'FAILED'}`)
        .join('\n');
      return { ok: results.every((r) => r.ok), inputs: results, report };
    }),
  );
}
