// Fused in-place optimizer updates on contiguous float32 parameters (SIMD). Every kernel updates
// p[0:n] (and its state buffers) from the gradient g[0:n]; the runtime splits big tensors across
// threads by range. Scalars that depend on the step count (bias corrections) are computed in JS.
import {
  SGD_NESTEROV, SGD_TORCH, SGD_COUPLED_WD, RMS_CENTERED, RMS_EPS_OUTSIDE, RMS_COUPLED_WD,
  ADAM_AMSGRAD, ADAM_COUPLED_WD, ADAGRAD_EPS_OUTSIDE, ADAGRAD_COUPLED_WD,
} from "./abi";
import { madd, nmadd, splat } from "./simd";

// Each kernel runs a 4-wide SIMD body and a scalar tail that evaluates the same formula on
// splatted scalars (lane 0), so tail and body agree bit for bit.

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32, vec: bool): v128 {
  return vec ? v128.load(p + <usize>i * 4) : v128.load32_zero(p + <usize>i * 4);
}
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: v128, vec: bool): void {
  if (vec) v128.store(p + <usize>i * 4, v);
  else store<f32>(p + <usize>i * 4, f32x4.extract_lane(v, 0));
}

/**
 * SGD. v may be 0 when momentum == 0.
 * Keras (default): [p -= lr wd p]; v = mu v - lr g; p += nesterov ? mu v - lr g : v.
 * SGD_TORCH: [g += wd p]; v = mu v + (1 - dampening) g; p -= lr (nesterov ? g + mu v : v).
 * SGD_COUPLED_WD selects L2 (g += wd p) instead of decoupled decay for either style.
 */
// @ts-ignore: decorator
@inline function sgdStep(p: usize, g: usize, v: usize, i: i32, vec: bool, lr: f32, mu: f32, wd: f32, damp: f32, flags: i32): void {
  let pv = ld(p, i, vec);
  let gv = ld(g, i, vec);
  if (wd != 0) {
    if (flags & SGD_COUPLED_WD) gv = madd(pv, splat(wd), gv);
    else pv = nmadd(pv, splat(lr * wd), pv);
  }
  if (mu == 0) {
    pv = nmadd(gv, splat(lr), pv);
  } else if (flags & SGD_TORCH) {
    let vv = madd(ld(v, i, vec), splat(mu), f32x4.mul(gv, splat(1 - damp)));
    st(v, i, vv, vec);
    const d = (flags & SGD_NESTEROV) ? madd(vv, splat(mu), gv) : vv;
    pv = nmadd(d, splat(lr), pv);
  } else {
    let vv = nmadd(gv, splat(lr), f32x4.mul(ld(v, i, vec), splat(mu)));
    st(v, i, vv, vec);
    if (flags & SGD_NESTEROV) pv = f32x4.add(pv, nmadd(gv, splat(lr), f32x4.mul(vv, splat(mu))));
    else pv = f32x4.add(pv, vv);
  }
  st(p, i, pv, vec);
}

export function sgd(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, wd: f32, dampening: f32, flags: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdStep(p, g, v, i, true, lr, momentum, wd, dampening, flags);
  for (; i < n; i++) sgdStep(p, g, v, i, false, lr, momentum, wd, dampening, flags);
}

/**
 * RMSprop (Keras 3 semantics by default):
 *   v = rho v + (1 - rho) g^2; [centered: mg = rho mg + (1 - rho) g; v' = v - mg^2]
 *   inc = lr g / sqrt(v' + eps)      (RMS_EPS_OUTSIDE: lr g / (sqrt(v') + eps), PyTorch)
 *   momentum > 0: mom = momentum mom + inc; p -= mom;  else p -= inc.
 * mom / mg may be 0 when unused. Weight decay: decoupled p -= lr wd p unless RMS_COUPLED_WD.
 */
// @ts-ignore: decorator
@inline function rmsStep(p: usize, g: usize, v: usize, mom: usize, mg: usize, i: i32, vec: bool,
  lr: f32, rho: f32, momentum: f32, eps: f32, wd: f32, flags: i32): void {
  let pv = ld(p, i, vec);
  let gv = ld(g, i, vec);
  if (wd != 0) {
    if (flags & RMS_COUPLED_WD) gv = madd(pv, splat(wd), gv);
    else pv = nmadd(pv, splat(lr * wd), pv);
  }
  const r = splat(rho);
  const r1 = splat(1 - rho);
  const vv = madd(ld(v, i, vec), r, f32x4.mul(f32x4.mul(gv, gv), r1));
  st(v, i, vv, vec);
  let den = vv;
  if (flags & RMS_CENTERED) {
    const mgv = madd(ld(mg, i, vec), r, f32x4.mul(gv, r1));
    st(mg, i, mgv, vec);
    den = nmadd(mgv, mgv, vv);
  }
  if (flags & RMS_EPS_OUTSIDE) den = f32x4.add(f32x4.sqrt(den), splat(eps));
  else den = f32x4.sqrt(f32x4.add(den, splat(eps)));
  const inc = f32x4.div(f32x4.mul(gv, splat(lr)), den);
  if (momentum > 0) {
    const mv = madd(ld(mom, i, vec), splat(momentum), inc);
    st(mom, i, mv, vec);
    pv = f32x4.sub(pv, mv);
  } else {
    pv = f32x4.sub(pv, inc);
  }
  st(p, i, pv, vec);
}

export function rmsprop(p: usize, g: usize, v: usize, mom: usize, mg: usize, n: i32,
  lr: f32, rho: f32, momentum: f32, eps: f32, wd: f32, flags: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) rmsStep(p, g, v, mom, mg, i, true, lr, rho, momentum, eps, wd, flags);
  for (; i < n; i++) rmsStep(p, g, v, mom, mg, i, false, lr, rho, momentum, eps, wd, flags);
}

/**
 * Adam / AdamW / AMSGrad.
 *   [ADAM_COUPLED_WD: g += decay p  |  else if decay != 0: p -= decay p   (pass decay = lr * wd)]
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  [amsgrad: vhat = max(vhat, v); use vhat]
 *   p -= stepSize * m / (sqrt(v) * c2 + eps)
 * Keras: stepSize = lr sqrt(1 - b2^t) / (1 - b1^t), c2 = 1.
 * PyTorch: stepSize = lr / (1 - b1^t), c2 = 1 / sqrt(1 - b2^t).
 */
// @ts-ignore: decorator
@inline function adamStep(p: usize, g: usize, m: usize, v: usize, vhat: usize, i: i32, vec: bool,
  b1: f32, b2: f32, stepSize: f32, c2: f32, eps: f32, decay: f32, flags: i32): void {
  let pv = ld(p, i, vec);
  let gv = ld(g, i, vec);
  if (decay != 0) {
    if (flags & ADAM_COUPLED_WD) gv = madd(pv, splat(decay), gv);
    else pv = nmadd(pv, splat(decay), pv);
  }
  const mv = madd(ld(m, i, vec), splat(b1), f32x4.mul(gv, splat(1 - b1)));
  let vv = madd(ld(v, i, vec), splat(b2), f32x4.mul(f32x4.mul(gv, gv), splat(1 - b2)));
  st(m, i, mv, vec);
  st(v, i, vv, vec);
  if (flags & ADAM_AMSGRAD) {
    vv = f32x4.pmax(ld(vhat, i, vec), vv);
    st(vhat, i, vv, vec);
  }
  const den = madd(f32x4.sqrt(vv), splat(c2), splat(eps));
  pv = f32x4.sub(pv, f32x4.div(f32x4.mul(mv, splat(stepSize)), den));
  st(p, i, pv, vec);
}

export function adam(p: usize, g: usize, m: usize, v: usize, vhat: usize, n: i32,
  b1: f32, b2: f32, stepSize: f32, c2: f32, eps: f32, decay: f32, flags: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) adamStep(p, g, m, v, vhat, i, true, b1, b2, stepSize, c2, eps, decay, flags);
  for (; i < n; i++) adamStep(p, g, m, v, vhat, i, false, b1, b2, stepSize, c2, eps, decay, flags);
}

/**
 * AdaGrad: acc += g^2; p -= lr g / sqrt(acc + eps) (Keras), or lr g / (sqrt(acc) + eps) with
 * ADAGRAD_EPS_OUTSIDE (PyTorch; pass the decayed clr as lr). Weight decay as for RMSprop.
 */
// @ts-ignore: decorator
@inline function adagradStep(p: usize, g: usize, acc: usize, i: i32, vec: bool, lr: f32, eps: f32, wd: f32, flags: i32): void {
  let pv = ld(p, i, vec);
  let gv = ld(g, i, vec);
  if (wd != 0) {
    if (flags & ADAGRAD_COUPLED_WD) gv = madd(pv, splat(wd), gv);
    else pv = nmadd(pv, splat(lr * wd), pv);
  }
  const av = madd(gv, gv, ld(acc, i, vec));
  st(acc, i, av, vec);
  const den = (flags & ADAGRAD_EPS_OUTSIDE) ? f32x4.add(f32x4.sqrt(av), splat(eps)) : f32x4.sqrt(f32x4.add(av, splat(eps)));
  pv = f32x4.sub(pv, f32x4.div(f32x4.mul(gv, splat(lr)), den));
  st(p, i, pv, vec);
}

export function adagrad(p: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, wd: f32, flags: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) adagradStep(p, g, acc, i, true, lr, eps, wd, flags);
  for (; i < n; i++) adagradStep(p, g, acc, i, false, lr, eps, wd, flags);
}
