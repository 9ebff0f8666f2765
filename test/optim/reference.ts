/**
 * Float64 reference optimizers written straight from the Keras 3 update rules (keras/src/optimizers/*.py), in
 * plain JS numbers, independent of the backend kernels. Each returns the parameter after every step.
 */
export interface RefConfig {
  kind: 'sgd' | 'rmsprop' | 'adagrad' | 'adam';
  /** learning rate per step (index = iterations before the step) */
  lr: (step: number) => number;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
  rho?: number;
  centered?: boolean;
  epsilon?: number;
  beta1?: number;
  beta2?: number;
  amsgrad?: boolean;
  initialAccumulatorValue?: number;
  /** gradient transformation before the update (clipping) */
  clip?: (g: number[]) => number[];
}

export function reference(cfg: RefConfig, p0: readonly number[], grads: readonly (readonly number[])[]): number[][] {
  const p = p0.slice();
  const n = p.length;
  const zeros = (): number[] => new Array<number>(n).fill(0);
  // slots
  const velocity = zeros();
  const mom = zeros();
  const avg = zeros();
  const acc = new Array<number>(n).fill(cfg.initialAccumulatorValue ?? 0.1);
  const m = zeros();
  const v = zeros();
  const vhat = zeros();
  const eps = cfg.epsilon ?? 1e-7;
  const out: number[][] = [];
  grads.forEach((graw, step) => {
    const g = cfg.clip ? cfg.clip(graw.slice()) : graw.slice();
    const lr = cfg.lr(step);
    if (cfg.weightDecay) for (let i = 0; i < n; i++) p[i] = p[i] - p[i] * cfg.weightDecay * lr;
    for (let i = 0; i < n; i++) {
      switch (cfg.kind) {
        case 'sgd': {
          const mu = cfg.momentum ?? 0;
          if (mu === 0) p[i] = p[i] - g[i] * lr;
          else {
            velocity[i] = velocity[i] * mu - g[i] * lr;
            p[i] = cfg.nesterov ? p[i] + (velocity[i] * mu - g[i] * lr) : p[i] + velocity[i];
          }
          break;
        }
        case 'rmsprop': {
          const rho = cfg.rho ?? 0.9;
          const mu = cfg.momentum ?? 0;
          velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i];
          let denominator: number;
          if (cfg.centered) {
            avg[i] = rho * avg[i] + (1 - rho) * g[i];
            denominator = velocity[i] - avg[i] * avg[i] + eps;
          } else denominator = velocity[i] + eps;
          const increment = (lr * g[i]) / Math.sqrt(denominator);
          if (mu > 0) {
            mom[i] = mu * mom[i] + increment;
            p[i] -= mom[i];
          } else p[i] -= increment;
          break;
        }
        case 'adagrad':
          acc[i] += g[i] * g[i];
          p[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
          break;
        case 'adam': {
          const b1 = cfg.beta1 ?? 0.9;
          const b2 = cfg.beta2 ?? 0.999;
          const t = step + 1;
          const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
          m[i] += (g[i] - m[i]) * (1 - b1);
          v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
          let vv = v[i];
          if (cfg.amsgrad) {
            vhat[i] = Math.max(vhat[i], v[i]);
            vv = vhat[i];
          }
          p[i] -= (m[i] * alpha) / (Math.sqrt(vv) + eps);
          break;
        }
      }
    }
    out.push(p.slice());
  });
  return out;
}

/** |a - b| <= atol + rtol * |b| elementwise, with a message naming the first offending index. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what = ''): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})\n  actual:   ${Array.from(actual).join(', ')}\n  expected: ${Array.from(expected).join(', ')}`);
    }
  }
}
