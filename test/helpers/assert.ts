/** Small assertions shared by the tests. */
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/index.js';

/** A tensor's elements as a plain number array (row-major). */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** Elementwise |actual - expected| <= atol + rtol * |expected|, with a message naming the worst element. */
export function assertClose(actual: Tensor | ArrayLike<number> | number, expected: Tensor | ArrayLike<number> | number, options: { rtol?: number; atol?: number; message?: string } = {}): void {
  const { rtol = 1e-5, atol = 1e-6 } = options;
  const a = typeof actual === 'number' ? [actual] : isTensor(actual) ? values(actual) : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : isTensor(expected) ? values(expected) : Array.from(expected);
  assert.equal(a.length, e.length, `${options.message ?? 'assertClose'}: ${a.length} values, expected ${e.length}`);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : a[i] === e[i] || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    // The message joins every element, so it is built only on failure (building it per element made large comparisons quadratic).
    if (!ok) assert.fail(`${options.message ?? 'assertClose'}: element ${i} is ${a[i]}, expected ${e[i]} (rtol ${rtol}, atol ${atol})\n  actual:   ${a.join(', ')}\n  expected: ${e.join(', ')}`);
  }
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'dataSync' in x;
}

/** Runs fn and asserts it throws an error of class `type` whose message equals or matches `message`. */
export function assertThrowsWith(fn: () => unknown, type: new (...args: never[]) => Error, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}
