/**
 * Newton's method for sqrt(a): find the root of f(x) = x² - a with x ← x - f(x) / f'(x), where f'(x) comes from
 * autograd (dt.grad) rather than from the formula 2x.
 *
 *   node --import tsx examples/newton-sqrt.ts [a] [x0]
 */
import { pathToFileURL } from 'node:url';
import * as dt from '../src/index.js';

export interface NewtonOptions {
  /** starting point (default max(a, 1), which is above the root, so the iteration decreases monotonically) */
  x0?: number;
  /** maximum number of Newton steps (default 50) */
  steps?: number;
  /** stop when the next Newton step would be at most tol * |x| (default 1e-15: full double precision) */
  tol?: number;
  /** called with one line per iteration */
  log?: (line: string) => void;
}

export interface NewtonStep {
  step: number;
  x: number;
  fx: number;
  dfx: number;
}

export interface NewtonResult {
  root: number;
  converged: boolean;
  iterations: NewtonStep[];
}

export function newtonSqrt(a: number, options: NewtonOptions = {}): NewtonResult {
  if (!(a >= 0)) throw new dt.ValueError(`newtonSqrt: a must be a non-negative number, got ${a}`);
  const { x0 = Math.max(a, 1), steps = 50, tol = 1e-15, log } = options;
  if (!(x0 > 0)) throw new dt.ValueError(`newtonSqrt: x0 must be positive, got ${x0}`);

  const f = (x: dt.Tensor): dt.Tensor => x.square().sub(a);
  const df = dt.grad(f); // d f / d x, by reverse-mode autodiff

  const iterations: NewtonStep[] = [];
  let x = x0;
  let converged = false;
  for (let step = 0; step < steps; step++) {
    // float64 on the CPU reference backend (whatever the default backend is), so the iteration reaches full double
    // precision; scope frees this step's tensors
    const { fx, dfx } = dt.withBackend('cpu', () =>
      dt.scope(() => {
        const xt = dt.scalar(x, 'float64');
        return { fx: f(xt).item(), dfx: df(xt).item() };
      }),
    );
    iterations.push({ step, x, fx, dfx });
    log?.(`step ${String(step).padStart(2)}: x = ${x.toPrecision(17)}  f(x) = ${fx.toExponential(3)}  f'(x) = ${dfx.toPrecision(6)}`);
    if (dfx === 0) break;
    const delta = fx / dfx;
    if (Math.abs(delta) <= tol * Math.abs(x)) {
      // the next step is below rounding: x is as good as double precision gets
      converged = true;
      break;
    }
    x -= delta;
  }
  return { root: x, converged, iterations };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a = Number(process.argv[2] ?? 2);
  const x0 = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  console.log(`Newton's method for sqrt(${a}), f(x) = x² - ${a}, f'(x) from dt.grad`);
  const r = newtonSqrt(a, { x0, log: (line) => console.log(line) });
  console.log(`sqrt(${a}) ≈ ${r.root} after ${r.iterations.length} iterations${r.converged ? '' : ' (not converged)'} (Math.sqrt: ${Math.sqrt(a)})`);
}
