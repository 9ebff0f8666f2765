/**
 * Reference batch-normalization loops on row-major arrays, channels on any axis, accumulated in float64. An
 * element at flat index i belongs to channel floor(i / inner) % C, where inner is the product of the axes after
 * the channel axis.
 */
import type { KernelTable } from '../backend.js';
import { arrayFor, type DataArray } from '../../core/dtype.js';
import type { NormPrim, OutMeta } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import { materialize } from './strided.js';
import type { CpuStorage } from './storage.js';

interface Layout {
  channels: number;
  inner: number;
  /** elements per channel */
  count: number;
}

function layoutOf(shape: readonly number[], axis: number): Layout {
  const channels = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  return { channels, inner, count: channels ? sizeOf(shape) / channels : 0 };
}

const channelOf = (i: number, l: Layout): number => Math.floor(i / l.inner) % l.channels;

/** [2, C]: mean and biased variance (two passes: the mean first, then squared deviations). */
export function momentsRef(x: DataArray, l: Layout): Float64Array {
  const mean = new Float64Array(l.channels);
  const variance = new Float64Array(l.channels);
  for (let i = 0; i < x.length; i++) mean[channelOf(i, l)] += x[i];
  for (let c = 0; c < l.channels; c++) mean[c] /= l.count;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean[channelOf(i, l)];
    variance[channelOf(i, l)] += d * d;
  }
  const out = new Float64Array(2 * l.channels);
  for (let c = 0; c < l.channels; c++) {
    out[c] = mean[c];
    out[l.channels + c] = variance[c] / l.count;
  }
  return out;
}

const invStd = (stats: DataArray, c: number, channels: number, epsilon: number): number => 1 / Math.sqrt(stats[channels + c] + epsilon);

/** [2, C]: sum(dy * xhat) and sum(dy) per channel. */
export function batchNormParamGradRef(x: DataArray, stats: DataArray, dy: DataArray, l: Layout, epsilon: number): Float64Array {
  const out = new Float64Array(2 * l.channels);
  for (let i = 0; i < x.length; i++) {
    const c = channelOf(i, l);
    out[c] += dy[i] * (x[i] - stats[c]) * invStd(stats, c, l.channels, epsilon);
    out[l.channels + c] += dy[i];
  }
  return out;
}

export function makeNormKernels(wrap: (data: DataArray, out: OutMeta) => CpuStorage): Pick<KernelTable, NormPrim> {
  const result = (out: OutMeta, values: ArrayLike<number>): CpuStorage => {
    const r = arrayFor(out.dtype, sizeOf(out.shape));
    for (let i = 0; i < r.length; i++) r[i] = values[i];
    return wrap(r, out);
  };
  return {
    moments: ([x], p, out) => result(out, momentsRef(materialize(x), layoutOf(x.shape, p.axis))),
    batchNorm: ([x, s, g, b], p, out) => {
      const [xa, stats, gamma, beta] = [materialize(x), materialize(s), materialize(g), materialize(b)];
      const l = layoutOf(x.shape, p.axis);
      const r = arrayFor(out.dtype, xa.length);
      for (let i = 0; i < xa.length; i++) {
        const c = channelOf(i, l);
        r[i] = (xa[i] - stats[c]) * invStd(stats, c, l.channels, p.epsilon) * gamma[c] + beta[c];
      }
      return wrap(r, out);
    },
    batchNormParamGrad: ([x, s, dy], p, out) =>
      result(out, batchNormParamGradRef(materialize(x), materialize(s), materialize(dy), layoutOf(x.shape, p.axis), p.epsilon)),
    batchNormInputGrad: ([x, s, g, d, pg], p, out) => {
      const [xa, stats, gamma, dy, paramGrad] = [materialize(x), materialize(s), materialize(g), materialize(d), materialize(pg)];
      const l = layoutOf(x.shape, p.axis);
      const r = arrayFor(out.dtype, xa.length);
      for (let i = 0; i < xa.length; i++) {
        const c = channelOf(i, l);
        const k = invStd(stats, c, l.channels, p.epsilon);
        const xhat = (xa[i] - stats[c]) * k;
        r[i] = gamma[c] * k * (dy[i] - paramGrad[l.channels + c] / l.count - (xhat * paramGrad[c]) / l.count);
      }
      return wrap(r, out);
    },
  };
}
