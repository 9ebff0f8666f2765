/** Tensor lifetimes: refcounted storage, dispose/using, scope/keep, the FinalizationRegistry safety net. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as dt from '../../src/index.js';
import { assertThrowsWith, values } from '../helpers/assert.js';
import { totalBytes } from '../helpers/use-cpu.js';

const live = (): number => dt.memory().numTensors;
const bytes = (): number => totalBytes();

describe('training loops keep memory flat', () => {
  dt.seed(0);
  const x = dt.keep(dt.randn([32, 3]));
  const trueW = dt.keep(dt.tensor([[2], [-1], [0.5]]));
  const y = dt.keep(dt.matmul(x, trueW).add(0.3));

  test('1000 steps of forward, backward() and a manual SGD update inside scope', () => {
    let w = dt.variable(dt.zeros([3, 1]), { name: 'w' });
    let b = dt.variable(dt.zeros([1]), { name: 'b' });
    const lr = 0.1;
    const step = (): number =>
      dt.scope(() => {
        const loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        dt.noGrad(() => {
          const nw = dt.variable(w.sub(w.grad!.mul(lr)), { name: 'w' });
          const nb = dt.variable(b.sub(b.grad!.mul(lr)), { name: 'b' });
          w.dispose(); // also frees w.grad
          b.dispose();
          w = nw;
          b = nb;
        });
        return loss.item();
      });
    const first = step();
    const n = live();
    const m = bytes();
    const samples: [number, number, number][] = [];
    let last = first;
    for (let i = 2; i <= 1000; i++) {
      last = step();
      if (i % 250 === 0) samples.push([i, live(), bytes()]);
    }
    for (const [i, ln, by] of samples) {
      assert.equal(ln, n, `live tensors after step ${i}`);
      assert.equal(by, m, `bytes after step ${i}`);
    }
    assert.ok(last < 1e-6 && last < first, `loss ${first} -> ${last}`);
    assert.ok(Math.abs(values(w)[0] - 2) < 1e-3);
    w.dispose();
    b.dispose();
  });

  test('the same with valueAndGrad and with a GradientTape', () => {
    let w = dt.keep(dt.zeros([3, 1]));
    const loss = (wt: dt.Tensor): dt.Tensor => x.matmul(wt).sub(y).square().mean();
    const vg = dt.valueAndGrad(loss);
    const counts: number[] = [];
    for (let i = 0; i < 300; i++) {
      dt.scope(() => {
        if (i % 2) {
          const [, g] = vg(w);
          const nw = dt.keep(w.sub(g.mul(0.1)));
          w.dispose();
          w = nw;
        } else {
          const tape = new dt.GradientTape();
          tape.watch(w);
          const g = tape.gradient(loss(w), w)!;
          const nw = dt.keep(dt.noGrad(() => w.sub(g.mul(0.1))));
          w.dispose();
          w = nw;
        }
      });
      counts.push(live(), bytes());
    }
    assert.deepEqual(new Set(counts.slice(4)).size, 2, 'one tensor count and one byte count throughout');
    w.dispose();
  });
});

describe('dispose', () => {
  test('frees the bytes; twice is safe', () => {
    const m = bytes();
    const n = live();
    const t = dt.ones([100]);
    assert.equal(bytes(), m + 400);
    assert.equal(live(), n + 1);
    t.dispose();
    assert.ok(t.isDisposed);
    assert.equal(bytes(), m);
    assert.equal(live(), n);
    t.dispose();
    assert.equal(bytes(), m);
    assert.equal(live(), n);
  });
  test('using a disposed tensor throws a clear error', () => {
    const t = dt.ones([2, 3]);
    t.dispose();
    assertThrowsWith(() => t.add(1), dt.DeeptsError, `cannot use tensor #${t.id} [2,3]: it has been disposed`);
    assertThrowsWith(() => t.dataSync(), dt.DeeptsError, `cannot read tensor #${t.id} [2,3]: it has been disposed`);
    assertThrowsWith(() => t.detach(), dt.DeeptsError, /cannot detach tensor #\d+ \[2,3\]: it has been disposed/);
    assertThrowsWith(() => dt.matmul(dt.ones([1, 2]), t), dt.DeeptsError, /it has been disposed/);
    assert.equal(t.toString(), 'Tensor(disposed, shape=[2,3], dtype=float32)');
  });
  test('disposing a tensor frees its .grad', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    x.square().sum().backward();
    const g = x.grad!;
    x.dispose();
    assert.ok(g.isDisposed);
    assert.equal(x.grad, null);
  });
  test('`using` disposes at the end of the block', () => {
    const m = bytes();
    let escaped: dt.Tensor;
    {
      using t = dt.ones([10]);
      using u = t.mul(2);
      escaped = u;
      assert.equal(u.sum().item(), 20);
    }
    assert.ok(escaped.isDisposed);
    // sum()'s result was not `using`-ed: free it through a scope-less dispose of everything else
    assert.ok(bytes() - m <= 4, 'only the un-`using`-ed sum result is left');
  });
});

describe('scope and keep', () => {
  test('frees everything created inside except the result', () => {
    const n = live();
    const m = bytes();
    const r = dt.scope(() => {
      const a = dt.ones([10]);
      const b = a.mul(2).add(1);
      return b.sum();
    });
    assert.equal(r.item(), 30);
    assert.equal(live(), n + 1);
    r.dispose();
    assert.equal(live(), n);
    assert.equal(bytes(), m);
  });
  test('results may be arrays, objects and Maps of tensors', () => {
    const n = live();
    const r = dt.scope(() => {
      const a = dt.ones([2]);
      return { list: [a.add(1), a.add(2)], map: new Map([['k', a.add(3)]]), n: 5 };
    });
    assert.equal(live(), n + 3);
    assert.deepEqual(values(r.map.get('k')!), [4, 4]);
    for (const t of [...r.list, r.map.get('k')!]) t.dispose();
    assert.equal(live(), n);
  });
  test('nested scopes hand results outwards', () => {
    const n = live();
    const outer = dt.scope(() => {
      const inner = dt.scope(() => dt.ones([2]).add(1));
      assert.ok(!inner.isDisposed);
      return inner.mul(3);
    });
    assert.deepEqual(values(outer), [6, 6]);
    assert.equal(live(), n + 1);
    outer.dispose();
  });
  test('keep exempts a tensor; tidy is an alias', () => {
    const n = live();
    let kept: dt.Tensor | undefined;
    dt.tidy(() => {
      kept = dt.keep(dt.ones([3]));
      dt.ones([3]);
    });
    assert.ok(!kept!.isDisposed);
    assert.equal(live(), n + 1);
    kept!.dispose();
  });
  test('an exception frees what the scope created', () => {
    const n = live();
    const m = bytes();
    assert.throws(() =>
      dt.scope(() => {
        dt.ones([100]).add(1);
        throw new Error('boom');
      }),
    /boom/);
    assert.equal(live(), n);
    assert.equal(bytes(), m);
  });
  test('a scope around backward frees the graph but keeps .grad', () => {
    const x = dt.tensor([1, 2, 3], { requiresGrad: true });
    const n = live();
    dt.scope(() => {
      x.exp().mul(x).sum().backward();
    });
    assert.equal(live(), n + 1, 'only x.grad remains');
    assert.ok(!x.grad!.isDisposed);
    x.dispose();
  });
  test('ops free their own intermediates right away when nothing is recorded', () => {
    const x = dt.randn([4, 5]);
    const v = dt.ones([5]);
    const ops: [string, () => dt.Tensor][] = [
      ['gelu', () => dt.gelu(x)],
      ['logSoftmax', () => dt.logSoftmax(x, -1)],
      ['std', () => dt.std(x, 0, true)],
      ['matmul of a vector', () => dt.matmul(x, v)],
      ['x.add(2.5)', () => x.add(2.5)],
      ['slice with an index', () => x.slice([1, { step: 2 }])],
      ['gather with a JS array', () => x.gather([0, -1], 1)],
      ['any', () => dt.any(x, 1)],
    ];
    for (const [name, f] of ops) {
      const n = live();
      const y = f();
      assert.equal(live(), n + 1, `${name} leaves only its result`);
      y.dispose();
    }
  });
});

describe('FinalizationRegistry safety net', () => {
  test('dropped tensors are freed after garbage collection', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const n = live();
    const m = bytes();
    (() => {
      for (let i = 0; i < 50; i++) dt.ones([1000]).add(1);
    })();
    assert.ok(live() >= n + 100);
    assert.ok(bytes() >= m + 100 * 4000);
    for (let i = 0; i < 100 && (live() > n || bytes() > m); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(live() <= n, `live ${live()} > ${n}`);
    assert.ok(bytes() <= m, `bytes ${bytes()} > ${m}`);
  });
});
