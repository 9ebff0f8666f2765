/**
 * The wasm backend: tensors live in one shared WebAssembly.Memory, kernels are SIMD WebAssembly run by a
 * persistent worker pool (runtime.ts, kernels.ts). Every primitive has a kernel here; the ones without a fast
 * path yet run the CPU reference on a copy (`viaReference`), so results never depend on which path ran.
 */
import type { Backend, Kernel, KernelTable, Storage, TensorView, UpdateHyper, UpdateKind } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import type { CpuStorage } from '../cpu/storage.js';
import type { DataArray, DType } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import type { KernelPrim, OutMeta, PrimParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import { alloc, free, heapF32, heapI32, initWasm } from './runtime.js';
import * as K from './kernels.js';
import * as conv from './conv.js';
import * as pool from './pool.js';
import * as bn from './batchnorm.js';
import { gatherInto, heapFor, indexOf, isRowMajor, itemBytes, readView, viewPtr } from './memory-views.js';

export interface WasmStorage extends Storage {
  readonly ptr: number;
  readonly bytes: number;
}

let bytesHeld = 0;

function allocStorage(dtype: DType, size: number): WasmStorage {
  const bytes = size * itemBytes(dtype);
  const ptr = alloc(Math.max(bytes, 4));
  bytesHeld += bytes;
  return { backend: wasmBackend, dtype, size, ptr, bytes };
}

const ptrOf = (s: Storage): number => (s as WasmStorage).ptr;

/** A contiguous float32 pointer for the view: its own memory when row-major, else a temporary packed copy. */
function packed(v: TensorView, temps: WasmStorage[]): number {
  if (isRowMajor(v)) return viewPtr(v);
  const t = allocStorage(v.dtype, sizeOf(v.shape));
  temps.push(t);
  copyView(v, t.ptr);
  return t.ptr;
}
/** Writes the view's elements, row-major, at dst (the strided-copy kernel for 4-byte types, rank <= 8). */
function copyView(v: TensorView, dst: number): void {
  if (v.dtype !== 'bool' && v.shape.length <= 8 && v.shape.length > 0 && sizeOf(v.shape) > 0) {
    conv.copyStrided(viewPtr(v), dst, v.shape, v.strides);
  } else if (!(v.dtype === 'bool' && K.moveStrided(viewPtr(v), dst, v.shape, v.strides, contiguous(v.shape), 1))) {
    gatherInto(v, heapFor(v.dtype), indexOf(v.dtype, dst));
  }
}

function release(temps: WasmStorage[]): void {
  for (const t of temps) wasmBackend.free(t);
}

/** Runs the CPU reference kernel on host copies of the inputs and uploads the result. */
function viaReference<P extends KernelPrim>(prim: P): Kernel<P> {
  return (inputs, params, out) => {
    const hostInputs: TensorView[] = inputs.map((v) => {
      const data = readView(v);
      const storage: CpuStorage = { backend: cpuBackend, dtype: v.dtype, size: data.length, data };
      return { storage, dtype: v.dtype, shape: v.shape, strides: contiguous(v.shape), offset: 0 };
    });
    const kernel = cpuBackend.kernels[prim] as Kernel<P>;
    const result = kernel(hostInputs, params, out) as CpuStorage;
    const s = wasmBackend.upload(result.data, out.dtype);
    cpuBackend.free(result);
    return s;
  };
}

function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

const isF32 = (vs: TensorView[]): boolean => vs.every((v) => v.dtype === 'float32');

/** A kernel with a fast float32 path (returns null to decline) and the reference as fallback. */
function fast<P extends KernelPrim>(prim: P, f: (inputs: TensorView[], p: PrimParams[P], out: OutMeta) => Storage | null): Kernel<P> {
  const slow = viaReference(prim);
  return (inputs, p, out) => f(inputs, p, out) ?? slow(inputs, p, out);
}

function unaryKernel<P extends KernelPrim>(prim: P, op: K.UnaryOp): Kernel<P> {
  return fast(prim, ([x], _p, out) => {
    if (!isF32([x])) return null;
    const temps: WasmStorage[] = [];
    const src = packed(x, temps);
    const r = allocStorage('float32', out.shape.length ? sizeOf(out.shape) : 1);
    K.unary(op, src, r.ptr, sizeOf(out.shape));
    release(temps);
    return r;
  });
}

/** How a same-shape operand is laid out relative to a row-major result of shape `shape`. */
type Layout = { kind: 'full'; ptr: number } | { kind: 'row'; ptr: number; m: number; n: number } | { kind: 'col'; ptr: number; m: number; n: number } | { kind: 'scalar'; ptr: number } | { kind: 'other' };

function layoutOf(v: TensorView): Layout {
  if (isRowMajor(v)) return { kind: 'full', ptr: viewPtr(v) };
  const r = v.shape.length;
  if (v.strides.every((s, i) => s === 0 || v.shape[i] === 1)) return { kind: 'scalar', ptr: viewPtr(v) };
  // row: leading axes broadcast (stride 0), trailing axes row-major
  for (let split = 1; split < r; split++) {
    const lead = v.shape.slice(0, split);
    const trail = v.shape.slice(split);
    const leadZero = v.strides.slice(0, split).every((s, i) => s === 0 || lead[i] === 1);
    if (leadZero && isRowMajor({ ...viewLike(v), shape: trail, strides: v.strides.slice(split) })) {
      return { kind: 'row', ptr: viewPtr(v), m: sizeOf(lead), n: sizeOf(trail) };
    }
    const trailZero = v.strides.slice(split).every((s, i) => s === 0 || trail[i] === 1);
    if (trailZero && isRowMajor({ ...viewLike(v), shape: lead, strides: v.strides.slice(0, split) })) {
      return { kind: 'col', ptr: viewPtr(v), m: sizeOf(lead), n: sizeOf(trail) };
    }
  }
  return { kind: 'other' };
}
function viewLike(v: TensorView): TensorView {
  return { storage: v.storage, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset };
}

const COMMUTATIVE = new Set<K.BinaryOp>(['add', 'mul', 'max', 'min']);

function binaryKernel<P extends KernelPrim>(prim: P, op: K.BinaryOp): Kernel<P> {
  return fast(prim, ([a, b], _p, out) => {
    if (!isF32([a, b])) return null;
    const n = sizeOf(out.shape);
    const r = allocStorage('float32', Math.max(n, 1));
    if (n === 0) return r;
    let [va, vb] = [a, b];
    if (!isRowMajor(va) && isRowMajor(vb) && COMMUTATIVE.has(op)) [va, vb] = [vb, va];
    const temps: WasmStorage[] = [];
    const pa = packed(va, temps);
    const lb = layoutOf(vb);
    if (lb.kind === 'full') K.binary(op, pa, lb.ptr, r.ptr, n);
    else if (lb.kind === 'row') K.binaryRow(op, pa, lb.ptr, r.ptr, lb.m, lb.n);
    else if (lb.kind === 'col') K.binaryCol(op, pa, lb.ptr, r.ptr, lb.m, lb.n);
    else if (lb.kind === 'scalar') K.binaryScalar(op, pa, heapF32()[lb.ptr >>> 2], r.ptr, n);
    else K.binary(op, pa, packed(vb, temps), r.ptr, n);
    release(temps);
    return r;
  });
}

/** A float32 operand for compare/select: its memory when row-major, one value when broadcast, else a packed copy. */
function f32Operand(v: TensorView, temps: WasmStorage[]): K.F32Operand {
  if (!isRowMajor(v) && v.strides.every((s, i) => s === 0 || v.shape[i] === 1)) return { scalar: heapF32()[viewPtr(v) >>> 2] };
  return { ptr: packed(v, temps) };
}

function compareKernel<P extends KernelPrim>(prim: P, op: K.CompareOp): Kernel<P> {
  return fast(prim, ([a, b], _p, out) => {
    if (!isF32([a, b])) return null;
    const n = sizeOf(out.shape);
    const r = allocStorage('bool', Math.max(n, 1));
    const temps: WasmStorage[] = [];
    K.compare(op, f32Operand(a, temps), f32Operand(b, temps), r.ptr, n);
    release(temps);
    return r;
  });
}

/** Sum/max/min over a suffix (rows) or prefix (columns) of the axes of a row-major input. */
function reduceKernel<P extends 'sum' | 'max' | 'min'>(prim: P, op: K.ReduceOp): Kernel<P> {
  return fast(prim, ([x], p, out) => {
    if (!isF32([x]) || !isRowMajor(x)) return null;
    const axes = (p as PrimParams['sum']).axes;
    const r = x.shape.length;
    const n = sizeOf(out.shape);
    const isSuffix = axes.every((a, i) => a === r - axes.length + i);
    const isPrefix = axes.every((a, i) => a === i);
    const reduced = sizeOf(axes.map((a) => x.shape[a]));
    if (reduced === 0 || (!isSuffix && !isPrefix)) return null;
    const s = allocStorage('float32', Math.max(n, 1));
    if (isSuffix) K.reduceRows(op, viewPtr(x), s.ptr, n, reduced);
    else K.reduceCols(op, viewPtr(x), s.ptr, reduced, n);
    return s;
  });
}

function unaryExtKernel<P extends 'erf' | 'sin' | 'cos'>(prim: P): Kernel<P> {
  return fast(prim, ([x], _p, out) => {
    if (!isF32([x])) return null;
    const temps: WasmStorage[] = [];
    const src = packed(x, temps);
    const r = allocStorage('float32', Math.max(sizeOf(out.shape), 1));
    K.unaryExt(prim, src, r.ptr, sizeOf(out.shape));
    release(temps);
    return r;
  });
}

/** Logical ops of bool, float32 or int32 operands (truth: != 0) into bool bytes. */
function logicalKernel<P extends 'logicalNot' | 'logicalAnd' | 'logicalOr' | 'logicalXor'>(prim: P, op: K.LogicalOp): Kernel<P> {
  return fast(prim, (xs, _p, out) => {
    const dtype = xs[0].dtype;
    if (dtype !== 'bool' && dtype !== 'float32' && dtype !== 'int32') return null;
    const n = sizeOf(out.shape);
    const r = allocStorage('bool', Math.max(n, 1));
    const temps: WasmStorage[] = [];
    K.logical(op, packed(xs[0], temps), xs.length > 1 ? packed(xs[1], temps) : 0, r.ptr, n, dtype);
    release(temps);
    return r;
  });
}

/** [outer, middle, inner] sizes of a shape split around the consecutive axes [a0, a1), or null when they are not consecutive. */
function middleSplit(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const ax = [...axes].sort((u, v) => u - v);
  if (ax.some((a, i) => a !== ax[0] + i)) return null;
  const a0 = ax.length ? ax[0] : shape.length;
  const a1 = a0 + ax.length;
  return [sizeOf(shape.slice(0, a0)), sizeOf(shape.slice(a0, a1)), sizeOf(shape.slice(a1))];
}

/** The GEMM operand description of a [..., rows, cols] view, or null when it needs packing. */
function gemmOperand(v: TensorView): { ptr: number; trans: boolean; ld: number; batchStride: number } | null {
  const r = v.shape.length;
  const rows = v.shape[r - 2];
  const cols = v.shape[r - 1];
  const sr = v.strides[r - 2];
  const sc = v.strides[r - 1];
  let trans: boolean;
  let ld: number;
  if ((sc === 1 || cols === 1) && sr >= Math.max(cols, 1)) [trans, ld] = [false, rows === 1 ? Math.max(cols, 1) : sr];
  else if ((sr === 1 || rows === 1) && sc >= Math.max(rows, 1)) [trans, ld] = [true, cols === 1 ? Math.max(rows, 1) : sc];
  else return null;
  // batch axes must collapse to one stride (or all be broadcast)
  const batchShape = v.shape.slice(0, r - 2);
  const batchStrides = v.strides.slice(0, r - 2);
  let batchStride = 0;
  let expect = -1;
  for (let i = batchShape.length - 1; i >= 0; i--) {
    if (batchShape[i] === 1) continue;
    if (expect === -1) {
      batchStride = batchStrides[i];
      expect = batchStrides[i] * batchShape[i];
    } else if (batchStrides[i] !== expect || batchStride === 0) {
      if (!(batchStrides[i] === 0 && batchStride === 0)) return null;
    } else expect = batchStrides[i] * batchShape[i];
  }
  if (batchStride < 0) return null;
  return { ptr: viewPtr(v), trans, ld, batchStride };
}

const matmul: Kernel<'matmul'> = fast('matmul', ([a, b], _p, out) => {
  if (!isF32([a, b])) return null;
  const r = a.shape.length;
  const M = a.shape[r - 2];
  const Kd = a.shape[r - 1];
  const N = b.shape[r - 1];
  const batch = sizeOf(a.shape.slice(0, r - 2));
  const c = allocStorage('float32', Math.max(batch * M * N, 1));
  if (batch * M * N === 0) return c;
  if (Kd === 0) {
    K.fill(c.ptr, batch * M * N, 0);
    return c;
  }
  const temps: WasmStorage[] = [];
  const oa = gemmOperand(a) ?? { ptr: packed(a, temps), trans: false, ld: Kd, batchStride: M * Kd };
  const ob = gemmOperand(b) ?? { ptr: packed(b, temps), trans: false, ld: N, batchStride: Kd * N };
  K.sgemmBatched(oa.trans, ob.trans, M, N, Kd, 1, oa.ptr, oa.ld, batch > 1 ? oa.batchStride : 0, ob.ptr, ob.ld, batch > 1 ? ob.batchStride : 0, 0, c.ptr, N, M * N, batch);
  release(temps);
  return c;
});

const kernels: KernelTable = {
  neg: unaryKernel('neg', 'neg'),
  abs: unaryKernel('abs', 'abs'),
  sign: unaryKernel('sign', 'sign'),
  exp: unaryKernel('exp', 'exp'),
  log: unaryKernel('log', 'log'),
  log1p: unaryKernel('log1p', 'log1p'),
  sqrt: unaryKernel('sqrt', 'sqrt'),
  sin: unaryExtKernel('sin'),
  cos: unaryExtKernel('cos'),
  tanh: unaryKernel('tanh', 'tanh'),
  sigmoid: unaryKernel('sigmoid', 'sigmoid'),
  relu: unaryKernel('relu', 'relu'),
  erf: unaryExtKernel('erf'),
  floor: unaryKernel('floor', 'floor'),
  ceil: unaryKernel('ceil', 'ceil'),
  round: unaryKernel('round', 'round'),
  logicalNot: logicalKernel('logicalNot', 'not'),
  add: binaryKernel('add', 'add'),
  sub: binaryKernel('sub', 'sub'),
  mul: binaryKernel('mul', 'mul'),
  div: binaryKernel('div', 'div'),
  pow: binaryKernel('pow', 'pow'),
  maximum: binaryKernel('maximum', 'max'),
  minimum: binaryKernel('minimum', 'min'),
  equal: compareKernel('equal', 'eq'),
  notEqual: compareKernel('notEqual', 'ne'),
  less: compareKernel('less', 'lt'),
  lessEqual: compareKernel('lessEqual', 'le'),
  greater: compareKernel('greater', 'gt'),
  greaterEqual: compareKernel('greaterEqual', 'ge'),
  logicalAnd: logicalKernel('logicalAnd', 'and'),
  logicalOr: logicalKernel('logicalOr', 'or'),
  logicalXor: logicalKernel('logicalXor', 'xor'),
  where: fast('where', ([c, a, b], _p, out) => {
    if (c.dtype !== 'bool' || !isF32([a, b])) return null;
    const n = sizeOf(out.shape);
    const r = allocStorage('float32', Math.max(n, 1));
    const temps: WasmStorage[] = [];
    const cond = isRowMajor(c) ? viewPtr(c) : packed(c, temps);
    K.select(cond, f32Operand(a, temps), f32Operand(b, temps), r.ptr, n);
    release(temps);
    return r;
  }),
  sum: reduceKernel('sum', 'sum'),
  prod: fast('prod', ([x], p, out) => {
    // product over consecutive axes of float32 (in float64) or int32 (wrapping)
    const split = middleSplit(x.shape, p.axes);
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !split) return null;
    const s = allocStorage(out.dtype, Math.max(sizeOf(out.shape), 1));
    const temps: WasmStorage[] = [];
    K.prod(packed(x, temps), s.ptr, split[0], split[1], split[2], x.dtype === 'int32');
    release(temps);
    return s;
  }),
  max: reduceKernel('max', 'max'),
  min: reduceKernel('min', 'min'),
  argmax: fast('argmax', ([x], p, out) => {
    if (!isF32([x]) || !isRowMajor(x) || p.axis !== x.shape.length - 1) return null;
    const m = Math.max(sizeOf(out.shape), 1);
    const s = allocStorage('int32', m);
    K.argmaxRows(viewPtr(x), s.ptr, sizeOf(out.shape), x.shape[p.axis]);
    return s;
  }),
  argmin: fast('argmin', ([x], p, out) => {
    const split = middleSplit(x.shape, [p.axis]);
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !split || x.shape.length === 0) return null;
    const s = allocStorage('int32', Math.max(sizeOf(out.shape), 1));
    const temps: WasmStorage[] = [];
    K.argmin(packed(x, temps), s.ptr, split[0], split[1], split[2], x.dtype === 'int32');
    release(temps);
    return s;
  }),
  matmul,
  unslice: fast('unslice', ([x], p, out) => {
    // zeros, then x moved into the strided region starts + i * steps (each dtype: 4- or 1-byte moves)
    const eb = itemBytes(out.dtype) as 1 | 4;
    const total = sizeOf(out.shape);
    const s = allocStorage(out.dtype, Math.max(total, 1));
    if (total === 0) return s;
    const full = contiguous(out.shape);
    // a slice with as many elements as the output covers all of it (in-bounds, nonzero steps): no zero fill
    if (sizeOf(x.shape) !== total) K.fill(s.ptr, Math.ceil((total * eb) / 4), 0);
    const start = p.starts.reduce((o, st, i) => o + st * full[i], 0);
    if (!K.moveStrided(viewPtr(x), s.ptr + start * eb, x.shape, x.strides, full.map((f, i) => f * p.steps[i]), eb)) {
      wasmBackend.free(s);
      return null;
    }
    return s;
  }),
  concat: fast('concat', (xs, p, out) => {
    // each input moved into its slab of the output (strided destination rows of the output's row length)
    const eb = itemBytes(out.dtype) as 1 | 4;
    const total = sizeOf(out.shape);
    const s = allocStorage(out.dtype, Math.max(total, 1));
    if (total === 0) return s;
    const full = contiguous(out.shape);
    let at = 0;
    for (const x of xs) {
      if (!K.moveStrided(viewPtr(x), s.ptr + at * full[p.axis] * eb, x.shape, x.strides, full, eb)) {
        wasmBackend.free(s);
        return null;
      }
      at += x.shape[p.axis];
    }
    return s;
  }),
  gather: fast('gather', ([x, i], p, out) => {
    // row gather along axis 0 of a row-major tensor (batches of a shuffled dataset, embeddings)
    if (p.axis !== 0 || !isRowMajor(x) || !isRowMajor(i)) return null;
    const dim = x.shape[0];
    const rowBytes = sizeOf(x.shape.slice(1)) * itemBytes(x.dtype);
    const s = allocStorage(out.dtype, Math.max(sizeOf(out.shape), 1));
    const bad = K.gatherRows(viewPtr(x), viewPtr(i), s.ptr, sizeOf(i.shape), rowBytes, dim);
    if (bad !== null) {
      wasmBackend.free(s);
      throw new ValueError(`gather: index ${bad} is out of range for an axis of size ${dim}`);
    }
    return s;
  }),
  scatterAdd: fast('scatterAdd', ([g, i], p, out) => {
    // adds slices of g into zeros along axis 0 (the gather / embedding gradient)
    if (p.axis !== 0 || g.dtype !== 'float32' || !isRowMajor(g) || !isRowMajor(i)) return null;
    const n = sizeOf(i.shape);
    const s = allocStorage('float32', Math.max(sizeOf(out.shape), 1));
    // chunks are whole leading-axis slices of the indices: when those index disjoint blocks, chunks run in parallel
    const align = i.shape.length > 1 ? sizeOf(i.shape.slice(1)) : 1;
    if (!K.scatterAdd(viewPtr(g), viewPtr(i), s.ptr, n, sizeOf(out.shape.slice(1)), p.size, align)) {
      wasmBackend.free(s);
      const I = heapI32().subarray(viewPtr(i) >>> 2, (viewPtr(i) >>> 2) + n);
      const bad = I.find((k) => !(k >= -p.size && k < p.size));
      throw new ValueError(`scatterAdd: index ${bad} is out of range for an axis of size ${p.size}`);
    }
    return s;
  }),
  cast: fast('cast', ([x], p, out) => {
    if ((x.dtype !== 'int32' && x.dtype !== 'bool') || p.dtype !== 'float32' || !isRowMajor(x)) return null;
    const s = allocStorage('float32', Math.max(sizeOf(out.shape), 1));
    // bool -> float32 (accuracy metrics, masks) is a select between 1 and 0
    if (x.dtype === 'bool') K.select(viewPtr(x), { scalar: 1 }, { scalar: 0 }, s.ptr, sizeOf(out.shape));
    else K.castI32ToF32(viewPtr(x), s.ptr, sizeOf(out.shape));
    return s;
  }),
  copy: (inputs, _p, out) => {
    const [x] = inputs;
    const s = allocStorage(x.dtype, Math.max(sizeOf(out.shape), 1));
    copyView(x, s.ptr);
    return s;
  },
  reluGrad: fast('reluGrad', ([x, g], _p, out) => {
    if (!isF32([x, g])) return null;
    const temps: WasmStorage[] = [];
    const n = sizeOf(out.shape);
    const s = allocStorage('float32', Math.max(n, 1));
    K.binary('reluBackward', packed(g, temps), packed(x, temps), s.ptr, n);
    release(temps);
    return s;
  }),
  softmax: fast('softmax', ([x], _p, out) => {
    if (!isF32([x])) return null;
    const temps: WasmStorage[] = [];
    const n = x.shape[x.shape.length - 1];
    const total = sizeOf(out.shape);
    const s = allocStorage('float32', Math.max(total, 1));
    if (total > 0) K.softmaxRows(packed(x, temps), s.ptr, total / n, n);
    release(temps);
    return s;
  }),
  sparseSoftmaxCrossEntropy: fast('sparseSoftmaxCrossEntropy', ([x, l]) => {
    if (!isF32([x])) return null;
    const [B, C] = x.shape;
    const labels = checkedLabels('sparseSoftmaxCrossEntropy', l, C);
    const temps: WasmStorage[] = [];
    const logp = allocStorage('float32', Math.max(B * C, 1));
    temps.push(logp);
    if (B * C > 0) K.logSoftmaxRows(packed(x, temps), logp.ptr, B, C);
    const s = allocStorage('float32', Math.max(B, 1));
    const F = heapF32();
    for (let i = 0; i < B; i++) F[(s.ptr >>> 2) + i] = -F[(logp.ptr >>> 2) + i * C + labels[i]];
    release(temps);
    return s;
  }),
  sparseSoftmaxCrossEntropyGrad: fast('sparseSoftmaxCrossEntropyGrad', ([x, l, g], _p, out) => {
    if (!isF32([x, g])) return null;
    const [B, C] = x.shape;
    checkedLabels('sparseSoftmaxCrossEntropyGrad', l, C);
    const temps: WasmStorage[] = [];
    const s = allocStorage('float32', Math.max(sizeOf(out.shape), 1));
    if (B * C > 0) {
      // a mean loss's gradient is one value broadcast over the batch: scale in the same pass
      const dy = f32Operand(g, temps);
      K.softmaxCrossEntropy(packed(x, temps), packed(l, temps), s.ptr, B, C, 'scalar' in dy ? dy.scalar : 1);
      if ('ptr' in dy) K.binaryCol('mul', s.ptr, dy.ptr, s.ptr, B, C);
    }
    release(temps);
    return s;
  }),
  // convolution and pooling: reference kernels until the wasm ones land (same results, slower)
  conv2d: fast('conv2d', (xs, p, out) => conv.conv2dFast(xs, p, out, allocStorage)),
  conv2dBackpropInput: fast('conv2dBackpropInput', (xs, p, out) => conv.conv2dBackpropInputFast(xs, p, out, allocStorage)),
  conv2dBackpropFilter: fast('conv2dBackpropFilter', (xs, p, out) => conv.conv2dBackpropFilterFast(xs, p, out, allocStorage)),
  maxPool2d: fast('maxPool2d', (xs, p, out) => pool.maxPool2dFast(xs, p, out, allocStorage)),
  maxPool2dArgmax: fast('maxPool2dArgmax', (xs, p, out) => pool.maxPool2dArgmaxFast(xs, p, out, allocStorage)),
  maxPool2dGrad: fast('maxPool2dGrad', (xs, p, out) => pool.maxPool2dGradFast(xs, p, out, allocStorage)),
  avgPool2d: fast('avgPool2d', (xs, p, out) => pool.avgPool2dFast(xs, p, out, allocStorage)),
  moments: fast('moments', (xs, p, out) => bn.momentsFast(xs, p, out, allocStorage)),
  batchNorm: fast('batchNorm', (xs, p, out) => bn.batchNormFast(xs, p, out, allocStorage)),
  batchNormParamGrad: fast('batchNormParamGrad', (xs, p, out) => bn.batchNormParamGradFast(xs, p, out, allocStorage)),
  batchNormInputGrad: fast('batchNormInputGrad', (xs, p, out) => bn.batchNormInputGradFast(xs, p, out, allocStorage)),
  avgPool2dGrad: fast('avgPool2dGrad', (xs, p, out) => pool.avgPool2dGradFast(xs, p, out, allocStorage)),
};

function checkedLabels(op: string, l: TensorView, classes: number): Int32Array {
  const labels = readView(l) as Int32Array;
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < classes)) {
      throw new ValueError(`${op}: label ${labels[i]} of sample ${i} is out of range for ${classes} classes; labels must be in [0, ${classes - 1}]`);
    }
  }
  return labels;
}

function step(kind: UpdateKind, param: Storage, grad: Storage, slots: Storage[], h: UpdateHyper): void {
  if (param.dtype !== 'float32') throw new ValueError(`wasm optimizer step: parameters must be float32, got ${param.dtype}`);
  const p = ptrOf(param);
  const g = ptrOf(grad);
  const n = param.size;
  const wd = h.weightDecay ?? 0;
  switch (kind) {
    case 'sgd':
      return K.sgdUpdate(p, g, 0, n, { lr: h.lr, weightDecay: wd });
    case 'momentum':
      return K.sgdUpdate(p, g, ptrOf(slots[0]), n, { lr: h.lr, momentum: h.momentum ?? 0, nesterov: h.nesterov, weightDecay: wd });
    case 'rmsprop': {
      const m = h.momentum ?? 0;
      const mom = m > 0 ? ptrOf(slots[1]) : 0;
      const avg = h.centered ? ptrOf(slots[m > 0 ? 2 : 1]) : 0;
      return K.rmspropUpdate(p, g, ptrOf(slots[0]), mom, avg, n, { lr: h.lr, rho: h.rho, momentum: m, epsilon: h.epsilon, centered: h.centered, weightDecay: wd });
    }
    case 'adagrad':
      return K.adagradUpdate(p, g, ptrOf(slots[0]), n, { lr: h.lr, epsilon: h.epsilon, weightDecay: wd });
    case 'adam': {
      const bc1 = h.biasCorrection1 ?? 1;
      const bc2 = h.biasCorrection2 ?? 1;
      return K.adamUpdate(p, g, ptrOf(slots[0]), ptrOf(slots[1]), h.amsgrad ? ptrOf(slots[2]) : 0, n, {
        beta1: h.beta1 ?? 0.9, beta2: h.beta2 ?? 0.999, stepSize: (h.lr * Math.sqrt(bc2)) / bc1, c2: 1, epsilon: h.epsilon ?? 1e-7,
        decay: h.lr * wd, amsgrad: h.amsgrad,
      });
    }
  }
}

export const wasmBackend: Backend = {
  name: 'wasm',
  dtypes: ['float32', 'int32', 'bool'],
  upload(data: DataArray, dtype: DType): WasmStorage {
    const s = allocStorage(dtype, data.length);
    heapFor(dtype).set(data, indexOf(dtype, s.ptr));
    return s;
  },
  download: (view) => readView(view),
  write(storage, data) {
    heapFor(storage.dtype).set(data, indexOf(storage.dtype, ptrOf(storage)));
  },
  copyInto(dst, src) {
    K.copyBytes(ptrOf(src), ptrOf(dst), (src as WasmStorage).bytes);
  },
  free(storage) {
    free(ptrOf(storage));
    bytesHeld -= (storage as WasmStorage).bytes;
  },
  bytesInUse: () => bytesHeld,
  kernels,
  step,
};

/** Initializes the runtime; false (with the reason) when this engine cannot run the kernels. */
export function tryInitWasm(): { ok: true } | { ok: false; reason: string } {
  try {
    initWasm();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

