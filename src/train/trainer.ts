/**
 * compile / fit / evaluate / predict / trainOnBatch. The trainer drives layers, losses, metrics and the optimizer;
 * each step runs inside a memory scope so users never manage tensors by hand.
 */
import { DeeptsError, ShapeError, ValueError } from '../core/errors.js';
import { noGrad } from '../core/engine.js';
import { keep, scope } from '../core/memory.js';
import { fmtShape } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { permutation } from '../core/random.js';
import { tensor } from '../ops/create.js';
import { add, mul } from '../ops/elementwise.js';
import { concat, gather, narrow } from '../ops/movement.js';
import { gradients } from '../autograd/backward.js';
import { getLoss, type Loss, type LossId } from '../nn/losses.js';
import { getMetric, type Metric, type MetricId } from '../nn/metrics.js';
import type { Optimizer } from '../optim/index.js';
import { get as getOptimizer } from '../optim/registry.js';

export type OptimizerId = Parameters<typeof getOptimizer>[0];
import { Callback, CallbackList, History, toCallback, type CallbackHooks, type Logs } from './callbacks-base.js';
import { defaultStream, ProgressBar, type ProgressStream } from './progress.js';
import type { Model } from './model.js';

export interface CompileArgs {
  optimizer?: OptimizerId;
  /** one loss for all outputs, one per output (array), or by output name */
  loss: LossId | LossId[] | Record<string, LossId>;
  metrics?: MetricId[] | Record<string, MetricId[]>;
  lossWeights?: number[] | Record<string, number>;
}

interface OutputSpec {
  name: string;
  loss: Loss;
  lossId: LossId;
  weight: number;
  metricIds: MetricId[];
}

export interface Compiled {
  optimizer: Optimizer;
  outputs: OutputSpec[];
}

type Data = TensorLike | Tensor[];

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** fraction of the samples, taken from the end before shuffling, held out for validation (like Keras) */
  validationSplit?: number;
  validationData?: [Data, Data];
  shuffle?: boolean;
  callbacks?: (Callback | CallbackHooks)[];
  /** 0 silent, 1 progress bar (one line per epoch when not a TTY), 2 one line per epoch */
  verbose?: 0 | 1 | 2;
  initialEpoch?: number;
  /** where progress goes (default process.stdout; console.log in a browser) */
  stream?: ProgressStream;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1;
  stream?: ProgressStream;
}

function asList(d: Data, what: string): Tensor[] {
  if (Array.isArray(d) && d.length > 0 && d.every((t) => t instanceof Tensor)) return d as Tensor[];
  if (d instanceof Tensor) return [d];
  if (Array.isArray(d) || ArrayBuffer.isView(d)) return [tensor(d as TensorLike)];
  throw new ValueError(`${what}: expected a tensor (or an array of tensors), got ${typeof d}`);
}

function sampleCount(xs: Tensor[], ys: Tensor[] | undefined, op: string): number {
  const all = [...xs, ...(ys ?? [])];
  for (const t of all) if (t.rank === 0) throw new ShapeError(`${op}: inputs need a batch axis, got a scalar`);
  const n = xs[0].shape[0];
  xs.forEach((t, i) => {
    if (t.shape[0] !== n) throw new ShapeError(`${op}: input ${i} has ${t.shape[0]} samples but input 0 has ${n}`);
  });
  ys?.forEach((t, i) => {
    if (t.shape[0] !== n) throw new ShapeError(`${op}: x has ${n} samples but y${ys.length > 1 ? `[${i}]` : ''} has ${t.shape[0]} (shapes ${fmtShape(xs[0].shape)} and ${fmtShape(t.shape)})`);
  });
  return n;
}

export function compile(model: Model, args: CompileArgs): void {
  if (!args || args.loss === undefined) throw new ValueError(`${model.name}.compile: a loss is required, e.g. compile({optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy'})`);
  const names = model.outputNames;
  const pick = <T>(spec: T | T[] | Record<string, T> | undefined, i: number, what: string, fallback?: T): T | undefined => {
    if (spec === undefined) return fallback;
    if (Array.isArray(spec)) {
      if (spec.length !== names.length) throw new ValueError(`${model.name}.compile: ${what} has ${spec.length} entries for ${names.length} outputs (${names.join(', ')})`);
      return spec[i];
    }
    if (spec && typeof spec === 'object' && !(typeof spec === 'function') && names.some((n) => n in (spec as object)) && !('className' in (spec as object))) {
      return (spec as Record<string, T>)[names[i]] ?? fallback;
    }
    return spec as T;
  };
  const metricsSpec = args.metrics;
  const outputs = names.map((name, i): OutputSpec => {
    const lossId = pick(args.loss as LossId | LossId[] | Record<string, LossId>, i, 'loss');
    if (lossId === undefined) throw new ValueError(`${model.name}.compile: no loss for output "${name}"`);
    const metricIds = Array.isArray(metricsSpec) ? metricsSpec : metricsSpec ? metricsSpec[name] ?? [] : [];
    // resolve the names now so a typo fails in compile, not at the first batch of fit
    for (const id of metricIds) if (typeof id === 'string') getMetric(id, { loss: lossId });
    return { name, lossId, loss: getLoss(lossId), weight: pick(args.lossWeights, i, 'lossWeights', 1) ?? 1, metricIds };
  });
  model.training.compiled = { optimizer: getOptimizer(args.optimizer ?? 'rmsprop'), outputs } satisfies Compiled;
}

function compiledOf(model: Model, op: string): Compiled {
  const c = model.training.compiled as Compiled | undefined;
  if (!c) throw new DeeptsError(`${model.name}.${op}: call compile({optimizer, loss, metrics}) first`);
  return c;
}

/** Sample-weighted running mean of per-batch values (the loss shown during an epoch). */
class RunningMean {
  private total = 0;
  private count = 0;
  constructor(readonly name: string) {}
  add(value: number, samples: number): void {
    this.total += value * samples;
    this.count += samples;
  }
  result(): number {
    return this.count ? this.total / this.count : 0;
  }
}

/** The metric objects of one run: a loss tracker plus each output's metrics, created for the real shapes. */
class Trackers {
  readonly loss = new RunningMean('loss');
  readonly outputLoss: RunningMean[];
  private metrics?: Metric[][];
  constructor(private readonly c: Compiled) {
    this.outputLoss = c.outputs.map((o) => new RunningMean(`${o.name}_loss`));
  }
  update(ys: Tensor[], preds: Tensor[], totalLoss: number, outputLosses: number[], batch: number): void {
    this.loss.add(totalLoss, batch);
    if (this.c.outputs.length > 1) outputLosses.forEach((l, i) => this.outputLoss[i].add(l, batch));
    this.metrics ??= this.c.outputs.map((o, i) =>
      o.metricIds.map((id) => {
        const m = getMetric(id, { loss: o.lossId });
        m.reset();
        return m;
      }),
    );
    noGrad(() => this.metrics!.forEach((ms, i) => ms.forEach((m) => m.update(ys[i], preds[i]))));
  }
  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.loss.result() };
    const multi = this.c.outputs.length > 1;
    if (multi) this.c.outputs.forEach((o, i) => (logs[`${prefix}${o.name}_loss`] = this.outputLoss[i].result()));
    this.metrics?.forEach((ms, i) =>
      ms.forEach((m) => (logs[`${prefix}${multi ? `${this.c.outputs[i].name}_` : ''}${m.name}`] = m.result())),
    );
    return logs;
  }
}

/** Total loss = sum of weighted output losses + regularization penalties. */
function computeLoss(model: Model, c: Compiled, ys: Tensor[], preds: Tensor[]): { total: Tensor; perOutput: Tensor[] } {
  const perOutput = c.outputs.map((o, i) => o.loss.call(ys[i], preds[i]));
  let total = perOutput.reduce((acc: Tensor | null, l, i) => {
    const w = c.outputs[i].weight === 1 ? l : mul(l, c.outputs[i].weight);
    return acc ? add(acc, w) : w;
  }, null)!;
  for (const r of model.regularizationLosses()) total = add(total, r);
  return { total, perOutput };
}

function checkPredictions(model: Model, preds: Tensor[], ys: Tensor[]): void {
  if (preds.length !== ys.length) throw new ValueError(`${model.name}: the model has ${preds.length} output(s) but ${ys.length} target array(s) were given`);
}

/** One optimization step on one batch; returns the (already read back) loss values. */
function trainStep(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], trackers: Trackers): number {
  return scope(() => {
    const out = model.call(xs.length === 1 ? xs[0] : xs, { training: true });
    const preds = Array.isArray(out) ? out : [out];
    checkPredictions(model, preds, ys);
    const { total, perOutput } = computeLoss(model, c, ys, preds);
    const weights = model.trainableWeights;
    const grads = gradients(total, weights);
    c.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]] as [Tensor | null, Tensor]).filter((p): p is [Tensor, Tensor] => p[0] !== null));
    const lossValue = total.item();
    trackers.update(ys, preds, lossValue, c.outputs.length > 1 ? perOutput.map((l) => l.item()) : [], xs[0].shape[0]);
    return lossValue;
  });
}

function testStep(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], trackers: Trackers): void {
  noGrad(() =>
    scope(() => {
      const out = model.call(xs.length === 1 ? xs[0] : xs, { training: false });
      const preds = Array.isArray(out) ? out : [out];
      checkPredictions(model, preds, ys);
      const { total, perOutput } = computeLoss(model, c, ys, preds);
      trackers.update(ys, preds, total.item(), c.outputs.length > 1 ? perOutput.map((l) => l.item()) : [], xs[0].shape[0]);
    }),
  );
}

function batchOf(ts: Tensor[], start: number, size: number, order?: Int32Array): Tensor[] {
  if (!order) return ts.map((t) => narrow(t, 0, start, size));
  const idx = tensor(order.subarray(start, start + size), { dtype: 'int32' });
  const out = ts.map((t) => gather(t, idx, 0));
  idx.dispose();
  return out;
}

// setImmediate in Node; a browser has none (setTimeout 0 there: fit yields at most every 200 ms and per epoch).
const yieldToEventLoop = (): Promise<void> =>
  new Promise((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));

export async function fit(model: Model, x: Data, y: Data, args: FitArgs = {}): Promise<History> {
  const c = compiledOf(model, 'fit');
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  let xs = asList(x, 'fit x');
  let ys = asList(y, 'fit y');
  let n = sampleCount(xs, ys, 'fit');
  let val: [Tensor[], Tensor[]] | undefined;
  if (args.validationData) {
    const vx = asList(args.validationData[0], 'fit validationData x');
    const vy = asList(args.validationData[1], 'fit validationData y');
    sampleCount(vx, vy, 'fit validationData');
    val = [vx, vy];
  } else if (args.validationSplit) {
    const s = args.validationSplit;
    if (!(s > 0 && s < 1)) throw new ValueError(`fit: validationSplit must be between 0 and 1, got ${s}`);
    const nTrain = Math.floor(n * (1 - s));
    if (nTrain === 0 || nTrain === n) throw new ValueError(`fit: validationSplit ${s} of ${n} samples leaves an empty part`);
    val = [xs.map((t) => narrow(t, 0, nTrain, n - nTrain)), ys.map((t) => narrow(t, 0, nTrain, n - nTrain))];
    xs = xs.map((t) => narrow(t, 0, 0, nTrain));
    ys = ys.map((t) => narrow(t, 0, 0, nTrain));
    n = nTrain;
  }
  const steps = Math.ceil(n / batchSize);
  const verbose = args.verbose ?? 1;
  const stream = args.stream ?? defaultStream();
  const history = new History();
  // History goes last (as in Keras) so it records what other callbacks add to the epoch logs (learning_rate)
  const callbacks = new CallbackList([...(args.callbacks ?? []).map(toCallback), history]);
  for (const cb of callbacks.callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs, steps, verbose });
  }
  model.training.stopTraining = false;
  await callbacks.call('onTrainBegin', {});
  for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !model.training.stopTraining; epoch++) {
    await callbacks.call('onEpochBegin', epoch, {});
    if (verbose) stream.write(`Epoch ${epoch + 1}/${epochs}\n`);
    const bar = verbose === 1 ? new ProgressBar(steps, stream) : verbose === 2 ? new ProgressBar(steps, stream, false) : undefined;
    const trackers = new Trackers(c);
    const order = args.shuffle === false ? undefined : permutation(n);
    let lastYield = performance.now();
    for (let b = 0; b < steps && !model.training.stopTraining; b++) {
      await callbacks.call('onBatchBegin', b, {});
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      const bx = batchOf(xs, start, size, order);
      const by = batchOf(ys, start, size, order);
      try {
        trainStep(model, c, bx, by, trackers);
      } finally {
        for (const t of [...bx, ...by]) t.dispose();
      }
      const logs = trackers.logs();
      bar?.update(b + 1, logs);
      await callbacks.call('onBatchEnd', b, { ...logs, batch: b, size });
      if (performance.now() - lastYield > 200) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const logs = trackers.logs();
    if (val) Object.assign(logs, await evaluateLists(model, c, val[0], val[1], batchSize, 'val_'));
    bar?.finish(logs);
    model.training.epoch = epoch + 1;
    await callbacks.call('onEpochEnd', epoch, logs);
    await yieldToEventLoop();
  }
  await callbacks.call('onTrainEnd', {});
  return history;
}

async function evaluateLists(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], batchSize: number, prefix = '', bar?: ProgressBar): Promise<Logs> {
  const n = sampleCount(xs, ys, 'evaluate');
  const trackers = new Trackers(c);
  const steps = Math.ceil(n / batchSize);
  for (let b = 0; b < steps; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, n - start);
    const bx = batchOf(xs, start, size);
    const by = batchOf(ys, start, size);
    try {
      testStep(model, c, bx, by, trackers);
    } finally {
      for (const t of [...bx, ...by]) t.dispose();
    }
    bar?.update(b + 1, trackers.logs(prefix));
  }
  const logs = trackers.logs(prefix);
  bar?.finish(logs);
  return logs;
}

/** Loss and metrics over a dataset, as plain numbers: `{loss, accuracy, ...}`. */
export async function evaluate(model: Model, x: Data, y: Data, args: EvaluateArgs = {}): Promise<Logs> {
  const c = compiledOf(model, 'evaluate');
  const xs = asList(x, 'evaluate x');
  const ys = asList(y, 'evaluate y');
  const n = sampleCount(xs, ys, 'evaluate');
  const batchSize = args.batchSize ?? 32;
  const bar = args.verbose ? new ProgressBar(Math.ceil(n / batchSize), args.stream ?? defaultStream()) : undefined;
  return evaluateLists(model, c, xs, ys, batchSize, '', bar);
}

/** Model outputs for `x`, computed in batches without recording gradients. */
export function predict(model: Model, x: Data, args: { batchSize?: number } = {}): Tensor | Tensor[] {
  const xs = asList(x, 'predict x');
  const n = sampleCount(xs, undefined, 'predict');
  const batchSize = args.batchSize ?? 32;
  const parts: Tensor[][] = [];
  noGrad(() => {
    for (let start = 0; start < n || (n === 0 && start === 0); start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const out = scope(() => {
        const bx = batchOf(xs, start, size);
        const o = model.call(bx.length === 1 ? bx[0] : bx, { training: false });
        return Array.isArray(o) ? o : [o];
      });
      parts.push(out.map((t) => keep(t)));
      if (n === 0) break;
    }
  });
  const outputs = parts[0].map((_, i) => {
    const list = parts.map((p) => p[i]);
    const joined = list.length === 1 ? list[0] : concat(list, 0);
    if (list.length > 1) for (const t of list) t.dispose();
    return joined;
  });
  return outputs.length === 1 ? outputs[0] : outputs;
}

/** One training step on the given batch; returns `{loss, ...metrics}` of that batch. */
export function trainOnBatch(model: Model, x: Data, y: Data): Logs {
  return onBatch(model, x, y, 'trainOnBatch', trainStep);
}

/** Loss and metrics of one batch, without updating weights. */
export function testOnBatch(model: Model, x: Data, y: Data): Logs {
  return onBatch(model, x, y, 'testOnBatch', testStep);
}

function onBatch(model: Model, x: Data, y: Data, where: string, step: typeof testStep): Logs {
  const c = compiledOf(model, where);
  const xs = asList(x, `${where} x`);
  const ys = asList(y, `${where} y`);
  sampleCount(xs, ys, where);
  const trackers = new Trackers(c);
  step(model, c, xs, ys, trackers);
  return trackers.logs();
}
