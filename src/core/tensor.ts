/**
 * A Tensor is a handle: a reference-counted storage (owned by a backend) plus a strided view of it.
 * Views (reshape, permute, slice, expand) share the storage; the storage is freed when the last tensor
 * that uses it is disposed (or garbage collected: see core/memory.ts).
 */
import type { Backend, Storage, TensorView } from '../backends/backend.js';
import type { DataArray, DType } from './dtype.js';
import { DeeptsError } from './errors.js';
import { contiguousStrides, fmtShape, sizeOf, type Shape } from './shape.js';
import type { Node } from './autograd-node.js';
import { memory } from './memory.js';

/** Shared by all views of one buffer. */
export interface StorageRef {
  storage: Storage;
  refs: number;
}

export type NestedArray = number | boolean | NestedArray[];

let nextId = 0;

export class Tensor implements TensorView {
  readonly id = nextId++;
  /** @internal */ _ref: StorageRef;
  /** @internal */ _node: Node | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _watched = 0;
  /** @internal */ _disposed = false;
  /** Gradient accumulated by `backward()` (PyTorch semantics: it adds up until you zero it). */
  grad: Tensor | null = null;
  /** Optional name (layers name their weights, e.g. `dense_1/kernel`). */
  name?: string;

  /** @internal — use the creation functions (tensor, zeros, ...) or ops instead. */
  constructor(
    ref: StorageRef,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this._ref = ref;
    ref.refs++;
    memory.onCreate(this);
  }

  get storage(): Storage {
    this.assertLive('use');
    return this._ref.storage;
  }
  get backend(): Backend {
    return this._ref.storage.backend;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  /** True for leaves marked trainable, results of ops on them, and tensors watched by an open GradientTape. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this._watched > 0;
  }
  set requiresGrad(v: boolean) {
    if (v && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new DeeptsError(`requiresGrad: only float tensors can require gradients, this one is ${this.dtype}`);
    }
    if (this._node && !v) throw new DeeptsError('requiresGrad: cannot turn it off on a computed tensor; use detach()');
    this._requiresGrad = v;
  }
  /** A leaf is a tensor not computed by a recorded op (inputs, weights). */
  get isLeaf(): boolean {
    return this._node === null;
  }
  get isContiguous(): boolean {
    const c = contiguousStrides(this.shape);
    return this.offset === 0 && this.size === this._ref.storage.size && this.shape.every((d, i) => d <= 1 || c[i] === this.strides[i]);
  }

  /** Flat typed array of the elements in row-major order (a copy). */
  dataSync(): DataArray {
    this.assertLive('read');
    return this.backend.download(this);
  }
  async data(): Promise<DataArray> {
    return this.dataSync();
  }
  /** Nested JS arrays (numbers; booleans for bool tensors). A rank-0 tensor gives a number. */
  toArray(): NestedArray {
    const flat = this.dataSync();
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return conv(flat[off]);
      const inner = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, off + i * inner));
      return out;
    };
    return build(0, 0);
  }
  /** The single element of a size-1 tensor as a JS number. */
  item(): number {
    if (this.size !== 1) throw new DeeptsError(`item: the tensor has ${this.size} elements ${fmtShape(this.shape)}, expected exactly 1`);
    return this.dataSync()[0];
  }

  toString(): string {
    if (this._disposed) return `Tensor(disposed, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    return `Tensor(${formatValues(this)}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Frees this handle now; the storage goes when its last view goes. Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    memory.onDispose(this);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    this._node = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal */
  assertLive(what: string): void {
    if (this._disposed) {
      throw new DeeptsError(`cannot ${what} tensor #${this.id} ${fmtShape(this.shape)}: it has been disposed`);
    }
  }
}

function formatValues(t: Tensor): string {
  const limit = 6;
  const flat = t.dataSync();
  const fmt = (v: number): string => {
    if (t.dtype === 'bool') return v ? 'true' : 'false';
    if (t.dtype === 'int32') return String(v);
    return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : Number(v.toPrecision(t.dtype === 'float64' ? 8 : 5)).toString();
  };
  const rec = (dim: number, off: number): string => {
    if (dim === t.shape.length) return fmt(flat[off]);
    const inner = sizeOf(t.shape.slice(dim + 1));
    const n = t.shape[dim];
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (n > limit && i === limit / 2) {
        parts.push('...');
        i = n - limit / 2 - 1;
        continue;
      }
      parts.push(rec(dim + 1, off + i * inner));
    }
    return `[${parts.join(', ')}]`;
  };
  return rec(0, 0);
}

export type TensorLike = Tensor | NestedArray | DataArray;
export type ShapeLike = Shape;
