/** `deepts eval DIR` and `deepts predict DIR`: a model saved with `model.save` (or `train --save`) on MNIST test images. */
import { existsSync, statSync } from 'node:fs';
import { fromData } from '../core/engine.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readMnistRaw } from '../data/mnist-files.js';
import { toCategorical } from '../data/dataset.js';
import { fmtLayerShape } from '../nn/symbolic.js';
import { softmax } from '../ops/nn.js';
import type { Model } from '../train/model.js';
import { loadModel } from '../train/saving.js';
import type { Compiled } from '../train/trainer.js';
import { checkKnownFlags, numberFlag, parseArgs, type ParsedArgs } from './args.js';

export const EVAL_FLAGS = ['limit', 'batch-size'];
export const PREDICT_FLAGS = ['count'];

function positiveFlag(args: ParsedArgs, name: string, fallback: number | undefined): number | undefined {
  if (!args.flags.has(name)) return fallback;
  const n = numberFlag(args, name, 0);
  if (n <= 0) throw new ValueError(`--${name} expects a positive integer, got ${n}`);
  return n;
}

/** Loads the model in `dir` with clear errors for a missing argument, a missing folder or a file. */
async function loadSaved(command: string, args: ParsedArgs): Promise<{ model: Model; dir: string }> {
  if (args.positionals.length !== 1) {
    throw new ValueError(`deepts ${command}: give the folder of one saved model, e.g. deepts ${command} ./mnist-mlp (got ${args.positionals.length} arguments)`);
  }
  const dir = args.positionals[0];
  if (!existsSync(dir)) throw new ValueError(`no such folder: ${dir} (save a model there with: deepts train mnist --save ${dir})`);
  if (!statSync(dir).isDirectory()) throw new ValueError(`${dir} is a file; expected the folder written by model.save (model.json + weights.safetensors)`);
  return { model: await loadModel(dir), dir };
}

/** The first `limit` MNIST test images, shaped for the model's input (flat [784], [28,28] or [28,28,1]...). */
function testImages(model: Model, limit?: number): { x: Tensor; y: Int32Array } {
  const shapes = model.inputShapes;
  if (!shapes || shapes.length !== 1) throw new ValueError(`the model has ${shapes?.length ?? 0} inputs; MNIST needs a model with one image input`);
  const sample = shapes[0].slice(1);
  const raw = readMnistRaw({ split: 'test' });
  const pixels = raw.rows * raw.cols;
  const known = sample.every((d): d is number => d !== null);
  if (!known || sample.reduce((p: number, d) => p * (d as number), 1) !== pixels) {
    throw new ValueError(`the model takes inputs of shape ${fmtLayerShape(shapes[0])}, which MNIST images (${raw.rows}×${raw.cols} = ${pixels} pixels) do not fit`);
  }
  const n = Math.min(limit ?? raw.count, raw.count);
  const x = new Float32Array(n * pixels);
  for (let i = 0; i < x.length; i++) x[i] = raw.images[i] / 255;
  return { x: fromData(x, [n, ...(sample as number[])], 'float32'), y: Int32Array.from(raw.labels.subarray(0, n)) };
}

function checkTenClasses(model: Model): void {
  const out = model.outputShapes;
  if (!out || out.length !== 1 || out[0][out[0].length - 1] !== 10) {
    throw new ValueError(`the model's output shape is ${out ? out.map(fmtLayerShape).join(', ') : 'unknown'}; MNIST needs one output of 10 classes`);
  }
}

function describe(model: Model, dir: string): string {
  return `Model "${model.name}" (${model.countParams().toLocaleString('en-US')} parameters) from ${dir}`;
}

export async function evalCommand(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const args = parseArgs(argv);
  checkKnownFlags(args, EVAL_FLAGS, 'deepts eval');
  const limit = positiveFlag(args, 'limit', undefined);
  const batchSize = positiveFlag(args, 'batch-size', 1000)!;
  const { model, dir } = await loadSaved('eval', args);
  checkTenClasses(model);
  out(describe(model, dir));
  if (!model.training.compiled) {
    out('(saved without a training configuration: evaluating with sparseCategoricalCrossentropy and accuracy)');
    model.compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  }
  const { x, y } = testImages(model, limit);
  const lossName = (model.training.compiled as Compiled).outputs[0].loss.className;
  // one-hot targets for a model compiled with categoricalCrossentropy, class indices otherwise
  const targets = lossName === 'CategoricalCrossentropy' ? toCategorical(y, 10) : fromData(y, [y.length], 'int32');
  const t0 = performance.now();
  const result = await model.evaluate(x, targets, { batchSize });
  const seconds = (performance.now() - t0) / 1000;
  out(`MNIST test set: ${x.shape[0]} images, evaluated in ${seconds.toFixed(1)}s`);
  const parts = [`Test loss: ${result.loss.toFixed(4)}`];
  for (const [k, v] of Object.entries(result)) if (k !== 'loss') parts.push(`Test ${k}: ${v.toFixed(4)}`);
  out(parts.join(' - '));
  return 0;
}

/** True when every row is a probability distribution (a softmax output), so no softmax is applied again. */
function looksLikeProbabilities(p: Float32Array | Float64Array, classes: number): boolean {
  for (let r = 0; r < p.length / classes; r++) {
    let s = 0;
    for (let c = 0; c < classes; c++) {
      const v = p[r * classes + c];
      if (!(v >= 0 && v <= 1)) return false;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

export async function predictCommand(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const args = parseArgs(argv);
  checkKnownFlags(args, PREDICT_FLAGS, 'deepts predict');
  const count = positiveFlag(args, 'count', 10)!;
  const { model, dir } = await loadSaved('predict', args);
  checkTenClasses(model);
  const { x, y } = testImages(model, count);
  let probs = model.predict(x, { batchSize: 1000 }) as Tensor;
  let data = probs.dataSync() as Float32Array;
  out(describe(model, dir));
  if (!looksLikeProbabilities(data, 10)) {
    probs = softmax(probs, -1);
    data = probs.dataSync() as Float32Array;
    out('(the outputs are not probabilities, so they are shown after a softmax)');
  }
  out('image  label  predicted  probability');
  let correct = 0;
  for (let i = 0; i < x.shape[0]; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (data[i * 10 + c] > data[i * 10 + best]) best = c;
    const ok = best === y[i];
    if (ok) correct++;
    out(`${String(i).padStart(5)}  ${String(y[i]).padStart(5)}  ${String(best).padStart(9)}  ${data[i * 10 + best].toFixed(4).padStart(11)}  ${ok ? 'ok' : 'WRONG'}`);
  }
  out(`${correct}/${x.shape[0]} correct`);
  return 0;
}
