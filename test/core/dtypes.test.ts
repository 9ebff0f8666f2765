/** dtypes and type promotion: bool < int32 < float32 < float64; JS numbers are "weak". */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { assertThrowsWith, values } from '../helpers/assert.js';
import '../helpers/use-cpu.js';

const i32 = (v: number[]): dt.Tensor => dt.tensor(v, { dtype: 'int32' });
const f64 = (v: number[]): dt.Tensor => dt.tensor(v, { dtype: 'float64' });
const b = (v: boolean[]): dt.Tensor => dt.tensor(v);

describe('promotion between tensors', () => {
  const cases: [string, () => dt.Tensor, dt.DType][] = [
    ['int32 + float32', () => i32([1]).add(dt.tensor([1])), 'float32'],
    ['float32 + float64', () => dt.tensor([1]).add(f64([1])), 'float64'],
    ['int32 * float64', () => i32([1]).mul(f64([1])), 'float64'],
    ['bool + int32', () => b([true]).add(i32([1])), 'int32'],
    ['bool * float32', () => b([true]).mul(dt.tensor([2])), 'float32'],
    ['bool + bool (arithmetic goes to int32)', () => b([true]).add(b([true])), 'int32'],
    ['int32 / int32 (true division)', () => i32([7]).div(i32([2])), 'float32'],
    ['int32 matmul float32', () => dt.matmul(dt.tensor([[1, 2]], { dtype: 'int32' }), dt.tensor([[1], [2]])), 'float32'],
    ['where(int32, float64)', () => dt.where(b([true]), i32([1]), f64([2])), 'float64'],
    ['maximum(int32, float32)', () => dt.maximum(i32([1]), dt.tensor([0.5])), 'float32'],
  ];
  for (const [name, f, want] of cases) test(name, () => assert.equal(f().dtype, want));
});

describe('JS scalars are weak', () => {
  test('int32 + 2.5 becomes float32; int32 + 2 stays int32', () => {
    const r = i32([1, 2]).add(2.5);
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(values(r), [3.5, 4.5]);
    const s = i32([1, 2]).add(2);
    assert.equal(s.dtype, 'int32');
    assert.deepEqual(values(s), [3, 4]);
  });
  test('float64 stays float64 with JS numbers (no float32 rounding)', () => {
    const r = f64([1]).mul(0.1);
    assert.equal(r.dtype, 'float64');
    assert.equal(values(r)[0], 0.1);
    assert.equal(dt.sub(1, f64([0.1])).dtype, 'float64');
    assert.equal(dt.pow(f64([2]), 0.5).dtype, 'float64');
    assert.equal(values(dt.pow(f64([2]), 0.5))[0], Math.SQRT2);
  });
  test('float32 stays float32 with JS numbers', () => {
    assert.equal(dt.tensor([1]).mul(0.1).dtype, 'float32');
    assert.equal(dt.tensor([1]).add(3).dtype, 'float32');
  });
  test('bool with JS numbers and booleans', () => {
    assert.equal(b([true, false]).add(1).dtype, 'int32');
    assert.deepEqual(values(b([true, false]).add(1)), [2, 1]);
    assert.equal(b([true]).mul(1.5).dtype, 'float32');
    assert.deepEqual(b([true, false]).logicalAnd(true).toArray(), [true, false]);
  });
});

describe('bool arithmetic and logic', () => {
  test('bool arithmetic counts trues', () => {
    assert.deepEqual(values(b([true, true, false]).add(b([true, false, false]))), [2, 1, 0]);
    assert.equal(dt.sum(b([true, true, false])).item(), 2);
    assert.equal(dt.sum(b([true, true, false])).dtype, 'int32');
    assert.equal(dt.neg(b([true])).dtype, 'int32');
    assert.deepEqual(values(dt.mean(b([true, false, true, true]))), [0.75]);
  });
  test('comparisons and logical ops give bool', () => {
    assert.equal(dt.tensor([1, 2]).greater(1).dtype, 'bool');
    assert.equal(i32([1]).equal(dt.tensor([1])).dtype, 'bool');
    assert.deepEqual(i32([1, 2]).equal(dt.tensor([1, 2.5])).toArray(), [true, false]);
    assert.deepEqual(dt.logicalOr(dt.tensor([0, 2]), i32([0, 0])).toArray(), [false, true]);
    assert.deepEqual(dt.logicalNot(dt.tensor([0, 0.5])).toArray(), [true, false]);
  });
});

describe('integer semantics', () => {
  test('int32 wraps like C on overflow', () => {
    assert.deepEqual(values(i32([2147483647]).add(1)), [-2147483648]);
    assert.deepEqual(values(i32([65536]).mul(i32([65536]))), [0]);
  });
  test('float-only functions promote int32 to float32', () => {
    for (const f of [dt.exp, dt.log, dt.sqrt, dt.sin, dt.tanh, dt.sigmoid, dt.erf]) assert.equal(f(i32([1])).dtype, 'float32');
    assert.equal(dt.abs(i32([-1])).dtype, 'int32');
    assert.equal(dt.mean(i32([1, 2])).dtype, 'float32');
    assert.equal(dt.argmax(dt.tensor([1, 3, 2])).dtype, 'int32');
  });
  test('cast truncates toward zero; NaN and infinities become 0', () => {
    assert.deepEqual(values(dt.tensor([1.9, -1.9, NaN, Infinity]).cast('int32')), [1, -1, 0, 0]);
    assert.deepEqual(dt.tensor([0, -0.5, NaN]).cast('bool').toArray(), [false, true, true]);
    assert.equal(dt.cast(dt.tensor([1]), 'float32').dtype, 'float32');
  });
});

describe('dtype errors', () => {
  test('unknown dtypes are DTypeErrors', () => {
    assertThrowsWith(() => dt.zeros([1], 'uint8' as dt.DType), dt.DTypeError, 'zeros: unknown dtype "uint8" (expected one of float32, float64, int32, bool)');
  });
  test('bool matmul and non-int indices', () => {
    assertThrowsWith(() => dt.matmul(b([true]), b([true])), dt.DTypeError, 'matmul: not defined for bool tensors');
    assertThrowsWith(() => dt.concat([dt.tensor([1]), i32([1])]), dt.DTypeError, 'concat: dtypes differ: float32 vs int32');
  });
  test('only float tensors can require gradients', () => {
    assertThrowsWith(() => {
      i32([1]).requiresGrad = true;
    }, dt.DeeptsError, 'requiresGrad: only float tensors can require gradients, this one is int32');
  });
  test('integer results are not recorded for autograd', () => {
    const x = dt.tensor([1.5, 2.5], { requiresGrad: true });
    assert.ok(!x.cast('int32').requiresGrad);
    assert.ok(!x.greater(2).requiresGrad);
    assert.ok(!dt.argmax(x).requiresGrad);
  });
});
