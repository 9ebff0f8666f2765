/**
 * Gradient rules of the batch-normalization primitives (core/primitives.ts NORM-PRIMITIVES), written with ops so
 * that they are differentiable in turn. Per-channel quantities are [C] vectors; `perChannel` lines them up with the
 * channel axis of x for broadcasting.
 */
import { run } from '../core/engine.js';
import { sizeOf } from '../core/shape.js';
import type { NormPrim } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, mul, neg, rsqrt, square, sub } from '../ops/elementwise.js';
import { concat, narrow, reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import type { Vjp } from './vjp.js';

/** Row i ([C]) of a [2, C] statistics or parameter-gradient tensor. */
const row = (t: Tensor, i: number): Tensor => reshape(narrow(t, 0, i, 1), [-1]);
const rows = (a: Tensor, b: Tensor): Tensor => concat([reshape(a, [1, -1]), reshape(b, [1, -1])], 0);
const perChannel = (v: Tensor, x: Tensor, axis: number): Tensor => reshape(v, x.shape.map((d, i) => (i === axis ? d : 1)));
const otherAxes = (x: Tensor, axis: number): number[] => x.shape.map((_, i) => i).filter((i) => i !== axis);
const perChannelCount = (x: Tensor, axis: number): number => (x.shape[axis] ? sizeOf(x.shape) / x.shape[axis] : 1);
const invStd = (stats: Tensor, epsilon: number): Tensor => rsqrt(add(row(stats, 1), epsilon));

/** Whether `stats` is moments(x) over the same channel axis, recorded in the graph. */
function isMomentsOf(stats: Tensor, x: Tensor, axis: number): boolean {
  const node = stats._node;
  return node !== null && node.prim === 'moments' && node.inputs[0] === x && (node.params as { axis: number }).axis === axis;
}

export const batchNormVjps: { [P in NormPrim]: Vjp<P> } = {
  moments: (g, [x], out, p) => {
    const n = perChannelCount(x, p.axis);
    const dMean = perChannel(div(row(g, 0), n), x, p.axis);
    const dVar = perChannel(mul(row(g, 1), 2 / n), x, p.axis);
    return [add(dMean, mul(dVar, sub(x, perChannel(row(out, 0), x, p.axis))))];
  },

  batchNorm: (g, [x, stats, gamma], _o, p, needs) => {
    const paramGrad = run('batchNormParamGrad', [x, stats, g], p);
    const dGamma = row(paramGrad, 0);
    const dBeta = row(paramGrad, 1);
    // with the batch's own statistics, one fused pass gives dx through both paths (direct and via mean/variance)
    const fused = isMomentsOf(stats, x, p.axis);
    const scale = mul(gamma, invStd(stats, p.epsilon));
    let dx: Tensor | null = null;
    if (needs[0]) dx = fused ? run('batchNormInputGrad', [x, stats, gamma, g, paramGrad], p) : mul(g, perChannel(scale, x, p.axis));
    // d/dmean = -sum(dy) * scale; d/dvar = -sum(dy * xhat) * scale * invStd / 2
    const dStats = needs[1] && !fused ? rows(neg(mul(dBeta, scale)), mul(mul(dGamma, mul(scale, invStd(stats, p.epsilon))), -0.5)) : null;
    return [dx, dStats, needs[2] ? dGamma : null, needs[3] ? dBeta : null];
  },

  batchNormParamGrad: (g, [x, stats, dy], out, p, needs) => {
    const k = invStd(stats, p.epsilon);
    const g0k = perChannel(mul(row(g, 0), k), x, p.axis);
    const xc = sub(x, perChannel(row(stats, 0), x, p.axis));
    const dX = needs[0] ? mul(g0k, dy) : null;
    const dDy = needs[2] ? add(mul(g0k, xc), perChannel(row(g, 1), x, p.axis)) : null;
    // out = [sum(dy * (x - mean) * k), sum(dy)]: d/dmean = -g0 k sum(dy), d/dvar = -g0 k^2 out0 / 2
    const dStats = needs[1] ? rows(neg(mul(mul(row(g, 0), k), row(out, 1))), mul(mul(row(g, 0), mul(square(k), row(out, 0))), -0.5)) : null;
    return [dX, dStats, dDy];
  },

  batchNormInputGrad: (g, [x, stats, gamma, dy, paramGrad], _o, p, needs) => {
    // dx = A dy + B (x - mean) - A dbeta / n with A = gamma k, B = -gamma k^2 dgamma / n, k = 1 / sqrt(var + eps)
    const n = perChannelCount(x, p.axis);
    const axes = otherAxes(x, p.axis);
    const pc = (v: Tensor): Tensor => perChannel(v, x, p.axis);
    const k = invStd(stats, p.epsilon);
    const [pg0, pg1] = [row(paramGrad, 0), row(paramGrad, 1)];
    const xc = sub(x, pc(row(stats, 0)));
    const a = mul(gamma, k);
    const b = neg(div(mul(mul(gamma, square(k)), pg0), n));
    const sumG = sum(g, axes);
    const sumGxc = sum(mul(g, xc), axes);
    const sumGdy = sum(mul(g, dy), axes);
    const dX = needs[0] ? mul(g, pc(b)) : null;
    const dDy = needs[3] ? mul(g, pc(a)) : null;
    // the partials of dx in gamma, k, mean and paramGrad, summed against g over each channel
    const dGamma = needs[2] ? sub(mul(k, sub(sumGdy, div(mul(pg1, sumG), n))), div(mul(mul(square(k), pg0), sumGxc), n)) : null;
    let dStats: Tensor | null = null;
    if (needs[1]) {
      const dK = sub(mul(gamma, sub(sumGdy, div(mul(pg1, sumG), n))), div(mul(mul(mul(gamma, k), pg0), sumGxc), n / 2));
      dStats = rows(neg(mul(b, sumG)), mul(dK, mul(mul(square(k), k), -0.5)));
    }
    const dParamGrad = needs[4] ? rows(neg(div(mul(mul(gamma, square(k)), sumGxc), n)), neg(div(mul(a, sumG), n))) : null;
    return [dX, dStats, dGamma, dDy, dParamGrad];
  },
};
