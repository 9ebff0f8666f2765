/**
 * Linear regression by gradient descent: generate y = w·x + b + noise from a seed, then fit w and b with
 * loss.backward() and plain SGD steps. Each step runs in dt.scope, so every intermediate tensor (the graph
 * included) is freed when the step ends; only the parameters survive.
 *
 *   node --import tsx examples/linear-regression.ts
 */
import { pathToFileURL } from 'node:url';
import * as dt from '../src/index.js';

export interface RegressionOptions {
  trueW?: number;
  trueB?: number;
  /** number of points */
  n?: number;
  /** standard deviation of the Gaussian noise added to y */
  noise?: number;
  seed?: number;
  learningRate?: number;
  epochs?: number;
  /** log every `logEvery` epochs (and the last one) */
  logEvery?: number;
  log?: (line: string) => void;
}

export interface RegressionResult {
  w: number;
  b: number;
  /** mean squared error after each epoch */
  losses: number[];
}

export function linearRegression(options: RegressionOptions = {}): RegressionResult {
  const { trueW = 3, trueB = -2, n = 200, noise = 0.1, seed = 0, learningRate = 0.5, epochs = 100, logEvery = 10, log } = options;

  dt.seed(seed);
  // the data lives for the whole fit; scope would otherwise free it at the end of the first step
  const x = dt.keep(dt.rand([n, 1], { low: -1, high: 1 }));
  const y = dt.scope(() => dt.keep(x.mul(trueW).add(trueB).add(dt.randn([n, 1], { std: noise }))));

  // trainable leaves (requiresGrad, exempt from scopes); the scope frees the zeros they were made from
  let [w, b] = dt.scope(() => [dt.variable(dt.zeros([1]), { name: 'w' }), dt.variable(dt.zeros([1]), { name: 'b' })]);

  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const loss = dt.scope(() => {
      const pred = x.mul(w).add(b); // [n,1] * [1] + [1]
      const mse = pred.sub(y).square().mean();
      mse.backward(); // fills w.grad and b.grad
      dt.noGrad(() => {
        // p ← p - lr · dp, as fresh variables (the old ones and their .grad are disposed)
        const nextW = dt.variable(w.sub(w.grad!.mul(learningRate)), { name: 'w' });
        const nextB = dt.variable(b.sub(b.grad!.mul(learningRate)), { name: 'b' });
        w.dispose();
        b.dispose();
        w = nextW;
        b = nextB;
      });
      return mse.item();
    });
    losses.push(loss);
    if (log && (epoch % logEvery === 0 || epoch === epochs || epoch === 1)) {
      log(`epoch ${String(epoch).padStart(4)}: loss ${loss.toFixed(6)}  w ${w.item().toFixed(4)}  b ${b.item().toFixed(4)}`);
    }
  }
  const result = { w: w.item(), b: b.item(), losses };
  for (const t of [x, y, w, b]) t.dispose();
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const trueW = 3;
  const trueB = -2;
  console.log(`fitting y = ${trueW}·x + ${trueB} + N(0, 0.1²) on 200 points by gradient descent`);
  const r = linearRegression({ trueW, trueB, log: (line) => console.log(line) });
  console.log(`recovered w = ${r.w.toFixed(4)}, b = ${r.b.toFixed(4)} (true ${trueW}, ${trueB}); live tensors: ${dt.memory().numTensors}`);
}
