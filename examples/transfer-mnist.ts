/**
 * Transfer learning on MNIST: train a small CNN on the digits 0-4, then reuse its convolutional base for the digits
 * 5-9 with only a few labelled examples, and compare with the same network trained from scratch on them.
 *
 *   1. base: conv3x3(16) + BN + ReLU + max pool, conv3x3(32) + BN + ReLU + max pool, flatten, dense softmax over
 *      0-4, trained on digits 0-4
 *   2. `featureExtractor(base, 'flatten')`: a model computing the base's flattened features with the base's own
 *      layers (shared weights), frozen with `trainable = false` (its BatchNormalization layers then run in
 *      inference mode)
 *   3. a new dense softmax head for 5-9 (labels 5..9 → 0..4) trained on `fewShot` examples: only the head learns;
 *      the base's weights stay bit-identical (checked)
 *   4. fine-tuning: the convolutions trainable again (BatchNormalization stays frozen, as the Keras guide
 *      recommends), everything trained a little more with a 10x lower learning rate
 *   5. scratch: the same architecture, freshly initialized, trained on the same examples for as many epochs
 *
 * Several few-shot sizes reuse one base model (its weights are put back after each fine-tuning).
 *
 *   node --import tsx examples/transfer-mnist.ts [--train-base 12000] [--few-shot 100,500] [--epochs 10] [--seed 1]
 *   npx deepts example transfer-mnist --few-shot 500
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as dt from '../src/index.js';

const L = dt.layers;

export interface TransferOptions {
  /** digits 0-4 training images for the base model (default 3000) */
  trainBase?: number;
  /** labelled images of digits 5-9 for the new task; several sizes reuse one base model (default 100) */
  fewShot?: number | number[];
  /** epochs on the base task (default 1) */
  baseEpochs?: number;
  /** epochs of the new head and of the from-scratch network on the few-shot set (default 10) */
  epochs?: number;
  /** fine-tuning epochs after the head (0: no fine-tuning; default 2) */
  fineTuneEpochs?: number;
  /** filters of the two convolutions (default [16, 32]) */
  filters?: [number, number];
  /** test images (the first N of the 10,000) the accuracies are measured on (default 2000) */
  testLimit?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface FewShotResult {
  fewShot: number;
  /** digits 5-9 test accuracy: frozen base + new head */
  transferAccuracy: number;
  /** after fine-tuning (undefined without fine-tuning) */
  fineTunedAccuracy?: number;
  /** the same network trained from scratch on the same examples */
  scratchAccuracy: number;
  /** the frozen base's weights (BatchNormalization statistics included) are bit-identical after training the head */
  frozenUnchanged: boolean;
  /** fine-tuning changed every convolution weight and none of the (frozen) BatchNormalization weights */
  fineTuneChanged?: boolean;
}

export interface TransferResult {
  /** accuracy of the base model on the test digits 0-4 */
  baseAccuracy: number;
  runs: FewShotResult[];
  /** weight tensors of the frozen base (compared for `frozenUnchanged`), and their number of values */
  frozenWeights: number;
  frozenParams: number;
  /** trainable parameters while training the head */
  headParams: number;
  /** test images of digits 5-9 and 0-4 the accuracies are over */
  testCounts: { new: number; base: number };
  seconds: number;
}

interface Split {
  x: dt.Tensor;
  y: dt.Tensor;
}

/** The images whose label is in [lo, hi], at most `max` of them, labels shifted by -lo. */
function digits(x: dt.Tensor, y: dt.Tensor, lo: number, hi: number, max = Infinity): Split {
  const labels = y.dataSync();
  const pixels = x.dataSync();
  const size = x.size / x.shape[0];
  const picked: number[] = [];
  for (let i = 0; i < labels.length && picked.length < max; i++) if (labels[i] >= lo && labels[i] <= hi) picked.push(i);
  const xs = new Float32Array(picked.length * size);
  const ys = new Int32Array(picked.length);
  picked.forEach((src, i) => {
    xs.set(pixels.subarray(src * size, (src + 1) * size), i * size);
    ys[i] = Number(labels[src]) - lo;
  });
  return { x: dt.tensor(xs, { shape: [picked.length, ...x.shape.slice(1)] }), y: dt.tensor(ys, { shape: [picked.length], dtype: 'int32' }) };
}

/** conv3x3(f1) + BN + ReLU + pool, conv3x3(f2) + BN + ReLU + pool, flatten, dense softmax. */
export function buildCnn(filters: [number, number], classes: number, name: string): dt.Sequential {
  // momentum 0.9 instead of Keras's 0.99: these runs are a few hundred steps, and the moving statistics used at
  // test time must have caught up with the batch statistics by then
  const bn = (n: string) => L.batchNormalization({ momentum: 0.9, name: n });
  return dt.sequential({
    name,
    layers: [
      L.conv2d({ filters: filters[0], kernelSize: 3, padding: 'same', inputShape: [28, 28, 1], name: 'conv1' }),
      bn('bn1'),
      L.activation({ activation: 'relu', name: 'relu1' }),
      L.maxPooling2d({ name: 'pool1' }),
      L.conv2d({ filters: filters[1], kernelSize: 3, padding: 'same', name: 'conv2' }),
      bn('bn2'),
      L.activation({ activation: 'relu', name: 'relu2' }),
      L.maxPooling2d({ name: 'pool2' }),
      L.flatten({ name: 'flatten' }),
      L.dense({ units: classes, activation: 'softmax', name: 'digits' }),
    ],
  });
}

const snapshot = (ws: dt.Tensor[]): Uint8Array[] => ws.map((w) => new Uint8Array(w.dataSync().slice().buffer));
const sameBytes = (a: Uint8Array[], b: Uint8Array[]): boolean => a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
const countParams = (ws: dt.Tensor[]): number => ws.reduce((n, w) => n + w.size, 0);

export async function runTransfer(options: TransferOptions = {}): Promise<TransferResult> {
  const {
    trainBase = 3000, fewShot = 100, baseEpochs = 1, epochs = 10, fineTuneEpochs = 2, filters = [16, 32],
    testLimit = 2000, learningRate = 0.003, batchSize = 32, seed = 1, log = () => {},
  } = options;
  const sizes = Array.isArray(fewShot) ? fewShot : [fewShot];
  const start = performance.now();
  dt.seed(seed);
  // about half of MNIST is 0-4, half 5-9: load enough images for both sets (at most all 60,000)
  const maxShot = Math.max(...sizes);
  const mnist = dt.loadMnist({ layout: 'nhwc', limit: Math.min(60000, Math.max(testLimit, Math.ceil((trainBase + maxShot) * 2.4) + 1000)) });
  const testX = mnist.test.x.slice([{ stop: testLimit }]);
  const testY = mnist.test.y.slice([{ stop: testLimit }]);
  const baseTrain = digits(mnist.train.x, mnist.train.y, 0, 4, trainBase);
  const newPool = digits(mnist.train.x, mnist.train.y, 5, 9, maxShot);
  const baseTest = digits(testX, testY, 0, 4);
  const newTest = digits(testX, testY, 5, 9);
  for (const t of [mnist.train.x, mnist.train.y, mnist.test.x, mnist.test.y]) t.dispose();
  if (baseTrain.x.shape[0] < trainBase || newPool.x.shape[0] < maxShot) {
    throw new dt.ValueError(`runTransfer: MNIST has only ${baseTrain.x.shape[0]} / ${newPool.x.shape[0]} images for trainBase=${trainBase}, fewShot=${maxShot}`);
  }
  log(`base task: digits 0-4, ${trainBase} training images; new task: digits 5-9 with ${sizes.join(' / ')} labelled images; test: ${baseTest.x.shape[0]} + ${newTest.x.shape[0]} images`);
  const fitArgs = { batchSize, verbose: 0 as const };
  const accuracy = async (m: dt.Model, s: Split): Promise<number> => (await m.evaluate(s.x, s.y, { batchSize: 500 })).accuracy;
  const compile = (m: dt.Model, lr: number): void => {
    m.optimizer?.dispose(); // the slots of a previous compile
    m.compile({ optimizer: new dt.Adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  };

  // 1. the base model, on 0-4
  const base = buildCnn(filters, 5, 'base_0_4');
  compile(base, learningRate);
  await base.fit(baseTrain.x, baseTrain.y, { ...fitArgs, epochs: baseEpochs });
  const baseAccuracy = await accuracy(base, baseTest);
  log(`base model: ${base.countParams()} parameters, ${baseEpochs} epoch(s): test accuracy on 0-4 ${baseAccuracy.toFixed(4)}`);

  // 2. its convolutional base: the layers up to 'flatten', shared with `base`
  const features = dt.featureExtractor(base, 'flatten', { name: 'conv_base' });
  const frozen = features.weights;
  const trained = snapshot(frozen);
  const trainedValues = frozen.map((w) => dt.keep(w.clone()));
  const runs: FewShotResult[] = [];
  let headParams = 0;
  for (const n of sizes) {
    const train = { x: newPool.x.slice([{ stop: n }]), y: newPool.y.slice([{ stop: n }]) };
    // 3. frozen base + a new head
    features.trainable = false;
    const transfer = dt.sequential({ name: 'transfer_5_9', layers: [features, L.dense({ units: 5, activation: 'softmax', name: 'head_5_9' })] });
    compile(transfer, learningRate);
    headParams = countParams(transfer.trainableWeights);
    await transfer.fit(train.x, train.y, { ...fitArgs, epochs });
    const frozenUnchanged = sameBytes(trained, snapshot(frozen));
    const transferAccuracy = await accuracy(transfer, newTest);
    log(`${n} labels: frozen base + new head (${headParams} trainable), ${epochs} epochs: ${transferAccuracy.toFixed(4)}; base unchanged: ${frozenUnchanged}`);

    // 4. fine-tuning: convolutions trainable again, BatchNormalization kept frozen (inference mode), lr / 10
    let fineTunedAccuracy: number | undefined;
    let fineTuneChanged: boolean | undefined;
    if (fineTuneEpochs > 0) {
      features.trainable = true;
      for (const l of features.layers) if (l instanceof L.BatchNormalization) l.trainable = false;
      compile(transfer, learningRate / 10);
      await transfer.fit(train.x, train.y, { ...fitArgs, epochs: fineTuneEpochs });
      fineTunedAccuracy = await accuracy(transfer, newTest);
      const now = snapshot(frozen);
      fineTuneChanged = frozen.every((w, i) => sameBytes([now[i]], [trained[i]]) === /moving|gamma|beta/.test(w.name ?? ''));
      log(`${n} labels:   fine-tuned (${countParams(transfer.trainableWeights)} trainable), ${fineTuneEpochs} epochs at learning rate ${+(learningRate / 10).toPrecision(3)}: ${fineTunedAccuracy.toFixed(4)}`);
      frozen.forEach((w, i) => dt.assign(w, trainedValues[i])); // the base as trained on 0-4, for the next size
    }
    transfer.optimizer?.dispose();
    transfer.getLayer('head_5_9').dispose();

    // 5. the same network from scratch on the same examples
    const scratch = buildCnn(filters, 5, 'scratch_5_9');
    compile(scratch, learningRate);
    await scratch.fit(train.x, train.y, { ...fitArgs, epochs });
    const scratchAccuracy = await accuracy(scratch, newTest);
    log(`${n} labels: the same network from scratch, ${epochs} epochs: ${scratchAccuracy.toFixed(4)}`);
    scratch.optimizer?.dispose();
    scratch.dispose();
    train.x.dispose();
    train.y.dispose();
    runs.push({ fewShot: n, transferAccuracy, fineTunedAccuracy, scratchAccuracy, frozenUnchanged, fineTuneChanged });
  }

  const result: TransferResult = {
    baseAccuracy, runs, frozenWeights: frozen.length, frozenParams: countParams(frozen), headParams,
    testCounts: { new: newTest.x.shape[0], base: baseTest.x.shape[0] }, seconds: (performance.now() - start) / 1000,
  };
  for (const s of [baseTrain, newPool, baseTest, newTest]) {
    s.x.dispose();
    s.y.dispose();
  }
  for (const t of [testX, testY, ...trainedValues]) t.dispose();
  base.optimizer?.dispose();
  base.dispose();
  return result;
}

/** The comparison as a small table: one row per few-shot size. */
export function formatTable(r: TransferResult): string {
  const pct = (a: number | undefined): string => (a === undefined ? '-' : `${(a * 100).toFixed(1)}%`).padStart(12);
  const lines = [
    `digits 5-9, test accuracy on ${r.testCounts.new} images (base model: ${(r.baseAccuracy * 100).toFixed(1)}% on digits 0-4)`,
    '',
    `${'labels'.padStart(6)}${'scratch'.padStart(12)}${'frozen base'.padStart(12)}${'fine-tuned'.padStart(12)}${'gain'.padStart(9)}`,
  ];
  for (const run of r.runs) {
    const best = Math.max(run.transferAccuracy, run.fineTunedAccuracy ?? 0);
    const gain = ((best - run.scratchAccuracy) * 100).toFixed(1);
    lines.push(`${String(run.fewShot).padStart(6)}${pct(run.scratchAccuracy)}${pct(run.transferAccuracy)}${pct(run.fineTunedAccuracy)}${(Number(gain) >= 0 ? `+${gain}` : gain).padStart(9)}`);
  }
  lines.push('', `gain: best transfer accuracy minus scratch, in points; frozen base unchanged while training the head: ${r.runs.every((x) => x.frozenUnchanged)}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      'train-base': { type: 'string', default: '12000' },
      'few-shot': { type: 'string', default: '100,500' },
      'base-epochs': { type: 'string', default: '2' },
      epochs: { type: 'string', default: '10' },
      'fine-tune-epochs': { type: 'string', default: '2' },
      filters: { type: 'string', default: '16,32' },
      'test-limit': { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const r = await runTransfer({
    trainBase: Number(values['train-base']), fewShot: values['few-shot']!.split(',').map(Number), baseEpochs: Number(values['base-epochs']),
    epochs: Number(values.epochs), fineTuneEpochs: Number(values['fine-tune-epochs']), filters: values.filters!.split(',').map(Number) as [number, number],
    testLimit: Number(values['test-limit']), seed: Number(values.seed), log: (line) => console.log(line),
  });
  console.log('');
  console.log(formatTable(r));
  console.log(`(${r.seconds.toFixed(1)}s, live tensors: ${dt.memory().numTensors})`);
}
