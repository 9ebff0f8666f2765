/**
 * Dispatches one primitive: checks shapes and dtypes (primitives.ts), runs the active backend's kernel (or builds
 * a view), wraps the result in a Tensor and records it for autograd when an input requires a gradient.
 */
import type { Backend, Storage } from '../backends/backend.js';
import type { DataArray, DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { DeeptsError, DTypeError, ValueError } from './errors.js';
import { isViewPrim, rules, type OutMeta, type Prim, type PrimParams, type ViewPrim } from './primitives.js';
import { contiguousStrides, fmtShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

const backends = new Map<string, Backend>();
let active: Backend | undefined;

export function registerBackend(backend: Backend, makeActive = false): void {
  backends.set(backend.name, backend);
  if (makeActive || !active) active = backend;
}
export function getBackend(name?: string): Backend {
  if (name === undefined) {
    if (!active) throw new DeeptsError('no backend registered');
    return active;
  }
  const b = backends.get(name);
  if (!b) throw new ValueError(`unknown backend "${name}" (registered: ${[...backends.keys()].join(', ')})`);
  return b;
}
export function listBackends(): string[] {
  return [...backends.keys()];
}
/** Makes `name` the backend new tensors and ops use. */
export function setBackend(name: string): void {
  active = getBackend(name);
}
/** Runs `fn` with another backend active (e.g. 'cpu' for float64 gradient checks). */
export function withBackend<T>(name: string, fn: () => T): T {
  const prev = active;
  active = getBackend(name);
  try {
    return fn();
  } finally {
    active = prev;
  }
}

// ---- grad mode (read by the engine to decide whether to record) ----
let gradEnabled = true;
export function isGradEnabled(): boolean {
  return gradEnabled;
}
/** Runs `fn` without recording anything for autograd (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}
/** Re-enables recording inside a noGrad region (used for higher-order gradients). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Wraps a freshly created storage (refcount 0) into a contiguous tensor. */
export function fromStorage(storage: Storage, shape: readonly number[], dtype: DType): Tensor {
  return new Tensor({ storage, refs: 0 }, shape, dtype);
}

/** A new tensor on the active backend holding a copy of `data`. */
export function fromData(data: DataArray, shape: readonly number[], dtype: DType): Tensor {
  const b = getBackend();
  if (!b.dtypes.includes(dtype)) throw new DTypeError(`backend "${b.name}" does not support ${dtype}`);
  return fromStorage(b.upload(data, dtype), shape, dtype);
}

function onActiveBackend(t: Tensor, b: Backend): Tensor {
  t.assertLive('use');
  if (t.backend === b) return t;
  if (!b.dtypes.includes(t.dtype)) throw new DTypeError(`backend "${b.name}" does not support ${t.dtype}`);
  return fromStorage(b.upload(t.dataSync(), t.dtype), t.shape, t.dtype);
}

function hasRowMajorStrides(t: Tensor): boolean {
  const c = contiguousStrides(t.shape);
  return t.shape.every((d, i) => d <= 1 || t.strides[i] === c[i]);
}

/**
 * Strides under which `to` views the same elements as (shape, strides) in row-major order, or null when that
 * needs a copy (NumPy's attempt_nocopy_reshape). Size-1 axes never force a copy, so squeeze/unsqueeze and
 * integer indexing of a transposed or stepped view stay views.
 */
function reshapeStrides(shape: readonly number[], strides: readonly number[], to: readonly number[]): number[] | null {
  if (sizeOf(shape) === 0) return contiguousStrides(to);
  const od: number[] = [];
  const os: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      od.push(d);
      os.push(strides[i]);
    }
  });
  const ns = new Array<number>(to.length).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < to.length && oi < od.length) {
    let np = to[ni];
    let op = od[oi];
    while (np !== op) {
      if (np < op) np *= to[nj++];
      else op *= od[oj++];
    }
    for (let k = oi; k < oj - 1; k++) if (os[k] !== od[k + 1] * os[k + 1]) return null;
    ns[nj - 1] = os[oj - 1];
    for (let k = nj - 1; k > ni; k--) ns[k - 1] = ns[k] * to[k];
    ni = nj++;
    oi = oj++;
  }
  // trailing size-1 axes of the target: any stride reads the one element
  for (; ni < to.length; ni++) ns[ni] = 1;
  return ns;
}

function makeView<P extends ViewPrim>(prim: P, x: Tensor, p: PrimParams[P], out: OutMeta, b: Backend): Tensor {
  switch (prim) {
    case 'reshape': {
      const strides = reshapeStrides(x.shape, x.strides, out.shape);
      if (strides) return new Tensor(x._ref, out.shape, out.dtype, strides, x.offset);
      const src = hasRowMajorStrides(x) ? x : fromStorage(b.kernels.copy([x], {}, { shape: x.shape.slice(), dtype: x.dtype }), x.shape, x.dtype);
      const t = new Tensor(src._ref, out.shape, out.dtype, contiguousStrides(out.shape), src.offset);
      if (src !== x) src.dispose();
      return t;
    }
    case 'permute': {
      const axes = (p as PrimParams['permute']).axes;
      return new Tensor(x._ref, out.shape, out.dtype, axes.map((a) => x.strides[a]), x.offset);
    }
    case 'expand':
      return new Tensor(x._ref, out.shape, out.dtype, x.strides.map((s, i) => (x.shape[i] === 1 && out.shape[i] !== 1 ? 0 : s)), x.offset);
    case 'slice': {
      const { starts, steps } = p as PrimParams['slice'];
      let offset = x.offset;
      for (let i = 0; i < starts.length; i++) if (out.shape[i] > 0) offset += starts[i] * x.strides[i];
      return new Tensor(x._ref, out.shape, out.dtype, x.strides.map((s, i) => s * steps[i]), offset);
    }
  }
  throw new DeeptsError(`unknown view primitive ${prim}`);
}

/** Runs one primitive. The only way ops create tensors from other tensors. */
export function run<P extends Prim>(prim: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
  const rule = rules[prim];
  if (rule.arity !== 'n' && inputs.length !== rule.arity) {
    throw new DeeptsError(`${prim}: expected ${rule.arity} inputs, got ${inputs.length}`);
  }
  const b = getBackend();
  const xs = inputs.map((t) => onActiveBackend(t, b));
  const out = rule.infer(xs, params);
  if (!b.dtypes.includes(out.dtype)) throw new DTypeError(`${prim}: backend "${b.name}" does not support ${out.dtype}`);
  let result: Tensor;
  if (isViewPrim(prim)) {
    result = makeView(prim as ViewPrim, xs[0], params as never, out, b);
  } else {
    const kernel = b.kernels[prim as Exclude<P, ViewPrim>] as (i: Tensor[], p: unknown, o: OutMeta) => Storage;
    result = fromStorage(kernel(xs, params, out), out.shape, out.dtype);
  }
  if (gradEnabled && isFloat(out.dtype) && inputs.some((t) => t.requiresGrad)) {
    result._node = { prim, inputs: inputs.slice(), params };
    result._requiresGrad = true;
  }
  for (let i = 0; i < xs.length; i++) if (xs[i] !== inputs[i]) xs[i].dispose();
  return result;
}

export function describe(t: Tensor): string {
  return `${fmtShape(t.shape)} ${t.dtype}`;
}

/** A view of the same data that is cut from the graph: gradients do not flow through it. */
export function detach(x: Tensor): Tensor {
  x.assertLive('detach');
  return new Tensor(x._ref, x.shape, x.dtype, x.strides, x.offset);
}
