import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import { adagradUpdate, adamStepSizes, adamUpdate, rmspropUpdate, sgdUpdate, tuning } from '../../src/backends/wasm/kernels.js';

const R = rng(42);
const SIZES = [1, 3, 4, 17, 130, 1031];
const STEPS = 5;

/** Runs `steps` updates in wasm and in a float64 reference with fresh random gradients; compares all state. */
function runCase(
  name: string, n: number, nState: number,
  wasmStep: (p: number, g: number, s: number[], t: number) => void,
  refStep: (p: Float64Array, g: Float32Array, s: Float64Array[], t: number) => void,
  init: (s: Float64Array[]) => void = () => {},
): void {
  const bufs = new Buffers();
  const P = randF32(n, R);
  const p = bufs.f32(P);
  const refP = Float64Array.from(P);
  const refS = Array.from({ length: nState }, () => new Float64Array(n));
  init(refS);
  const s = refS.map((a) => bufs.f32(a));
  for (let t = 1; t <= STEPS; t++) {
    const G = randF32(n, R, -2, 2);
    const g = bufs.f32(G);
    wasmStep(p, g, s, t);
    refStep(refP, G, refS, t);
  }
  assertClose(bufs.read(p, n), refP, 2e-5, 2e-6, `${name} n=${n} params`);
  refS.forEach((a, i) => assertClose(bufs.read(s[i]!, n), a, 2e-5, 2e-6, `${name} n=${n} state ${i}`));
  bufs.freeAll();
}

test('sgd: plain, momentum (Keras and torch styles), nesterov, weight decay', () => {
  const lr = 0.1;
  for (const n of SIZES) {
    for (const mu of [0, 0.9]) for (const nesterov of [false, true]) for (const wd of [0, 0.01]) for (const style of ['keras', 'torch'] as const) {
      for (const coupled of [false, true]) {
        const damp = style === 'torch' ? 0.1 : 0;
        runCase(`sgd mu=${mu} nest=${nesterov} wd=${wd} ${style} coupled=${coupled}`, n, 1,
          (p, g, [v]) => sgdUpdate(p, g, v!, n, { lr, momentum: mu, nesterov, weightDecay: wd, style, dampening: damp, coupledWeightDecay: coupled }),
          (p, g, [v]) => {
            for (let i = 0; i < n; i++) {
              let gi = g[i]!;
              if (wd) { if (coupled) gi += wd * p[i]!; else p[i]! -= lr * wd * p[i]!; }
              if (mu === 0) { p[i]! -= lr * gi; continue; }
              if (style === 'torch') {
                v![i] = mu * v![i]! + (1 - damp) * gi;
                p[i]! -= lr * (nesterov ? gi + mu * v![i]! : v![i]!);
              } else {
                v![i] = mu * v![i]! - lr * gi;
                p[i]! += nesterov ? mu * v![i]! - lr * gi : v![i]!;
              }
            }
          });
      }
    }
  }
});

test('rmsprop: Keras semantics (eps inside sqrt), centered, momentum, torch eps placement', () => {
  const lr = 0.01, rho = 0.9, eps = 1e-7;
  for (const n of SIZES) {
    for (const centered of [false, true]) for (const momentum of [0, 0.5]) for (const epsOut of [false, true]) for (const wd of [0, 0.01]) {
      runCase(`rmsprop c=${centered} m=${momentum} epsOut=${epsOut} wd=${wd}`, n, 3,
        (p, g, [v, mom, mg]) => rmspropUpdate(p, g, v!, mom!, mg!, n, { lr, rho, momentum, epsilon: eps, centered, epsOutsideSqrt: epsOut, weightDecay: wd }),
        (p, g, [v, mom, mg]) => {
          for (let i = 0; i < n; i++) {
            const gi = g[i]!;
            if (wd) p[i]! -= lr * wd * p[i]!;
            v![i] = rho * v![i]! + (1 - rho) * gi * gi;
            let den = v![i]!;
            if (centered) { mg![i] = rho * mg![i]! + (1 - rho) * gi; den -= mg![i]! ** 2; }
            const inc = (lr * gi) / (epsOut ? Math.sqrt(den) + eps : Math.sqrt(den + eps));
            if (momentum > 0) { mom![i] = momentum * mom![i]! + inc; p[i]! -= mom![i]!; } else p[i]! -= inc;
          }
        });
    }
  }
});

test('adam / adamw / amsgrad with Keras and PyTorch bias corrections', () => {
  const lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0.01;
  for (const n of SIZES) {
    for (const style of ['keras', 'torch'] as const) for (const amsgrad of [false, true]) for (const mode of ['none', 'adamw', 'l2'] as const) {
      runCase(`adam ${style} ams=${amsgrad} ${mode}`, n, 3,
        (p, g, [m, v, vh], t) => {
          const { stepSize, c2 } = adamStepSizes(lr, b1, b2, t, style);
          adamUpdate(p, g, m!, v!, vh!, n, {
            beta1: b1, beta2: b2, stepSize, c2, epsilon: eps, amsgrad,
            decay: mode === 'adamw' ? lr * wd : mode === 'l2' ? wd : 0, coupledWeightDecay: mode === 'l2',
          });
        },
        (p, g, [m, v, vh], t) => {
          const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
          for (let i = 0; i < n; i++) {
            let gi = g[i]!;
            if (mode === 'l2') gi += wd * p[i]!;
            if (mode === 'adamw') p[i]! -= lr * wd * p[i]!;
            m![i] = b1 * m![i]! + (1 - b1) * gi;
            v![i] = b2 * v![i]! + (1 - b2) * gi * gi;
            let vv = v![i]!;
            if (amsgrad) { vh![i] = Math.max(vh![i]!, vv); vv = vh![i]!; }
            if (style === 'keras') p[i]! -= ((lr * Math.sqrt(bc2)) / bc1) * m![i]! / (Math.sqrt(vv) + eps);
            else p[i]! -= (lr / bc1) * m![i]! / (Math.sqrt(vv / bc2) + eps);
          }
        });
    }
  }
});

test('adagrad: Keras (eps inside, acc starts at 0.1) and PyTorch (eps outside)', () => {
  const lr = 0.05, eps = 1e-7;
  for (const n of SIZES) {
    for (const epsOut of [false, true]) for (const wd of [0, 0.01]) for (const coupled of [false, true]) {
      runCase(`adagrad epsOut=${epsOut} wd=${wd}`, n, 1,
        (p, g, [acc]) => adagradUpdate(p, g, acc!, n, { lr, epsilon: eps, epsOutsideSqrt: epsOut, weightDecay: wd, coupledWeightDecay: coupled }),
        (p, g, [acc]) => {
          for (let i = 0; i < n; i++) {
            let gi = g[i]!;
            if (wd) { if (coupled) gi += wd * p[i]!; else p[i]! -= lr * wd * p[i]!; }
            acc![i]! += gi * gi;
            p[i]! -= (lr * gi) / (epsOut ? Math.sqrt(acc![i]!) + eps : Math.sqrt(acc![i]! + eps));
          }
        },
        epsOut ? undefined : ([acc]) => acc!.fill(0.1));
    }
  }
});

test('optimizer updates split across threads match single-threaded ones', () => {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    tuning.optimParMin = 64;
    const n = 5003;
    const bufs = new Buffers();
    const P = randF32(n, R), G = randF32(n, R);
    const results: Float32Array[] = [];
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      const p = bufs.f32(P), g = bufs.f32(G), m = bufs.f32(n), v = bufs.f32(n);
      for (let t = 1; t <= 3; t++) adamUpdate(p, g, m, v, 0, n, { beta1: 0.9, beta2: 0.999, ...adamStepSizes(0.01, 0.9, 0.999, t), epsilon: 1e-7 });
      sgdUpdate(p, g, m, n, { lr: 0.1, momentum: 0.9 });
      results.push(bufs.read(p, n));
    }
    assert.deepEqual(results[1], results[0]);
    bufs.freeAll();
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
});
