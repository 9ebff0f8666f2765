/**
 * Unsupervised pre-training: a dense autoencoder 784-128-32-128-784 (sigmoid output, binary cross-entropy) learns
 * to reconstruct MNIST images without their labels; its two encoder layers then become the first layers of a
 * classifier (the same layer objects, so the same weights) trained on a small labelled subset. Compared with the
 * same classifier trained from scratch; and, to see what the pre-training put into the 32-number code, a head
 * trained on the frozen pre-trained encoder against one on a frozen randomly initialized encoder. A PNG shows test
 * images (top row) above their reconstructions (bottom row).
 *
 *   node --import tsx examples/autoencoder-pretrain.ts [--unlabelled 20000] [--labelled 300] [--png FILE]
 *   npx deepts example autoencoder-pretrain
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as dt from '../src/index.js';

const L = dt.layers;

export interface AutoencoderOptions {
  /** images used without labels for pre-training (default 5000) */
  unlabelled?: number;
  /** labelled images for the classifiers (default 300; disjoint from the unlabelled ones) */
  labelled?: number;
  /** autoencoder epochs (default 5) */
  aeEpochs?: number;
  /** epochs of each classifier stage: probe, then fine-tuning; the scratch classifier gets both (default 20) */
  epochs?: number;
  /** reconstruction loss (default binaryCrossentropy) */
  loss?: 'binaryCrossentropy' | 'mse';
  /** test images the accuracies and the reconstruction error are measured on (default 2000) */
  testLimit?: number;
  /** write a PNG of test images over their reconstructions here (none by default) */
  png?: string;
  /** images in the PNG (default 10) */
  pngCount?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface AutoencoderResult {
  /** test loss and mean squared error of the reconstructions, after pre-training */
  reconstructionLoss: number;
  reconstructionMse: number;
  /** what predicting the mean training image would give (for scale) */
  baselineMse: number;
  /** test accuracy: pre-trained encoder + new head, after the probe below, fine-tuned all together */
  pretrainedAccuracy: number;
  /** test accuracy: frozen pre-trained encoder + new head (a linear probe on the 32-number code) */
  probeAccuracy: number;
  /** test accuracy: frozen randomly initialized encoder + new head (what the probe gets without pre-training) */
  randomProbeAccuracy: number;
  /** test accuracy: the same classifier from scratch (2 x epochs) */
  scratchAccuracy: number;
  /** the classifier's first layers are the autoencoder's encoder layers (the same objects and weights) */
  sharesEncoder: boolean;
  /** the PNG written, if any */
  png?: { path: string; width: number; height: number };
  seconds: number;
}

/** The encoder 784-128 (ReLU)-32 (linear: the code is not clipped at 0, like PCA's), as fresh layers. */
function encoderLayers(): dt.Layer[] {
  return [
    L.dense({ units: 128, activation: 'relu', inputShape: [784], name: 'encoder_1' }),
    L.dense({ units: 32, name: 'code' }),
  ];
}

/** Encoder 784-128-32, decoder 32-128-784 (sigmoid); the autoencoder is both, in one Sequential. */
export function buildAutoencoder(): { autoencoder: dt.Sequential; encoder: dt.Layer[] } {
  const encoder = encoderLayers();
  const decoder = [
    L.dense({ units: 128, activation: 'relu', name: 'decoder_1' }),
    L.dense({ units: 784, activation: 'sigmoid', name: 'reconstruction' }),
  ];
  return { autoencoder: dt.sequential({ name: 'autoencoder', layers: [...encoder, ...decoder] }), encoder };
}

/** The classifier: the given encoder layers (or fresh ones of the same sizes) + a dense softmax over 10 digits. */
function classifier(name: string, encoder = encoderLayers()): dt.Sequential {
  return dt.sequential({ name, layers: [...encoder, L.dense({ units: 10, activation: 'softmax', name: 'digits' })] });
}

export async function runAutoencoder(options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  const {
    unlabelled = 5000, labelled = 300, aeEpochs = 5, epochs = 20, loss = 'binaryCrossentropy', testLimit = 2000,
    png, pngCount = 10, seed = 1, log = () => {},
  } = options;
  const start = performance.now();
  dt.seed(seed);
  if (labelled + unlabelled > 60000) throw new dt.ValueError(`runAutoencoder: MNIST has 60,000 training images, asked for ${labelled} + ${unlabelled}`);
  const data = dt.loadMnist({ layout: 'flat', limit: Math.max(labelled + unlabelled, testLimit) });
  const labelledX = data.train.x.slice([{ stop: labelled }]);
  const labelledY = data.train.y.slice([{ stop: labelled }]);
  const unlabelledX = data.train.x.slice([{ start: labelled, stop: labelled + unlabelled }]); // their labels are never used
  const test = { x: data.test.x.slice([{ stop: testLimit }]), y: data.test.y.slice([{ stop: testLimit }]) };
  log(`pre-training on ${unlabelled} unlabelled images; classifiers on ${labelled} labelled images; test on ${test.x.shape[0]}`);

  // 1. pre-training: reconstruct the input
  const { autoencoder, encoder } = buildAutoencoder();
  autoencoder.compile({ optimizer: new dt.Adam({ learningRate: 0.002 }), loss });
  const history = await autoencoder.fit(unlabelledX, unlabelledX, { epochs: aeEpochs, batchSize: 64, verbose: 0 });
  autoencoder.optimizer!.dispose();
  const reconstructionLoss = (await autoencoder.evaluate(test.x, test.x, { batchSize: 500 })).loss;
  const [reconstructionMse, baselineMse] = dt.scope(() => {
    const recon = autoencoder.predict(test.x, { batchSize: 500 }) as dt.Tensor;
    const meanImage = unlabelledX.mean(0);
    return [recon.sub(test.x).square().mean().item(), test.x.sub(meanImage).square().mean().item()];
  });
  log(`autoencoder: ${autoencoder.countParams()} parameters, ${aeEpochs} epochs, training loss ${history.history.loss.map((v) => v.toFixed(4)).join(' → ')}`);
  log(`  test ${loss} ${reconstructionLoss.toFixed(4)}, MSE ${reconstructionMse.toFixed(4)} (the mean image: ${baselineMse.toFixed(4)})`);

  let pngInfo: AutoencoderResult['png'];
  if (png) {
    const n = Math.min(pngCount, test.x.shape[0]);
    const grid = dt.scope(() => {
      const originals = test.x.slice([{ stop: n }]);
      const recon = autoencoder.predict(originals) as dt.Tensor;
      return dt.imageGrid(dt.concat([originals, recon], 0).reshape([2 * n, 28, 28]), { cols: n, scale: 2, padding: 2 });
    });
    dt.savePng(png, grid.width, grid.height, grid.pixels);
    pngInfo = { path: png, width: grid.width, height: grid.height };
    log(`  wrote ${png} (${grid.width}x${grid.height}): ${n} test images above their reconstructions`);
  }

  // every classifier: Adam, batches of 32. A head on a frozen encoder learns with a larger step (0.01: the code's
  // values are a few units large, and only 330 weights move); fine-tuning a pre-trained encoder with a small one.
  const train = async (m: dt.Model, learningRate: number, n: number): Promise<number> => {
    m.optimizer?.dispose();
    m.compile({ optimizer: new dt.Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(labelledX, labelledY, { epochs: n, batchSize: 32, verbose: 0 });
    return (await m.evaluate(test.x, test.y, { batchSize: 500 })).accuracy;
  };
  const trainable = (m: dt.Model): number => m.trainableWeights.reduce((n, w) => n + w.size, 0);

  // 2. the encoder, frozen, as the first layers of a classifier: only the new head learns (a linear probe of the
  //    32-number code); the same with a frozen random encoder shows what pre-training put into the code
  for (const l of encoder) l.trainable = false;
  const pretrained = classifier('pretrained', encoder);
  const sharesEncoder = encoder.every((l, i) => pretrained.layers[i] === l && autoencoder.layers[i] === l) && pretrained.getLayer('code').weights[0] === autoencoder.getLayer('code').weights[0];
  const probeAccuracy = await train(pretrained, 0.01, epochs);
  const randomEncoder = encoderLayers();
  for (const l of randomEncoder) l.trainable = false;
  const randomProbe = classifier('random_probe', randomEncoder);
  const randomProbeAccuracy = await train(randomProbe, 0.01, epochs);
  log(`frozen encoder + new head (${trainable(pretrained)} trainable), ${epochs} epochs: pre-trained ${probeAccuracy.toFixed(4)}, random ${randomProbeAccuracy.toFixed(4)}`);

  // 3. then the whole classifier (encoder unfrozen) fine-tuned with a small learning rate (the Keras recipe)
  for (const l of encoder) l.trainable = true;
  const pretrainedAccuracy = await train(pretrained, 0.0003, epochs);
  log(`  then all ${trainable(pretrained)} weights fine-tuned, ${epochs} more epochs at learning rate 0.0003: ${pretrainedAccuracy.toFixed(4)}`);

  // 4. the same classifier from scratch, for as many epochs in all
  const scratch = classifier('scratch');
  const scratchAccuracy = await train(scratch, 0.002, 2 * epochs);
  log(`from scratch, ${2 * epochs} epochs: ${scratchAccuracy.toFixed(4)}`);
  for (const m of [pretrained, randomProbe, scratch]) m.optimizer!.dispose();

  for (const t of [labelledX, labelledY, unlabelledX, test.x, test.y, data.train.x, data.train.y, data.test.x, data.test.y]) t.dispose();
  for (const m of [randomProbe, pretrained, autoencoder, scratch]) m.dispose();
  return {
    reconstructionLoss, reconstructionMse, baselineMse, pretrainedAccuracy, probeAccuracy, randomProbeAccuracy, scratchAccuracy,
    sharesEncoder, png: pngInfo, seconds: (performance.now() - start) / 1000,
  };
}

/** The comparison as a small table. */
export function formatTable(r: AutoencoderResult, labelled: number): string {
  const rows: [string, number][] = [
    ['from scratch', r.scratchAccuracy],
    ['pre-trained encoder, fine-tuned', r.pretrainedAccuracy],
    ['frozen pre-trained encoder + head', r.probeAccuracy],
    ['frozen random encoder + head', r.randomProbeAccuracy],
  ];
  return [
    `MNIST classifiers 784-128-32-10 trained on ${labelled} labelled images: test accuracy`,
    '',
    `${'model'.padEnd(36)} accuracy`,
    ...rows.map(([name, acc]) => `${name.padEnd(36)} ${(acc * 100).toFixed(1).padStart(7)}%`),
    '',
    `pre-trained - scratch: ${((r.pretrainedAccuracy - r.scratchAccuracy) * 100).toFixed(1)} points; frozen code, pre-trained - random: ${((r.probeAccuracy - r.randomProbeAccuracy) * 100).toFixed(1)} points`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      unlabelled: { type: 'string', default: '20000' },
      labelled: { type: 'string', default: '300' },
      'ae-epochs': { type: 'string', default: '10' },
      epochs: { type: 'string', default: '20' },
      loss: { type: 'string', default: 'binaryCrossentropy' },
      'test-limit': { type: 'string', default: '10000' },
      png: { type: 'string', default: 'autoencoder-reconstructions.png' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (values.loss !== 'binaryCrossentropy' && values.loss !== 'mse') throw new dt.ValueError(`--loss must be binaryCrossentropy or mse, got ${values.loss}`);
  const labelled = Number(values.labelled);
  const r = await runAutoencoder({
    unlabelled: Number(values.unlabelled), labelled, aeEpochs: Number(values['ae-epochs']), epochs: Number(values.epochs),
    loss: values.loss, testLimit: Number(values['test-limit']), png: values.png, seed: Number(values.seed), log: (line) => console.log(line),
  });
  console.log('');
  console.log(formatTable(r, labelled));
  console.log(`(${r.seconds.toFixed(1)}s)`);
}
