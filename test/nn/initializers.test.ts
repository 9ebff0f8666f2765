import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import {
  Constant, GlorotNormal, GlorotUniform, HeNormal, Identity, Initializer, Orthogonal, RandomNormal, TRUNCATED_NORMAL_STD,
  VarianceScaling, computeFans, constant, getInitializer, glorotNormal, glorotUniform, heNormal, heUniform, identity,
  initializers, lecunNormal, lecunUniform, ones, orthogonal, randomNormal, randomUniform, serializeInitializer,
  truncatedNormal, varianceScaling, zeros, type InitializerLike,
} from '../../src/nn/initializers.js';

function stats(x: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    s += x[i];
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
  }
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / x.length), min, max };
}
const within = (a: number, b: number, rel: number, msg: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg}: expected ${b} (±${rel * 100}%), got ${a}`);

test('computeFans follows Keras (dense, conv kernels [kh,kw,in,out], vectors, scalars)', () => {
  assert.deepEqual(computeFans([]), [1, 1]);
  assert.deepEqual(computeFans([7]), [7, 7]);
  assert.deepEqual(computeFans([784, 128]), [784, 128]);
  assert.deepEqual(computeFans([3, 3, 16, 32]), [9 * 16, 9 * 32]);
  assert.deepEqual(computeFans([5, 8, 4]), [5 * 8, 5 * 4]);
});

test('zeros, ones, constant: values and dtypes', () => {
  assert.deepEqual(zeros().init([2, 2]).toArray(), [[0, 0], [0, 0]]);
  const o = ones().init([3], 'int32');
  assert.equal(o.dtype, 'int32');
  assert.deepEqual(o.toArray(), [1, 1, 1]);
  const c = constant(2.5).init([2], 'float64');
  assert.equal(c.dtype, 'float64');
  assert.deepEqual(c.toArray(), [2.5, 2.5]);
  assert.deepEqual(new Constant({ value: -1 }).init([1]).toArray(), [-1]);
  assert.equal(zeros().init([0, 4]).size, 0);
});

test('randomNormal / randomUniform / truncatedNormal: Keras defaults and statistics', () => {
  dt.seed(1);
  const n = randomNormal().init([200, 500]);
  assert.equal(n.dtype, 'float32');
  const sn = stats(n.dataSync());
  assert.ok(Math.abs(sn.mean) < 0.001, `mean ${sn.mean}`);
  within(sn.std, 0.05, 0.02, 'randomNormal std');
  const n2 = stats(randomNormal({ mean: 3, stddev: 2 }).init([100000]).dataSync());
  within(n2.mean, 3, 0.01, 'mean');
  within(n2.std, 2, 0.02, 'std');

  const u = stats(randomUniform().init([100000]).dataSync());
  assert.ok(u.min >= -0.05 && u.max < 0.05, `bounds ${u.min} ${u.max}`);
  within(u.std, 0.1 / Math.sqrt(12), 0.02, 'uniform std');
  const u2 = stats(randomUniform({ minval: 2, maxval: 3 }).init([50000]).dataSync());
  assert.ok(u2.min >= 2 && u2.max < 3);
  within(u2.mean, 2.5, 0.005, 'uniform mean');

  const t = stats(truncatedNormal().init([100000]).dataSync());
  assert.ok(t.min >= -0.1 - 1e-7 && t.max <= 0.1 + 1e-7, `truncated at 2 std: ${t.min} ${t.max}`);
  assert.ok(t.max > 0.095 && t.min < -0.095, 'the tails reach the bound');
  within(t.std, 0.05 * TRUNCATED_NORMAL_STD, 0.02, 'truncated std');
});

test('glorot / he / lecun: the Keras VarianceScaling formulas', () => {
  dt.seed(2);
  const [fi, fo] = [300, 500];
  const gu = stats(glorotUniform().init([fi, fo]).dataSync());
  const gl = Math.sqrt(6 / (fi + fo));
  assert.ok(gu.min >= -gl && gu.max <= gl);
  assert.ok(gu.max > 0.99 * gl);
  within(gu.std, Math.sqrt(2 / (fi + fo)), 0.02, 'glorotUniform std');

  const gn = stats(glorotNormal().init([fi, fo]).dataSync());
  const gstd = Math.sqrt(2 / (fi + fo));
  within(gn.std, gstd, 0.02, 'glorotNormal std');
  assert.ok(gn.max <= (2 * gstd) / TRUNCATED_NORMAL_STD + 1e-6, 'truncated at 2 std of the untruncated normal');
  assert.ok(Math.abs(gn.mean) < 0.001);

  // conv kernel: fanIn = 3*3*64
  const hn = stats(heNormal().init([3, 3, 64, 64]).dataSync());
  within(hn.std, Math.sqrt(2 / 576), 0.02, 'heNormal std');
  const hu = stats(heUniform().init([3, 3, 64, 64]).dataSync());
  assert.ok(hu.max <= Math.sqrt(6 / 576) && hu.min >= -Math.sqrt(6 / 576));
  within(hu.std, Math.sqrt(2 / 576), 0.02, 'heUniform std');

  const lu = stats(lecunUniform().init([400, 300]).dataSync());
  assert.ok(lu.max <= Math.sqrt(3 / 400));
  within(lu.std, Math.sqrt(1 / 400), 0.02, 'lecunUniform std');
  within(stats(lecunNormal().init([400, 300]).dataSync()).std, Math.sqrt(1 / 400), 0.02, 'lecunNormal std');
});

test('varianceScaling: modes, distributions, Keras snake_case spellings', () => {
  dt.seed(3);
  const shape = [200, 800];
  within(stats(varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'untruncatedNormal' }).init(shape).dataSync()).std, Math.sqrt(2 / 800), 0.02, 'fanOut');
  within(stats(varianceScaling({ mode: 'fan_avg', distribution: 'uniform' }).init(shape).dataSync()).std, Math.sqrt(1 / 500), 0.02, 'fan_avg');
  const vs = varianceScaling({ mode: 'fan_in', distribution: 'truncated_normal' });
  assert.equal(vs.mode, 'fanIn');
  assert.equal(vs.distribution, 'truncatedNormal');
  assert.equal(varianceScaling({ distribution: 'normal' }).distribution, 'truncatedNormal');
  assert.equal(vs.variance([10, 20]), 1 / 10);
  assert.equal(vs.variance([0, 0]), 1, 'fans below 1 count as 1');
  assert.throws(() => varianceScaling({ mode: 'fanSum' as never }), ValueError);
  assert.throws(() => varianceScaling({ distribution: 'cauchy' as never }), ValueError);
  assert.throws(() => varianceScaling({ scale: 0 }), ValueError);
});

test('orthogonal: orthonormal columns or rows, gain, conv shapes', () => {
  dt.seed(4);
  const check = (shape: number[], gain = 1): void => {
    const w = orthogonal({ gain }).init(shape, 'float64');
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const m = dt.reshape(w, [rows, cols]);
    const g = rows >= cols ? dt.matmul(dt.transpose(m), m) : dt.matmul(m, dt.transpose(m));
    const k = Math.min(rows, cols);
    const data = g.dataSync();
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      assert.ok(Math.abs(data[i * k + j] - (i === j ? gain * gain : 0)) < 1e-9, `${JSON.stringify(shape)} gram[${i},${j}] = ${data[i * k + j]}`);
    }
  };
  check([64, 32]);
  check([32, 64]);
  check([50, 50], 2);
  check([3, 3, 4, 8]);
  assert.throws(() => orthogonal().init([5]), ShapeError);
  assert.ok(orthogonal() instanceof Orthogonal);
});

test('identity: gain times the (rectangular) identity; 2-D only', () => {
  assert.deepEqual(identity().init([2, 3]).toArray(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(identity({ gain: 2 }).init([3, 2]).toArray(), [[2, 0], [0, 2], [0, 0]]);
  assert.throws(() => identity().init([2, 2, 2]), ShapeError);
  assert.ok(identity() instanceof Identity);
});

test('reproducible with dt.seed; a seed option gives the same values every call without touching the global stream', () => {
  const all = [randomNormal(), randomUniform(), truncatedNormal(), glorotUniform(), glorotNormal(), heNormal(), heUniform(), lecunNormal(), lecunUniform(), orthogonal()];
  for (const init of all) {
    dt.seed(42);
    const a = init.init([6, 5]).dataSync();
    dt.seed(42);
    const b = init.init([6, 5]).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b), init.className);
    const c = init.init([6, 5]).dataSync();
    assert.notDeepEqual(Array.from(c), Array.from(b), `${init.className}: the next draw differs`);
  }
  dt.seed(5);
  const ref = dt.rand([3]).dataSync();
  dt.seed(5);
  const seeded = glorotUniform({ seed: 9 });
  const x = seeded.init([4, 4]).dataSync();
  const y = seeded.init([4, 4]).dataSync();
  assert.deepEqual(Array.from(x), Array.from(y));
  assert.deepEqual(Array.from(dt.rand([3]).dataSync()), Array.from(ref), 'the global stream was not advanced');
  assert.notDeepEqual(Array.from(glorotUniform({ seed: 10 }).init([4, 4]).dataSync()), Array.from(x));
});

test('dtypes: float64 works, random integers are refused', () => {
  assert.equal(heNormal().init([3, 3], 'float64').dtype, 'float64');
  assert.throws(() => randomNormal().init([3], 'int32'), DTypeError);
  assert.throws(() => glorotUniform().init([3, -1]), ShapeError);
});

test('initializers.get: names in every spelling, specs with Keras configs, objects', () => {
  const cases: [string, string][] = [
    ['glorotUniform', 'GlorotUniform'], ['glorot_uniform', 'GlorotUniform'], ['GlorotUniform', 'GlorotUniform'],
    ['glorot_normal', 'GlorotNormal'], ['he_normal', 'HeNormal'], ['heUniform', 'HeUniform'], ['lecun_normal', 'LecunNormal'],
    ['lecunUniform', 'LecunUniform'], ['zeros', 'Zeros'], ['ones', 'Ones'], ['zero', 'Zeros'], ['constant', 'Constant'],
    ['random_normal', 'RandomNormal'], ['randomUniform', 'RandomUniform'], ['truncated_normal', 'TruncatedNormal'],
    ['variance_scaling', 'VarianceScaling'], ['orthogonal', 'OrthogonalInitializer'], ['Orthogonal', 'OrthogonalInitializer'],
    ['identity', 'IdentityInitializer'], ['normal', 'RandomNormal'], ['uniform', 'RandomUniform'],
  ];
  for (const [name, cls] of cases) assert.equal((getInitializer(name) as Initializer).className, cls, name);
  const vs = initializers.get({ className: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'untruncated_normal', seed: null } }) as VarianceScaling;
  assert.equal(vs.scale, 2);
  assert.equal(vs.mode, 'fanOut');
  assert.equal(vs.distribution, 'untruncatedNormal');
  const rn = initializers.get({ className: 'RandomNormal', config: { mean: 1, stddev: 0.5 } }) as RandomNormal;
  assert.equal(rn.mean, 1);
  const custom: InitializerLike = { init: (shape) => dt.full(shape, 7) };
  assert.equal(getInitializer(custom), custom);
  assert.ok(getInitializer('GlorotUniform') instanceof GlorotUniform);
  assert.ok(getInitializer('glorot_normal') instanceof GlorotNormal);
  assert.ok(getInitializer('he_normal') instanceof HeNormal);
});

test('initializers.get: unknown names and keys throw ValueError listing the known ones', () => {
  assert.throws(() => getInitializer('glorot'), (e: Error) => e instanceof ValueError && /glorotUniform/.test(e.message) && /heNormal/.test(e.message));
  assert.throws(() => getInitializer({ className: 'Glorot' }), ValueError);
  assert.throws(() => getInitializer({ className: 'RandomNormal', config: { std: 1 } }), /unknown config key "std"/);
  assert.throws(() => getInitializer(3 as never), ValueError);
});

test('serialize / deserialize round trip (Keras class names and configs)', () => {
  const all = [
    zeros(), ones(), constant(3), randomNormal({ mean: 1, stddev: 2, seed: 3 }), randomUniform({ minval: -1, maxval: 1 }),
    truncatedNormal({ stddev: 0.1 }), varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform' }), glorotUniform(),
    glorotNormal({ seed: 1 }), heNormal(), heUniform(), lecunNormal(), lecunUniform(), orthogonal({ gain: 2 }), identity({ gain: 3 }),
  ];
  for (const init of all) {
    const spec = JSON.parse(JSON.stringify(serializeInitializer(init)));
    const back = getInitializer(spec) as Initializer;
    assert.equal(back.className, init.className);
    assert.deepEqual(back.getConfig(), init.getConfig());
  }
  assert.deepEqual(serializeInitializer(glorotUniform()), { className: 'GlorotUniform', config: { seed: null } });
  assert.deepEqual(serializeInitializer(randomNormal()), { className: 'RandomNormal', config: { mean: 0, stddev: 0.05, seed: null } });
  // seeded initializers rebuild to the same values
  const a = glorotNormal({ seed: 7 });
  const b = getInitializer(serializeInitializer(a));
  assert.deepEqual(Array.from(b.init([3, 3]).dataSync()), Array.from(a.init([3, 3]).dataSync()));
  class Custom extends Initializer {
    readonly className = 'MyInit';
    protected make(shape: number[]): dt.Tensor {
      return dt.full(shape, 1);
    }
  }
  initializers.register('MyInit', () => new Custom());
  assert.equal((getInitializer('MyInit') as Initializer).className, 'MyInit');
  assert.deepEqual(getInitializer(serializeInitializer(new Custom())).init([2]).toArray(), [1, 1]);
  assert.throws(() => serializeInitializer({ init: (s) => dt.zeros(s) }), ValueError);
});
