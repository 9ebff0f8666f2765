/** Creating tensors and reading them back. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rng from '../../src/core/random.js';
import * as dt from '../../src/index.js';
import { assertClose, assertThrowsWith, values } from '../helpers/assert.js';
import '../helpers/use-cpu.js';

describe('tensor()', () => {
  test('nested arrays give shape and float32 by default', () => {
    const t = dt.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(values(t), [1, 2, 3, 4, 5, 6]);
  });
  test('a number is rank 0, booleans are bool', () => {
    const s = dt.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.rank, 0);
    assert.equal(s.size, 1);
    assert.equal(s.item(), 3.5);
    const b = dt.tensor([[true, false], [false, true]]);
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(b.toArray(), [[true, false], [false, true]]);
    assert.equal(dt.scalar(true).dtype, 'bool');
    assert.equal(dt.scalar(2, 'int32').dtype, 'int32');
  });
  test('typed arrays pick their dtype; shape option reshapes', () => {
    assert.equal(dt.tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(dt.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(dt.tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(dt.tensor(new Uint8Array([1, 2])).dtype, 'int32');
    const t = dt.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(t.toArray(), [[1, 2], [3, 4], [5, 6]]);
  });
  test('the dtype option converts', () => {
    const t = dt.tensor([1.7, -2.2], { dtype: 'int32' });
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(values(t), [1, -2]);
    const f = dt.tensor([1, 2], { dtype: 'float64' });
    assert.ok(f.dataSync() instanceof Float64Array);
    const b = dt.tensor([0, 2, -1], { dtype: 'bool' });
    assert.deepEqual(b.toArray(), [false, true, true]);
  });
  test('the data is copied from typed arrays', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = dt.tensor(src);
    src[0] = 99;
    assert.deepEqual(values(t), [1, 2, 3]);
  });
  test('empty arrays give size-0 shapes', () => {
    assert.deepEqual(dt.tensor([]).shape, [0]);
    assert.deepEqual(dt.tensor([[], []]).shape, [2, 0]);
    assert.equal(dt.tensor([[], []]).size, 0);
  });
  test('ragged nested arrays throw ShapeError naming the position', () => {
    assertThrowsWith(() => dt.tensor([[1, 2], [3]]), dt.ShapeError, 'tensor: ragged nested array at [1]: expected 2 elements like the first row (shape [2,2])');
    assertThrowsWith(() => dt.tensor([[1], [2, 3]]), dt.ShapeError, /ragged nested array at \[1\]/);
    assertThrowsWith(() => dt.tensor([1, [2]] as unknown as number[]), dt.ShapeError, /ragged nested array at \[1\]: expected a number, found an array/);
    assertThrowsWith(() => dt.tensor([[[1, 2], [3, 4]], [[5, 6], [7]]]), dt.ShapeError, /at \[1\]\[1\]/);
  });
  test('non-numbers and shape mismatches are rejected', () => {
    assertThrowsWith(() => dt.tensor(['a'] as unknown as number[]), dt.ValueError, /element at \[0\] is "a"/);
    assertThrowsWith(() => dt.tensor(new Float32Array(5), { shape: [2, 3] }), dt.ShapeError, 'tensor: 5 values do not fill shape [2,3] (6 elements)');
    assertThrowsWith(() => dt.tensor([1], { dtype: 'float16' as dt.DType }), dt.DTypeError, /unknown dtype "float16"/);
  });
  test('passing a tensor returns it (or a converted copy)', () => {
    const t = dt.tensor([1, 2]);
    assert.equal(dt.tensor(t), t);
    assert.equal(dt.toTensor(t), t);
    const c = dt.tensor(t, { dtype: 'int32' });
    assert.equal(c.dtype, 'int32');
    assert.notEqual(c, t);
    assert.ok(dt.isTensor(t));
    assert.ok(!dt.isTensor([1, 2]));
  });
  test('requiresGrad option', () => {
    assert.ok(dt.tensor([1], { requiresGrad: true }).requiresGrad);
    assert.ok(!dt.tensor([1]).requiresGrad);
  });
});

describe('constant creators', () => {
  test('zeros/ones/full with dtypes', () => {
    assert.deepEqual(values(dt.zeros([2, 2])), [0, 0, 0, 0]);
    assert.deepEqual(values(dt.ones([3], 'int32')), [1, 1, 1]);
    assert.equal(dt.ones([3], 'int32').dtype, 'int32');
    assert.deepEqual(dt.full([2], 7.5).toArray(), [7.5, 7.5]);
    assert.deepEqual(dt.full([2], 1, 'bool').toArray(), [true, true]);
    assert.deepEqual(dt.zeros([]).shape, []);
    assert.equal(dt.zeros([3, 0]).size, 0);
    assertThrowsWith(() => dt.zeros([2, -1]), dt.ShapeError, /zeros: a shape must be an array of non-negative integers, got \[2,-1\]/);
    assertThrowsWith(() => dt.ones([1.5]), dt.ShapeError, /ones: a shape must be/);
  });
  test('zerosLike/onesLike/fullLike keep shape and dtype', () => {
    const x = dt.tensor([[1, 2, 3]], { dtype: 'float64' });
    for (const [t, v] of [[dt.zerosLike(x), 0], [dt.onesLike(x), 1], [dt.fullLike(x, 4), 4]] as const) {
      assert.deepEqual(t.shape, [1, 3]);
      assert.equal(t.dtype, 'float64');
      assert.deepEqual(values(t), [v, v, v]);
    }
    assert.equal(dt.zerosLike(x, 'int32').dtype, 'int32');
  });
  test('arange like NumPy', () => {
    const a = dt.arange(5);
    assert.equal(a.dtype, 'int32');
    assert.deepEqual(values(a), [0, 1, 2, 3, 4]);
    assert.deepEqual(values(dt.arange(2, 5)), [2, 3, 4]);
    assert.deepEqual(values(dt.arange(5, 0, -2)), [5, 3, 1]);
    const f = dt.arange(0, 1, 0.25);
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(values(f), [0, 0.25, 0.5, 0.75]);
    assert.equal(dt.arange(3, 3).size, 0);
    assert.equal(dt.arange(3, 0).size, 0);
    assert.equal(dt.arange(3, undefined, 1, 'float64').dtype, 'float64');
    assertThrowsWith(() => dt.arange(0, 5, 0), dt.ValueError, 'arange: step must not be zero');
  });
  test('linspace includes both ends', () => {
    assertClose(dt.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    assertClose(dt.linspace(-1, 1, 3, 'float64'), [-1, 0, 1]);
    assert.deepEqual(values(dt.linspace(2, 3, 1)), [2]);
    assert.equal(dt.linspace(0, 1, 0).size, 0);
    assertThrowsWith(() => dt.linspace(0, 1, -1), dt.ValueError, /linspace: num must be a non-negative integer/);
  });
  test('eye', () => {
    assert.deepEqual(dt.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(dt.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.equal(dt.eye(2, 2, 'int32').dtype, 'int32');
  });
});

describe('random creators', () => {
  test('the same seed gives the same numbers, another seed others', () => {
    const draw = (): number[][] => [values(dt.rand([5])), values(dt.randn([5])), values(dt.randint(0, 10, [5]))];
    dt.seed(42);
    const a = draw();
    dt.seed(42);
    const b = draw();
    dt.seed(43);
    const c = draw();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0], c[0]);
    assert.notDeepEqual(a[1], c[1]);
  });
  test('the generator state can be saved and restored', () => {
    dt.seed(7);
    dt.randn([3]); // leaves a spare normal behind
    const state = dt.getRngState();
    const a = [values(dt.randn([3])), values(dt.rand([3]))];
    dt.setRngState(state);
    const b = [values(dt.randn([3])), values(dt.rand([3]))];
    assert.deepEqual(a, b);
  });
  test('rand is uniform in [low, high)', () => {
    dt.seed(1);
    const v = values(dt.rand([2000], { low: -2, high: 3 }));
    assert.ok(v.every((x) => x >= -2 && x < 3));
    const mean = v.reduce((p, x) => p + x, 0) / v.length;
    assert.ok(Math.abs(mean - 0.5) < 0.15, `mean ${mean}`);
    assert.equal(dt.rand([2], { dtype: 'float64' }).dtype, 'float64');
  });
  test('float32 rand draws the stream element by element, like the per-draw generator', () => {
    dt.seed(5);
    const a = [values(dt.rand([7], { low: -1, high: 2 })), values(dt.rand([3]))];
    dt.seed(5);
    const one = (low: number, high: number): number => Math.fround(low + (high - low) * rng.uniformFloat32());
    const b = [Array.from({ length: 7 }, () => one(-1, 2)), Array.from({ length: 3 }, () => one(0, 1))];
    assert.deepEqual(a, b);
  });
  test('randn has the requested mean and std', () => {
    dt.seed(2);
    const v = values(dt.randn([4000], { mean: 3, std: 2 }));
    const mean = v.reduce((p, x) => p + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((p, x) => p + (x - mean) ** 2, 0) / v.length);
    assert.ok(Math.abs(mean - 3) < 0.1, `mean ${mean}`);
    assert.ok(Math.abs(sd - 2) < 0.1, `std ${sd}`);
  });
  test('randint gives int32 in [low, high), all values reached', () => {
    dt.seed(3);
    const t = dt.randint(-2, 3, [500]);
    assert.equal(t.dtype, 'int32');
    const v = values(t);
    assert.ok(v.every((x) => Number.isInteger(x) && x >= -2 && x < 3));
    assert.deepEqual([...new Set(v)].sort(), [-1, -2, 0, 1, 2].sort());
    assertThrowsWith(() => dt.randint(3, 3, [2]), dt.ValueError, /randint: high \(3\) must be greater than low \(3\)/);
    assertThrowsWith(() => dt.rand([2], { dtype: 'bool' }), dt.DTypeError, /rand: cannot draw bool values/);
  });
});

describe('readback', () => {
  const t = dt.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
  test('shape, dtype, size, rank', () => {
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'int32');
    assert.equal(t.size, 6);
    assert.equal(t.rank, 2);
  });
  test('dataSync and data() return row-major copies of the view', async () => {
    const d = t.dataSync();
    assert.ok(d instanceof Int32Array);
    assert.deepEqual(Array.from(d), [1, 2, 3, 4, 5, 6]);
    d[0] = 100;
    assert.equal(t.dataSync()[0], 1, 'dataSync returns a copy');
    assert.deepEqual(Array.from(await t.data()), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(t.transpose().dataSync()), [1, 4, 2, 5, 3, 6]);
  });
  test('toArray gives nested arrays; rank 0 gives a number', () => {
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.transpose().toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.equal(dt.scalar(5).toArray(), 5);
    assert.deepEqual(dt.zeros([2, 0]).toArray(), [[], []]);
  });
  test('item reads a single element', () => {
    assert.equal(dt.scalar(2.5).item(), 2.5);
    assert.equal(dt.tensor([[7]]).item(), 7);
    assertThrowsWith(() => t.item(), dt.DeeptsError, 'item: the tensor has 6 elements [2,3], expected exactly 1');
  });
  test('toString shows values, shape and dtype, eliding long axes', () => {
    assert.equal(t.toString(), 'Tensor([[1, 2, 3], [4, 5, 6]], shape=[2,3], dtype=int32)');
    assert.equal(dt.tensor([1.5, 2]).toString(), 'Tensor([1.5, 2.0], shape=[2], dtype=float32)');
    assert.equal(dt.tensor([true, false]).toString(), 'Tensor([true, false], shape=[2], dtype=bool)');
    assert.equal(dt.arange(20).toString(), 'Tensor([0, 1, 2, ..., 17, 18, 19], shape=[20], dtype=int32)');
    assert.match(dt.tensor([1], { requiresGrad: true }).mul(2).toString(), /requiresGrad\)$/);
    assert.equal(String(dt.scalar(3)), 'Tensor(3.0, shape=[], dtype=float32)');
  });
});
