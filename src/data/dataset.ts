/**
 * A small Dataset helper: a sequence of elements (tensors or tuples/objects of tensors) with batch, shuffle,
 * take, skip, map, and iteration. Built from tensors sliced along the first axis.
 */
import { ValueError, ShapeError } from '../core/errors.js';
import { fromData } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/create.js';
import { gather } from '../ops/movement.js';
import { permutation, seed as seedGlobal, getRngState, setRngState } from '../core/random.js';

type Element = Tensor | Tensor[] | Record<string, Tensor>;

function mapElement(e: Element, f: (t: Tensor) => Tensor): Element {
  if (Array.isArray(e)) return e.map(f);
  if ('shape' in e && 'dtype' in e) return f(e as Tensor);
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, f(v)]));
}
function firstTensor(e: Element): Tensor {
  if (Array.isArray(e)) return e[0];
  if ('shape' in e && 'dtype' in e) return e as Tensor;
  return Object.values(e)[0];
}

export class Dataset<E extends Element = Element> {
  private constructor(
    private readonly source: E,
    private readonly indices: Int32Array,
    private readonly batchSize: number | null,
    private readonly mapper: ((e: E) => E) | null,
  ) {}

  /** Elements are the rows (first-axis slices) of the tensors; all must have the same length. */
  static fromTensors<T extends Element>(tensors: T): Dataset<T> {
    const lengths: number[] = [];
    mapElement(tensors, (t) => {
      if (t.rank === 0) throw new ShapeError('Dataset.fromTensors: tensors need a first (sample) axis');
      lengths.push(t.shape[0]);
      return t;
    });
    if (lengths.some((n) => n !== lengths[0])) throw new ShapeError(`Dataset.fromTensors: tensors have different lengths ${JSON.stringify(lengths)}`);
    const idx = new Int32Array(lengths[0]);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return new Dataset(tensors, idx, null, null);
  }

  /** Number of elements (batches, once batched). */
  get length(): number {
    return this.batchSize === null ? this.indices.length : Math.ceil(this.indices.length / this.batchSize);
  }

  /** A reordered copy; `seed` makes the order reproducible without disturbing the global stream. */
  shuffle(seed?: number): Dataset<E> {
    let perm: Int32Array;
    if (seed === undefined) perm = permutation(this.indices.length);
    else {
      const saved = getRngState();
      seedGlobal(seed);
      perm = permutation(this.indices.length);
      setRngState(saved);
    }
    return new Dataset(this.source, perm.map((p) => this.indices[p]), this.batchSize, this.mapper);
  }

  batch(size: number): Dataset<E> {
    if (!Number.isInteger(size) || size <= 0) throw new ValueError(`Dataset.batch: size must be a positive integer, got ${size}`);
    return new Dataset(this.source, this.indices, size, this.mapper);
  }

  take(n: number): Dataset<E> {
    const count = this.batchSize === null ? n : n * this.batchSize;
    return new Dataset(this.source, this.indices.slice(0, Math.max(0, count)), this.batchSize, this.mapper);
  }

  skip(n: number): Dataset<E> {
    const count = this.batchSize === null ? n : n * this.batchSize;
    return new Dataset(this.source, this.indices.slice(Math.max(0, count)), this.batchSize, this.mapper);
  }

  /** Applies `f` to each element (or batch) as it is produced. */
  map(f: (e: E) => E): Dataset<E> {
    const prev = this.mapper;
    return new Dataset(this.source, this.indices, this.batchSize, prev ? (e) => f(prev(e)) : f);
  }

  /** Yields elements (unbatched: one sample with its leading axis removed) or batches. */
  *[Symbol.iterator](): Iterator<E> {
    const size = this.batchSize ?? 1;
    for (let start = 0; start < this.indices.length; start += size) {
      const idxArr = this.indices.subarray(start, Math.min(start + size, this.indices.length));
      const idx = fromData(idxArr, [idxArr.length], 'int32');
      let e = mapElement(this.source, (t) => {
        const rows = gather(t, idx, 0);
        return this.batchSize === null ? rows.reshape(t.shape.slice(1)) : rows;
      }) as E;
      idx.dispose();
      if (this.mapper) e = this.mapper(e);
      yield e;
    }
  }

  /** All elements as an array (useful for small datasets). */
  toArray(): E[] {
    return [...this];
  }

  /** The number of samples in one element's first tensor (for batches: the batch size). */
  static sizeOf(e: Element): number {
    return firstTensor(e).shape[0];
  }
}

/** One-hot encodes integer class labels: [N] → [N, numClasses] float32 (like keras.utils.to_categorical). */
export function toCategorical(labels: Tensor | number[] | Int32Array, numClasses?: number): Tensor {
  const data = labels instanceof Int32Array || Array.isArray(labels) ? Int32Array.from(labels) : Int32Array.from(labels.dataSync());
  const shape = labels instanceof Int32Array || Array.isArray(labels) ? [data.length] : labels.shape.slice();
  const k = numClasses ?? (data.length ? Math.max(...data) + 1 : 0);
  const out = new Float32Array(data.length * k);
  data.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new ValueError(`toCategorical: label ${c} at position ${i} is outside 0..${k - 1}`);
    out[i * k + c] = 1;
  });
  return tensor(out, { shape: [...shape, k] });
}
