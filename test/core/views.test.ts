/** Views: reshape/transpose/slice/broadcast/squeeze change strides, not data; storage is shared and refcounted. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { values } from '../helpers/assert.js';
import { totalBytes } from '../helpers/use-cpu.js';

const bytes = (): number => totalBytes();

describe('views share memory', () => {
  const views: [string, (x: dt.Tensor) => dt.Tensor][] = [
    ['reshape', (x) => x.reshape([4, -1])],
    ['transpose', (x) => x.transpose()],
    ['permute', (x) => x.permute([2, 0, 1])],
    ['swapAxes', (x) => x.swapAxes(0, 1)],
    ['slice', (x) => x.slice([1, { start: 2, step: -1 }])],
    ['narrow', (x) => x.narrow(2, 1, 2)],
    ['split', (x) => x.split(2, 0)[1]],
    ['expand', (x) => x.reshape([1, 2, 3, 4]).expand([5, 2, 3, 4])],
    ['unsqueeze', (x) => x.unsqueeze(-1)],
    ['squeeze', (x) => x.unsqueeze(0).squeeze()],
    ['flatten', (x) => x.flatten()],
    ['detach', (x) => x.detach()],
  ];
  for (const [name, f] of views) {
    test(`${name} allocates no bytes and shares the storage`, () => {
      dt.scope(() => {
        const x = dt.arange(24, undefined, 1, 'float32').reshape([2, 3, 4]);
        const before = bytes();
        const n = dt.memory().numTensors;
        const v = f(x);
        assert.equal(bytes(), before, `${name} copied data`);
        assert.equal(v.storage, x.storage);
        assert.ok(dt.memory().numTensors > n, 'a view is a new handle');
      });
    });
  }

  test('views read the right elements', () => {
    const x = dt.arange(12).reshape([3, 4]);
    assert.deepEqual(x.transpose().toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    assert.deepEqual(x.slice([{ step: -1 }, { start: 1, stop: 3 }]).toArray(), [[9, 10], [5, 6], [1, 2]]);
    assert.deepEqual(x.slice([null, -1]).toArray(), [3, 7, 11]);
    assert.deepEqual(dt.tensor([1, 2]).reshape([2, 1]).expand([2, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
    // a view of a view
    assert.deepEqual(x.transpose().slice([{ start: 1 }, 0]).toArray(), [1, 2, 3]);
  });

  test('non-contiguous views report it; contiguous() and clone() copy', () => {
    dt.scope(() => {
      const x = dt.zeros([4, 5]);
      assert.ok(x.isContiguous);
      const t = x.transpose();
      assert.ok(!t.isContiguous);
      assert.ok(!x.slice([{ start: 1 }]).isContiguous, 'an offset view does not cover the storage');
      const before = bytes();
      const c = t.contiguous();
      assert.equal(bytes(), before + 4 * 20);
      assert.ok(c.isContiguous);
      assert.equal(x.contiguous(), x, 'contiguous() of a contiguous tensor is itself');
      const k = x.clone();
      assert.notEqual(k.storage, x.storage);
    });
  });

  test('reshape of a non-contiguous view copies (once)', () => {
    dt.scope(() => {
      const t = dt.arange(6, undefined, 1, 'float32').reshape([2, 3]).transpose();
      const before = bytes();
      const r = t.reshape([-1]);
      assert.deepEqual(values(r), [0, 3, 1, 4, 2, 5]);
      assert.equal(bytes(), before + 6 * 4);
    });
  });

  test('reshape of a strided view is a view when the strides allow it', () => {
    dt.scope(() => {
      const x = dt.arange(24, undefined, 1, 'float32').reshape([4, 6]);
      const rows = x.slice([{ step: 2 }]); // [2,6], rows 0 and 2
      const before = bytes();
      const split = rows.reshape([2, 2, 3]);
      assert.equal(bytes(), before, 'splitting a contiguous run needs no copy');
      assert.deepEqual(split.toArray(), [[[0, 1, 2], [3, 4, 5]], [[12, 13, 14], [15, 16, 17]]]);
      const t = x.transpose(); // [6,4]
      const u = t.unsqueeze(1).reshape([6, 1, 2, 2]).squeeze(1);
      assert.equal(bytes(), before, 'size-1 axes and splitting the last axis of a transpose need no copy');
      assert.deepEqual(u.slice([1]).toArray(), [[1, 7], [13, 19]]);
      const rev = dt.arange(6, undefined, 1, 'float32').slice([{ step: -1 }]).reshape([2, 3]);
      assert.equal(bytes(), before + 24, 'arange itself');
      assert.deepEqual(rev.toArray(), [[5, 4, 3], [2, 1, 0]]);
      const flat = rows.reshape([-1]);
      assert.equal(bytes(), before + 24 + 48, 'merging rows 0 and 2 needs a copy');
      assert.deepEqual(values(flat), [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]);
    });
  });

  test('the storage lives until its last view is disposed', () => {
    const before = bytes();
    const x = dt.zeros([10]);
    const v = x.slice([{ start: 2 }]);
    assert.equal(bytes(), before + 40);
    x.dispose();
    assert.equal(bytes(), before + 40, 'the view still holds the storage');
    assert.deepEqual(values(v), new Array(8).fill(0));
    v.dispose();
    assert.equal(bytes(), before);
  });

  test('views of a float64 tensor keep float64', () => {
    const x = dt.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    assert.equal(x.transpose().dtype, 'float64');
    assert.ok(x.transpose().dataSync() instanceof Float64Array);
  });
});

describe('broadcasting', () => {
  test('NumPy rules: align right, size-1 dims stretch', () => {
    const a = dt.tensor([[1], [2], [3]]); // [3,1]
    const b = dt.tensor([10, 20]); // [2]
    const s = a.add(b);
    assert.deepEqual(s.shape, [3, 2]);
    assert.deepEqual(s.toArray(), [[11, 21], [12, 22], [13, 23]]);
    assert.deepEqual(dt.zeros([4, 1, 3]).add(dt.zeros([2, 1])).shape, [4, 2, 3]);
    assert.deepEqual(dt.scalar(1).add(dt.zeros([0, 3])).shape, [0, 3]);
  });
  test('broadcast gradients are summed back to the input shape', () => {
    const a = dt.tensor([[1], [2], [3]], { requiresGrad: true });
    const b = dt.tensor([10, 20], { requiresGrad: true });
    a.mul(b).sum().backward();
    assert.deepEqual(a.grad!.shape, [3, 1]);
    assert.deepEqual(values(a.grad!), [30, 30, 30]);
    assert.deepEqual(b.grad!.shape, [2]);
    assert.deepEqual(values(b.grad!), [6, 6]);
  });
});
