/**
 * Convolution and pooling ops (2-D). Channels-last (NHWC) like Keras and TensorFlow; `dataFormat:
 * 'channelsFirst'` (NCHW) transposes to NHWC and back. Kernels are HWIO [kh, kw, cin/groups, cout] in both
 * formats (Keras keeps the kernel layout). Padding:
 *   'valid'           no padding
 *   'same'            TensorFlow's rule: out = ceil(in / stride), pad total = max((out - 1) * stride +
 *                     (k - 1) * dilation + 1 - in, 0), the odd element at the end (bottom/right)
 *   p | [ph, pw]      p (or ph rows, pw columns) on both sides, like PyTorch's `padding=`
 *   [[t, b], [l, r]]  explicit
 */
import { run } from '../core/engine.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { reshape, transpose } from './movement.js';
import { composite } from './util.js';
import {
  conv2dParams, convTransposeLength, normalizeDataFormat, normalizePadding, pair, pool2dParams,
  type Conv2DOptions, type Conv2DTransposeOptions, type Pair, type Pool2DOptions,
} from './conv-utils.js';

export type { Padding, DataFormat, Pair, Conv2DOptions, Conv2DTransposeOptions, Pool2DOptions } from './conv-utils.js';

const toNHWC = (x: Tensor): Tensor => transpose(x, [0, 2, 3, 1]);
const toNCHW = (x: Tensor): Tensor => transpose(x, [0, 3, 1, 2]);

/** Runs `f` on the NHWC view of x and returns the result in x's data format. */
function inFormat(op: string, x: Tensor, format: string | undefined, f: (nhwc: Tensor) => Tensor): Tensor {
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a rank-4 input (${normalizeDataFormat(op, format) === 'channelsFirst' ? 'NCHW' : 'NHWC'}), got ${fmtShape(x.shape)}`);
  if (normalizeDataFormat(op, format) === 'channelsLast') return f(x);
  return toNCHW(f(toNHWC(x)));
}

function checkKernel(op: string, w: Tensor, layout: string): void {
  if (w.rank !== 4) throw new ShapeError(`${op}: the kernel must be ${layout} (rank 4), got ${fmtShape(w.shape)}`);
}

/** 2-D convolution (cross-correlation) of x [N,H,W,C] with w [kh, kw, C/groups, cout]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2DOptions = {}): Tensor {
  checkKernel('conv2d', w, '[kh, kw, cin/groups, cout]');
  return composite([x, w], () =>
    inFormat('conv2d', x, options.dataFormat, (t) => run('conv2d', [t, w], conv2dParams('conv2d', t, [w.shape[0], w.shape[1]], options))),
  );
}

/**
 * Transposed convolution ("deconvolution"): the gradient of conv2d with respect to its input. x [N,H,W,cin],
 * w [kh, kw, cout, cin] (Keras's Conv2DTranspose layout). Output size: Keras's rule for 'valid'/'same'
 * ('same' gives in * stride), or `outputShape`.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, options: Conv2DTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  checkKernel(op, w, '[kh, kw, cout, cin]');
  const strides = pair(op, 'strides', options.strides, 1);
  const dilations = pair(op, 'dilations', options.dilations, 1);
  const outPad = options.outputPadding === undefined || options.outputPadding === null ? null : pair(op, 'outputPadding', options.outputPadding as Pair, 0);
  if (outPad && outPad.some((v, i) => v >= strides[i] && v >= dilations[i])) {
    throw new ValueError(`${op}: outputPadding ${JSON.stringify(outPad)} must be smaller than the strides ${JSON.stringify(strides)} or the dilations`);
  }
  return composite([x, w], () =>
    inFormat(op, x, options.dataFormat, (t) => {
      if (t.shape[3] !== w.shape[3]) throw new ShapeError(`${op}: input ${fmtShape(t.shape)} has ${t.shape[3]} channels, the kernel ${fmtShape(w.shape)} expects ${w.shape[3]} (kernel[3])`);
      const out: number[] = [];
      const before: number[] = [];
      for (const a of [0, 1] as const) {
        const size = t.shape[a + 1];
        const k = w.shape[a];
        if (options.outputShape) {
          const os = options.outputShape;
          const target = os.length === 2 ? os[a] : normalizeDataFormat(op, options.dataFormat) === 'channelsFirst' ? os[a + 2] : os[a + 1];
          const p = normalizePadding(op, options.padding);
          const kd = (k - 1) * dilations[a] + 1;
          const pb = p === 'same' ? Math.floor(Math.max((size - 1) * strides[a] + kd - target, 0) / 2) : p === 'valid' ? 0 : p[a][0];
          out.push(target);
          before.push(pb);
        } else {
          const r = convTransposeLength(size, k, strides[a], dilations[a], options.padding, outPad ? outPad[a] : null, a);
          out.push(r.length);
          before.push(r.padBefore);
        }
      }
      // the forward conv maps out -> in with these pads; the after-pads only fix the output length
      const kd = [0, 1].map((a) => (w.shape[a] - 1) * dilations[a] + 1);
      const after = [0, 1].map((a) => (t.shape[a + 1] - 1) * strides[a] + kd[a] - out[a] - before[a]);
      const pads: [number, number, number, number] = [before[0], after[0], before[1], after[1]];
      return run('conv2dBackpropInput', [t, w], { strides, dilations, pads, groups: 1, inputShape: [t.shape[0], out[0], out[1], w.shape[2]] });
    }),
  );
}

/**
 * Depthwise convolution: each input channel convolved with its own `multiplier` filters. w [kh, kw, C, m];
 * output channel c * m + j comes from input channel c (TensorFlow's order). A grouped conv2d with groups = C.
 */
export function depthwiseConv2d(x: Tensor, w: Tensor, options: Omit<Conv2DOptions, 'groups'> = {}): Tensor {
  checkKernel('depthwiseConv2d', w, '[kh, kw, channels, multiplier]');
  const [kh, kw, c, m] = w.shape;
  return composite([x, w], () => conv2d(x, reshape(w, [kh, kw, 1, c * m]), { ...options, groups: c }));
}

/** Depthwise convolution then a 1x1 convolution mixing channels: depthwise [kh, kw, C, m], pointwise [1, 1, C*m, cout]. */
export function separableConv2d(x: Tensor, depthwise: Tensor, pointwise: Tensor, options: Omit<Conv2DOptions, 'groups'> = {}): Tensor {
  checkKernel('separableConv2d', pointwise, '[1, 1, channels * multiplier, cout]');
  return composite([x, depthwise, pointwise], () =>
    conv2d(depthwiseConv2d(x, depthwise, options), pointwise, { dataFormat: options.dataFormat }),
  );
}

/** Max over windows of `poolSize` (default 2x2, strides = poolSize). Padding never wins the max. */
export function maxPool2d(x: Tensor, options: Pool2DOptions = {}): Tensor {
  return composite([x], () => inFormat('maxPool2d', x, options.dataFormat, (t) => run('maxPool2d', [t], pool2dParams('maxPool2d', t, options))));
}

/** Mean over windows of `poolSize`; with 'same' padding, each window averages only its positions inside the input. */
export function avgPool2d(x: Tensor, options: Pool2DOptions = {}): Tensor {
  return composite([x], () => inFormat('avgPool2d', x, options.dataFormat, (t) => run('avgPool2d', [t], pool2dParams('avgPool2d', t, options))));
}
