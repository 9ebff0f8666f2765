/** Errors are typed (ShapeError, DTypeError, ValueError all extend DeeptsError) and name the op and the shapes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { assertThrowsWith } from '../helpers/assert.js';
import '../helpers/use-cpu.js';

const z = (...shape: number[]): dt.Tensor => dt.zeros(shape);

describe('shape errors name the op and the shapes', () => {
  const cases: [string, () => unknown, string][] = [
    ['matmul inner', () => dt.matmul(z(128, 784), z(512, 10)), 'matmul: inner dimensions differ: [128,784] x [512,10]'],
    ['matmul 1-D', () => dt.matmul(z(2, 3), z(4)), 'matmul: inner dimensions differ: [2,3] x [4]'],
    ['matmul batch', () => dt.matmul(z(2, 2, 3), z(3, 3, 2)), 'matmul: batch dimensions cannot be broadcast: [2,2,3] x [3,3,2]'],
    ['matmul rank 0', () => dt.matmul(z(), z(2)), 'matmul: operands must have rank >= 1, got [] x [2]'],
    ['dot', () => dt.dot(z(3), z(4)), 'dot: vector lengths differ: [3] . [4]'],
    ['outer', () => dt.outer(z(2, 2), z(3)), 'outer: expected two vectors, got [2,2] and [3]'],
    ['add broadcast', () => dt.add(z(2, 3), z(4)), 'add: shapes [2,3] and [4] cannot be broadcast together'],
    ['mul broadcast', () => z(2, 3).mul(z(3, 2)), 'mul: shapes [2,3] and [3,2] cannot be broadcast together'],
    ['greater broadcast', () => z(5).greater(z(2)), 'greater: shapes [5] and [2] cannot be broadcast together'],
    ['where broadcast', () => dt.where(dt.tensor([true, false]), z(3), 0), 'where: shapes [2] and [3] cannot be broadcast together'],
    ['reshape', () => z(2, 3).reshape([4]), 'reshape: cannot reshape [2,3] (6 elements) into [4]'],
    ['reshape -1', () => z(2, 3).reshape([4, -1]), 'reshape: cannot reshape [2,3] (6 elements) into [4,-1]'],
    ['reshape two -1', () => z(2, 3).reshape([-1, -1]), 'reshape: only one dimension may be -1, got [-1,-1]'],
    ['broadcastTo', () => z(2, 3).broadcastTo([3, 3]), 'expand: cannot broadcast [2,3] to [3,3]'],
    ['broadcastTo lower rank', () => z(2, 3).broadcastTo([3]), 'broadcastTo: cannot broadcast [2,3] to lower rank [3]'],
    ['concat', () => dt.concat([z(2, 3), z(3, 4)]), 'concat: shapes [2,3], [3,4] differ outside axis 0'],
    ['stack', () => dt.stack([z(2), z(3)]), 'stack: shapes differ: [2], [3]'],
    ['squeeze', () => z(2, 3).squeeze(0), 'squeeze: axis 0 of [2,3] has size 2, not 1'],
    ['split', () => z(5).split(2), 'split: axis 0 of size 5 does not split into 2 equal parts'],
    ['split sizes', () => z(2, 5).split([2, 2], 1), 'split: sizes [2,2] do not add up to 5 (axis 1 of [2,5])'],
    ['tile', () => z(2, 3).tile([2]), 'tile: 1 repetitions for a tensor of rank 2'],
    ['slice rank', () => z(2).slice([0, 0]), 'slice: 2 slice specs for a tensor of rank 1 [2]'],
    ['pad rank', () => z(2).pad([[1, 1], [1, 1]]), 'pad: 2 pad pairs for a tensor of rank 1'],
    ['max of empty', () => dt.max(z(0, 3), 0), 'max: cannot reduce over an empty axis of [0,3] (no identity)'],
    ['argmax of empty', () => dt.argmax(z(0, 3), 0), 'argmax: cannot reduce an empty axis 0 of [0,3]'],
  ];
  for (const [name, f, message] of cases) test(name, () => assertThrowsWith(f, dt.ShapeError, message));
});

describe('value errors', () => {
  const cases: [string, () => unknown, string][] = [
    ['axis out of range', () => dt.sum(z(2, 3), 3), 'sum: axis 3 is out of range for a tensor of rank 2'],
    ['negative axis out of range', () => dt.mean(z(2, 3), -3), 'mean: axis -3 is out of range for a tensor of rank 2'],
    ['repeated axis', () => dt.sum(z(2, 3), [1, -1]), 'sum: repeated axis in [1,-1]'],
    ['softmax axis', () => dt.softmax(z(2, 3), 2), 'softmax: axis 2 is out of range for a tensor of rank 2'],
    ['gather index', () => dt.gather(z(3), [5]), 'gather: index 5 is out of range for an axis of size 3'],
    ['gather negative index', () => dt.gather(z(3, 2), [-4]), 'gather: index -4 is out of range for an axis of size 3'],
    ['slice index', () => z(2, 3).slice([5]), 'slice: index 5 is out of range for axis 0 of size 2'],
    ['slice step', () => z(2).slice([{ step: 0 }]), 'slice: step must be a non-zero integer, got 0'],
    ['pad widths', () => z(2).pad([[-1, 0]]), 'pad: pad widths must be non-negative integers, got [[-1,0]]'],
    ['unknown backend', () => dt.setBackend('tpu'), /^unknown backend "tpu" \(registered: cpu/],
  ].map(([n, f, m]) => [n, f, m] as [string, () => unknown, string]);
  for (const [name, f, message] of cases) test(name, () => assertThrowsWith(f, dt.ValueError, message));
});

describe('error classes', () => {
  test('all extend DeeptsError and carry their class name', () => {
    for (const E of [dt.ShapeError, dt.DTypeError, dt.ValueError]) {
      const e = new E('x');
      assert.ok(e instanceof dt.DeeptsError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, E.name);
    }
    const f = new dt.FormatError('a.bin', 'bad magic', 4);
    assert.equal(f.message, 'a.bin: bad magic (at byte offset 4)');
    assert.ok(f instanceof dt.DeeptsError);
  });
  test('bugs in user code are not swallowed', () => {
    assert.throws(() => dt.scope(() => {
      throw new TypeError('mine');
    }), TypeError);
  });
});
