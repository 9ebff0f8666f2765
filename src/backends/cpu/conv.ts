/**
 * Reference convolution and pooling loops on row-major arrays (NHWC input, HWIO kernel). Plain and obviously
 * correct: every output element is the sum/max the definition names, accumulated in float64. Any backend can
 * call these on downloaded arrays as its fallback.
 *
 * Index map shared by all of them: output position (oy, ox), kernel tap (ky, kx) read the input at
 *   iy = oy * strideH - padTop + ky * dilationH,   ix = ox * strideW - padLeft + kx * dilationW
 * and taps outside [0, H) x [0, W) contribute nothing (zero padding; never the max).
 */
import type { KernelTable } from '../backend.js';
import { arrayFor, type DataArray } from '../../core/dtype.js';
import type { Conv2DParams, ConvPrim, OutMeta, Pool2DParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import { materialize } from './strided.js';
import type { CpuStorage } from './storage.js';

type Shape4 = readonly number[];

/**
 * Calls visit(yBase, xBase, wTap) for every output pixel and each of its in-bounds kernel taps, in the order
 * (n, oy, ox, ky, kx): the offsets of the output pixel's channels, the input pixel's channels and the tap's
 * [C / groups, CO] block of the kernel.
 */
function forEachTap(xs: Shape4, ws: Shape4, ys: Shape4, p: Conv2DParams, visit: (yBase: number, xBase: number, wTap: number) => void): void {
  const [N, H, W, C] = xs;
  const [KH, KW, CIG, CO] = ws;
  const [, OH, OW] = ys;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const yBase = ((n * OH + oy) * OW + ox) * CO;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * p.strides[0] - p.pads[0] + ky * p.dilations[0];
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * p.strides[1] - p.pads[2] + kx * p.dilations[1];
            if (ix < 0 || ix >= W) continue;
            visit(yBase, ((n * H + iy) * W + ix) * C, (ky * KW + kx) * CIG * CO);
          }
        }
      }
    }
  }
}

/**
 * Visits every (input channel ci, its group's output channels [co0, co0 + COG)) pair of a kernel tap: `wRow` is the
 * offset of w[ky, kx, ci - group start, 0] within the tap's block.
 */
function forEachChannel(ws: Shape4, groups: number, visit: (ci: number, wRow: number, co0: number, coEnd: number) => void): void {
  const [, , CIG, CO] = ws;
  const COG = CO / groups;
  for (let g = 0; g < groups; g++) {
    for (let ci = 0; ci < CIG; ci++) visit(g * CIG + ci, ci * CO, g * COG, (g + 1) * COG);
  }
}

/** y[n, oy, ox, co] = sum over ky, kx, ci in co's group of x[n, iy, ix, ci] * w[ky, kx, ci - group start, co]. */
export function conv2dRef(x: DataArray, xs: Shape4, w: DataArray, ws: Shape4, p: Conv2DParams, y: DataArray, ys: Shape4): void {
  const acc = new Float64Array(y.length);
  forEachTap(xs, ws, ys, p, (yBase, xBase, wTap) =>
    forEachChannel(ws, p.groups, (ci, wRow, co0, coEnd) => {
      const xv = x[xBase + ci];
      if (xv === 0) return;
      for (let co = co0; co < coEnd; co++) acc[yBase + co] += xv * w[wTap + wRow + co];
    }),
  );
  for (let i = 0; i < y.length; i++) y[i] = acc[i];
}

/** dx[n, iy, ix, ci] = sum over (oy, ox, ky, kx) that read (iy, ix) and co in ci's group of dy[n, oy, ox, co] * w[ky, kx, ci', co]. */
export function conv2dBackpropInputRef(dy: DataArray, dys: Shape4, w: DataArray, ws: Shape4, p: Conv2DParams, dx: DataArray, xs: Shape4): void {
  const acc = new Float64Array(dx.length);
  forEachTap(xs, ws, dys, p, (dyBase, xBase, wTap) =>
    forEachChannel(ws, p.groups, (ci, wRow, co0, coEnd) => {
      let s = 0;
      for (let co = co0; co < coEnd; co++) s += dy[dyBase + co] * w[wTap + wRow + co];
      acc[xBase + ci] += s;
    }),
  );
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}

/** dw[ky, kx, ci', co] = sum over n, oy, ox of x[n, iy, ix, ci] * dy[n, oy, ox, co] (ci in co's group). */
export function conv2dBackpropFilterRef(x: DataArray, xs: Shape4, dy: DataArray, dys: Shape4, p: Conv2DParams, dw: DataArray, ws: Shape4): void {
  const acc = new Float64Array(dw.length);
  forEachTap(xs, ws, dys, p, (dyBase, xBase, wTap) =>
    forEachChannel(ws, p.groups, (ci, wRow, co0, coEnd) => {
      const xv = x[xBase + ci];
      if (xv === 0) return;
      for (let co = co0; co < coEnd; co++) acc[wTap + wRow + co] += xv * dy[dyBase + co];
    }),
  );
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i];
}

/** Visits each output (n, oy, ox, c) with the in-bounds input indices of its window, in row-major window order. */
function forEachWindow(
  xs: Shape4, ys: Shape4, p: Pool2DParams,
  visit: (outIndex: number, inIndices: number[], count: number) => void,
): void {
  const [N, H, W, C] = xs;
  const [, OH, OW] = ys;
  const idx: number[] = new Array(p.poolSize[0] * p.poolSize[1]);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let k = 0;
          for (let ky = 0; ky < p.poolSize[0]; ky++) {
            const iy = oy * p.strides[0] - p.pads[0] + ky;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < p.poolSize[1]; kx++) {
              const ix = ox * p.strides[1] - p.pads[2] + kx;
              if (ix < 0 || ix >= W) continue;
              idx[k++] = ((n * H + iy) * W + ix) * C + c;
            }
          }
          visit(((n * OH + oy) * OW + ox) * C + c, idx, k);
        }
      }
    }
  }
}

/** The input index of the first maximum of every window (NaN wins, like max). */
export function maxPool2dArgmaxRef(x: DataArray, xs: Shape4, p: Pool2DParams, out: DataArray, ys: Shape4): void {
  forEachWindow(xs, ys, p, (o, idx, k) => {
    let best = idx[0];
    for (let j = 1; j < k; j++) {
      const v = x[idx[j]];
      const b = x[best];
      if (v > b || (Number.isNaN(v) && !Number.isNaN(b))) best = idx[j];
    }
    out[o] = best;
  });
}

/** dx[i] = sum of dy over the windows whose first maximum (maxPool2dArgmaxRef) is i. */
export function maxPool2dGradRef(x: DataArray, xs: Shape4, dy: DataArray, dys: Shape4, p: Pool2DParams, dx: DataArray): void {
  const argmax = new Int32Array(dy.length);
  maxPool2dArgmaxRef(x, xs, p, argmax, dys);
  const acc = new Float64Array(dx.length);
  for (let o = 0; o < dy.length; o++) acc[argmax[o]] += dy[o];
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}

export function maxPool2dRef(x: DataArray, xs: Shape4, p: Pool2DParams, y: DataArray, ys: Shape4): void {
  forEachWindow(xs, ys, p, (o, idx, k) => {
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = x[idx[j]];
      if (v > m || Number.isNaN(v)) m = v;
      if (Number.isNaN(m)) break;
    }
    y[o] = m;
  });
}

/** Mean over the in-bounds positions of each window. */
export function avgPool2dRef(x: DataArray, xs: Shape4, p: Pool2DParams, y: DataArray, ys: Shape4): void {
  forEachWindow(xs, ys, p, (o, idx, k) => {
    let s = 0;
    for (let j = 0; j < k; j++) s += x[idx[j]];
    y[o] = s / k;
  });
}

/** dx[i] = sum over the windows holding i of dy[window] / (window's count). */
export function avgPool2dGradRef(dy: DataArray, dys: Shape4, p: Pool2DParams, dx: DataArray, xs: Shape4): void {
  const acc = new Float64Array(dx.length);
  forEachWindow(xs, dys, p, (o, idx, k) => {
    const share = dy[o] / k;
    for (let j = 0; j < k; j++) acc[idx[j]] += share;
  });
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}

/** The CPU kernels of the convolution primitives: materialize the inputs, run the loops above. */
export function makeConvKernels(wrap: (data: DataArray, out: OutMeta) => CpuStorage): Pick<KernelTable, ConvPrim> {
  const fill = (out: OutMeta, compute: (r: DataArray) => void): CpuStorage => {
    const r = arrayFor(out.dtype, sizeOf(out.shape));
    compute(r);
    return wrap(r, out);
  };
  return {
    conv2d: ([x, w], p, out) => fill(out, (r) => conv2dRef(materialize(x), x.shape, materialize(w), w.shape, p, r, out.shape)),
    conv2dBackpropInput: ([dy, w], p, out) => fill(out, (r) => conv2dBackpropInputRef(materialize(dy), dy.shape, materialize(w), w.shape, p, r, out.shape)),
    conv2dBackpropFilter: ([x, dy], p, out) => fill(out, (r) => conv2dBackpropFilterRef(materialize(x), x.shape, materialize(dy), dy.shape, p, r, out.shape)),
    maxPool2d: ([x], p, out) => fill(out, (r) => maxPool2dRef(materialize(x), x.shape, p, r, out.shape)),
    maxPool2dArgmax: ([x], p, out) => fill(out, (r) => maxPool2dArgmaxRef(materialize(x), x.shape, p, r, out.shape)),
    maxPool2dGrad: ([x, dy], p, out) => fill(out, (r) => maxPool2dGradRef(materialize(x), x.shape, materialize(dy), dy.shape, p, r)),
    avgPool2d: ([x], p, out) => fill(out, (r) => avgPool2dRef(materialize(x), x.shape, p, r, out.shape)),
    avgPool2dGrad: ([dy], p, out) => fill(out, (r) => avgPool2dGradRef(materialize(dy), dy.shape, p, r, out.shape)),
  };
}
