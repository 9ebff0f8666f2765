/**
 * Convolution on the wasm backend. conv2d and its two gradients run as implicit GEMM (kernels.ts conv2d,
 * conv2dBackpropFilter, conv2dBackpropInput: the patch matrix is packed block by block into per-thread
 * scratch, never materialised); a pointwise convolution (1x1, stride 1, no padding) is a plain GEMM; 3x3
 * stride-1 convolutions with enough channels use Winograd (forward, input and filter gradients).
 * Depthwise convolutions (groups == input channels, any channel multiplier) run direct kernels vectorised over
 * the channels (kernels.ts depthwiseConv2d*). Other grouped convolutions and non-row-major or non-float32 inputs
 * return null (the caller falls back to the reference). Pooling is in pool.ts.
 */
import type { Storage, TensorView } from '../backend.js';
import type { OutMeta, PrimParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import * as K from './kernels.js';
import { isRowMajor } from '../strided.js';

/** Merges axes that are contiguous with their neighbour and drops size-1 axes: fewer, longer rows to copy. */
export function collapse(shape: readonly number[], strides: readonly number[]): [number[], number[]] {
  const sh: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && st[last] === strides[d] * shape[d]) {
      sh[last] *= shape[d];
      st[last] = strides[d];
    } else {
      sh.push(shape[d]);
      st.push(strides[d]);
    }
  }
  return sh.length ? [sh, st] : [[1], [1]];
}

/** stridedCopy after collapsing the view's axes. */
export function copyStrided(src: number, dst: number, shape: readonly number[], strides: readonly number[]): void {
  const [sh, st] = collapse(shape, strides);
  K.stridedCopy(src, dst, sh, st);
}

type Alloc = (dtype: 'float32' | 'int32', size: number) => Storage & { ptr: number };
type Conv = PrimParams['conv2d'];

const ptrOf = (v: TensorView): number => (v.storage as unknown as { ptr: number }).ptr + v.offset * 4;
const f32 = (...vs: TensorView[]): boolean => vs.every((v) => v.dtype === 'float32' && isRowMajor(v));

/** The kernels' geometry for convolving an [N, H, W, C] input with [KH, KW, C, CO] into [N, OH, OW, CO]. */
function geometry(inShape: readonly number[], filterShape: readonly number[], outShape: readonly number[], p: Conv): K.ConvGeometry {
  const [, H, W, C] = inShape;
  const [KH, KW] = filterShape;
  const [, OH, OW] = outShape;
  const [SH, SW] = p.strides;
  const [DH, DW] = p.dilations;
  return { H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT: p.pads[0], PL: p.pads[2] };
}

/** 1x1 kernel, stride 1, no padding: the image is the patch matrix itself. */
const isPointwise = (g: K.ConvGeometry): boolean => g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.OH === g.H && g.OW === g.W && g.PT === 0 && g.PL === 0;

/**
 * 3x3 stride-1 convolutions whose input and output channels (of the convolution actually computed: dY -> dX for
 * the input gradient) are both >= tuning.winogradMinChannels run as Winograd F(2x2, 3x3), their filter gradients as
 * F(3x3, 2x2); thinner ones waste most of the GEMM on channel padding and stay on the direct kernels.
 */
const useWinograd = (g: K.ConvGeometry, inChannels: number, outChannels: number): boolean =>
  K.winogradApplies(g) && Math.min(inChannels, outChannels) >= K.tuning.winogradMinChannels;

/** A depthwise convolution: one input channel per group (the kernel is [KH, KW, 1, C*m]). */
const isDepthwise = (inChannels: number, p: Conv): boolean => p.groups === inChannels;

export function conv2dFast([x, w]: TensorView[], p: Conv, out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!f32(x, w) || sizeOf(out.shape) === 0) return null;
  if (p.groups !== 1) {
    if (!isDepthwise(x.shape[3], p)) return null;
    const s = allocStorage('float32', sizeOf(out.shape));
    K.depthwiseConv2d(ptrOf(x), ptrOf(w), s.ptr, x.shape[0], w.shape[3] / p.groups, geometry(x.shape, w.shape, out.shape, p));
    return s;
  }
  const s = allocStorage('float32', sizeOf(out.shape));
  const g = geometry(x.shape, w.shape, out.shape, p);
  const [N] = x.shape;
  const CO = w.shape[3];
  if (isPointwise(g)) K.sgemm(false, false, N * g.H * g.W, CO, g.C, 1, ptrOf(x), g.C, ptrOf(w), CO, 0, s.ptr, CO);
  else if (useWinograd(g, g.C, CO)) K.conv2dWinograd(ptrOf(x), ptrOf(w), s.ptr, N, CO, g);
  else K.conv2d(ptrOf(x), ptrOf(w), s.ptr, N, CO, g);
  return s;
}

export function conv2dBackpropFilterFast([x, dy]: TensorView[], p: PrimParams['conv2dBackpropFilter'], out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!f32(x, dy) || sizeOf(out.shape) === 0) return null;
  if (p.groups !== 1) {
    if (!isDepthwise(x.shape[3], p)) return null;
    const s = allocStorage('float32', sizeOf(out.shape));
    K.depthwiseConv2dBackpropFilter(ptrOf(x), ptrOf(dy), s.ptr, x.shape[0], p.filterShape[3] / p.groups, geometry(x.shape, p.filterShape, dy.shape, p));
    return s;
  }
  const s = allocStorage('float32', sizeOf(out.shape));
  const g = geometry(x.shape, p.filterShape, dy.shape, p);
  const [N] = x.shape;
  const CO = p.filterShape[3];
  // dW[C, CO] = xᵀ[C, M] @ dY[M, CO]
  if (isPointwise(g)) K.sgemm(true, false, g.C, CO, N * g.H * g.W, 1, ptrOf(x), g.C, ptrOf(dy), CO, 0, s.ptr, CO);
  else if (useWinograd(g, g.C, CO)) K.conv2dBackpropFilterWinograd(ptrOf(x), ptrOf(dy), s.ptr, N, CO, g);
  else K.conv2dBackpropFilter(ptrOf(x), ptrOf(dy), s.ptr, N, CO, g);
  return s;
}

export function conv2dBackpropInputFast([dy, w]: TensorView[], p: PrimParams['conv2dBackpropInput'], out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!f32(dy, w) || sizeOf(out.shape) === 0) return null;
  if (p.groups !== 1) {
    if (!isDepthwise(out.shape[3], p)) return null;
    const s = allocStorage('float32', sizeOf(out.shape));
    K.depthwiseConv2dBackpropInput(ptrOf(dy), ptrOf(w), s.ptr, out.shape[0], w.shape[3] / p.groups, geometry(out.shape, w.shape, dy.shape, p));
    return s;
  }
  const s = allocStorage('float32', sizeOf(out.shape));
  const g = geometry(out.shape, w.shape, dy.shape, p);
  const [N] = out.shape;
  const CO = w.shape[3];
  // dX[M, C] = dY[M, CO] @ wᵀ[CO, C]
  if (isPointwise(g)) K.sgemm(false, true, N * g.H * g.W, g.C, CO, 1, ptrOf(dy), CO, ptrOf(w), CO, 0, s.ptr, g.C);
  else if (useWinograd(g, CO, g.C)) K.conv2dBackpropInputWinograd(ptrOf(dy), ptrOf(w), s.ptr, N, CO, g);
  else K.conv2dBackpropInput(ptrOf(dy), ptrOf(w), s.ptr, N, CO, g);
  return s;
}
