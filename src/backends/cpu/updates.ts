import type { UpdateHyper, UpdateKind } from '../backend.js';
import type { DataArray } from '../../core/dtype.js';

/** Plain-loop optimizer updates; the semantics are documented on UpdateKind in backend.ts. */
export function applyUpdate(kind: UpdateKind, p: DataArray, g: DataArray, slots: DataArray[], h: UpdateHyper): void {
  const n = p.length;
  const lr = h.lr;
  const wd = h.weightDecay ?? 0;
  if (wd !== 0) for (let i = 0; i < n; i++) p[i] -= lr * wd * p[i];
  switch (kind) {
    case 'sgd':
      for (let i = 0; i < n; i++) p[i] -= lr * g[i];
      return;
    case 'momentum': {
      const m = h.momentum ?? 0;
      const [v] = slots;
      for (let i = 0; i < n; i++) {
        v[i] = m * v[i] - lr * g[i];
        p[i] += h.nesterov ? m * v[i] - lr * g[i] : v[i];
      }
      return;
    }
    case 'rmsprop': {
      const rho = h.rho ?? 0.9;
      const eps = h.epsilon ?? 1e-7;
      const m = h.momentum ?? 0;
      const v = slots[0];
      const mom = m > 0 ? slots[1] : undefined;
      const avg = h.centered ? slots[m > 0 ? 2 : 1] : undefined;
      for (let i = 0; i < n; i++) {
        v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
        let denom = v[i];
        if (avg) {
          avg[i] = rho * avg[i] + (1 - rho) * g[i];
          denom -= avg[i] * avg[i];
        }
        const inc = (lr * g[i]) / Math.sqrt(denom + eps);
        if (mom) {
          mom[i] = m * mom[i] + inc;
          p[i] -= mom[i];
        } else p[i] -= inc;
      }
      return;
    }
    case 'adagrad': {
      const eps = h.epsilon ?? 1e-7;
      const [acc] = slots;
      for (let i = 0; i < n; i++) {
        acc[i] += g[i] * g[i];
        p[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
      }
      return;
    }
    case 'adam': {
      const b1 = h.beta1 ?? 0.9;
      const b2 = h.beta2 ?? 0.999;
      const eps = h.epsilon ?? 1e-7;
      const alpha = (lr * Math.sqrt(h.biasCorrection2 ?? 1)) / (h.biasCorrection1 ?? 1);
      const [m, v, vhat] = slots;
      if (h.amsgrad && !vhat) throw new Error('adam step: amsgrad needs a third slot (velocity_hat)');
      for (let i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        let vi = v[i];
        if (h.amsgrad) vi = vhat[i] = Math.max(vhat[i], vi);
        p[i] -= (alpha * m[i]) / (Math.sqrt(vi) + eps);
      }
      return;
    }
  }
}
