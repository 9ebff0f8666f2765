// Row-wise softmax family on contiguous m x n float32 matrices (row i at x + i*n).
import { madd, hsum } from "./simd";
import { vexp, slog } from "./mathf";
import { rowMax, rowSum } from "./reduce";
import { loadPartial, storePartial } from "./elementwise";

// @ts-ignore: decorator
@inline const INF: f32 = Infinity;

/** Returns sum_j exp(x[j] - mx); when store, also writes exp(x - mx) to y (may alias x). */
// @ts-ignore: decorator
@inline function expShiftSum(x: usize, y: usize, n: i32, mx: f32, store: bool): f32 {
  const vm = f32x4.splat(mx);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j * 4;
    const e0 = vexp(f32x4.sub(v128.load(x + o), vm));
    const e1 = vexp(f32x4.sub(v128.load(x + o, 16), vm));
    if (store) {
      v128.store(y + o, e0);
      v128.store(y + o, e1, 16);
    }
    s0 = f32x4.add(s0, e0);
    s1 = f32x4.add(s1, e1);
  }
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j * 4;
    const e0 = vexp(f32x4.sub(v128.load(x + o), vm));
    if (store) v128.store(y + o, e0);
    s0 = f32x4.add(s0, e0);
  }
  if (j < n) {
    const o = <usize>j * 4;
    const cnt = n - j;
    let e = vexp(f32x4.sub(loadPartial(x + o, cnt), vm));
    if (store) storePartial(y + o, e, cnt);
    // zero the unused lanes before summing
    if (cnt == 1) e = v128.and(e, i32x4(-1, 0, 0, 0));
    else if (cnt == 2) e = v128.and(e, i32x4(-1, -1, 0, 0));
    else e = v128.and(e, i32x4(-1, -1, -1, 0));
    s1 = f32x4.add(s1, e);
  }
  return hsum(f32x4.add(s0, s1));
}

// @ts-ignore: decorator
@inline function scaleRow(y: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(y + <usize>j * 4, f32x4.mul(v128.load(y + <usize>j * 4), vs));
  for (; j < n; j++) store<f32>(y + <usize>j * 4, load<f32>(y + <usize>j * 4) * s);
}

// @ts-ignore: decorator
@inline function safeMax(x: usize, n: i32): f32 {
  const mx = rowMax(x, n);
  // An all -inf row would give exp(-inf - -inf) = NaN for every lane; shift by 0 instead.
  return mx == -INF ? 0 : mx;
}

export function softmax_rows(x: usize, y: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const o = <usize>i * <usize>n * 4;
    const mx = safeMax(x + o, n);
    const s = expShiftSum(x + o, y + o, n, mx, true);
    scaleRow(y + o, n, 1.0 / s);
  }
}

export function log_softmax_rows(x: usize, y: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const o = <usize>i * <usize>n * 4;
    const mx = safeMax(x + o, n);
    const lse = mx + slog(expShiftSum(x + o, 0, n, mx, false));
    const vl = f32x4.splat(lse);
    const xr = x + o, yr = y + o;
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(yr + <usize>j * 4, f32x4.sub(v128.load(xr + <usize>j * 4), vl));
    for (; j < n; j++) store<f32>(yr + <usize>j * 4, load<f32>(xr + <usize>j * 4) - lse);
  }
}

/**
 * Fused softmax + cross-entropy for a training step. logits [m, n], labels int32 [m].
 * Returns the sum over these rows of -log softmax(logits)[label] (float64) and, when dlogits != 0,
 * writes dlogits = (softmax - onehot) * scale (scale = 1/B for the mean loss; may alias logits).
 * Rows whose label is outside [0, n) contribute 0 to the loss and get a zero gradient row.
 */
export function softmax_xent(logits: usize, labels: usize, dlogits: usize, m: i32, n: i32, scale: f32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < m; i++) {
    const o = <usize>i * <usize>n * 4;
    const x = logits + o;
    const label = load<i32>(labels + <usize>i * 4);
    const valid = label >= 0 && label < n;
    if (!valid) {
      if (dlogits) memory.fill(dlogits + o, 0, <usize>n * 4);
      continue;
    }
    const xl = load<f32>(x + <usize>label * 4);
    const mx = safeMax(x, n);
    let s: f32;
    if (dlogits) {
      s = expShiftSum(x, dlogits + o, n, mx, true);
      scaleRow(dlogits + o, n, scale / s);
      const q = dlogits + o + <usize>label * 4;
      store<f32>(q, load<f32>(q) - scale);
    } else {
      s = expShiftSum(x, 0, n, mx, false);
    }
    total += (<f64>mx - <f64>xl) + <f64>slog(s);
  }
  return total;
}

/** Softmax backward: dx = y * (dy - sum(dy * y)) per row (dx may alias dy). */
export function softmax_bwd_rows(y: usize, dy: usize, dx: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const o = <usize>i * <usize>n * 4;
    const yr = y + o, gr = dy + o, xr = dx + o;
    let s0 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) s0 = madd(v128.load(yr + <usize>j * 4), v128.load(gr + <usize>j * 4), s0);
    let s = hsum(s0);
    for (; j < n; j++) s += load<f32>(yr + <usize>j * 4) * load<f32>(gr + <usize>j * 4);
    const vs = f32x4.splat(s);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const q = <usize>j * 4;
      v128.store(xr + q, f32x4.mul(v128.load(yr + q), f32x4.sub(v128.load(gr + q), vs)));
    }
    for (; j < n; j++) {
      const q = <usize>j * 4;
      store<f32>(xr + q, load<f32>(yr + q) * (load<f32>(gr + q) - s));
    }
  }
}

/** Log-softmax backward: dx = dy - exp(y) * sum(dy) per row, y = log_softmax(x). */
export function log_softmax_bwd_rows(y: usize, dy: usize, dx: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const o = <usize>i * <usize>n * 4;
    const yr = y + o, gr = dy + o, xr = dx + o;
    const s = rowSum(gr, n);
    const vs = f32x4.splat(s);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const q = <usize>j * 4;
      v128.store(xr + q, f32x4.sub(v128.load(gr + q), f32x4.mul(vexp(v128.load(yr + q)), vs)));
    }
    if (j < n) {
      const q = <usize>j * 4;
      const cnt = n - j;
      storePartial(xr + q, f32x4.sub(loadPartial(gr + q, cnt), f32x4.mul(vexp(loadPartial(yr + q, cnt)), vs)), cnt);
    }
  }
}

