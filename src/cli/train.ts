/** `deepts train mnist`: the classic Keras MNIST example (and the CNNs) on the real MNIST files. */
import { ValueError } from '../core/errors.js';
import { seed } from '../core/random.js';
import { getBackend, setBackend } from '../core/engine.js';
import { getNumThreads, setNumThreads } from '../backends/wasm/runtime.js';
import { loadMnist } from '../data/mnist.js';
import type { Model } from '../train/model.js';
import { get as getOptimizer } from '../optim/registry.js';
import { checkKnownFlags, numberFlag, parseArgs, stringFlag } from './args.js';
import { mnistModels } from './mnist-models.js';

export const TRAIN_FLAGS = ['model', 'epochs', 'batch-size', 'optimizer', 'lr', 'save', 'seed', 'limit', 'backend', 'threads', 'verbose', 'validation-split'];

export async function trainCommand(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const args = parseArgs(argv);
  checkKnownFlags(args, TRAIN_FLAGS, 'deepts train');
  const dataset = args.positionals[0];
  if (dataset !== 'mnist') throw new ValueError(`deepts train: unknown dataset ${JSON.stringify(dataset ?? '')} (available: mnist)`);
  const arch = stringFlag(args, 'model', 'mlp')!;
  const spec = mnistModels[arch];
  if (!spec) throw new ValueError(`deepts train mnist: unknown --model ${arch} (available: ${Object.keys(mnistModels).join(', ')})`);
  const backend = stringFlag(args, 'backend');
  if (backend) setBackend(backend);
  if (args.flags.has('threads')) setNumThreads(numberFlag(args, 'threads', 1));
  seed(numberFlag(args, 'seed', 42));
  const epochs = numberFlag(args, 'epochs', spec.epochs);
  const batchSize = numberFlag(args, 'batch-size', spec.batchSize ?? 128);
  const limit = args.flags.has('limit') ? numberFlag(args, 'limit', 0) : undefined;
  const optimizerName = stringFlag(args, 'optimizer', spec.optimizer)!;
  const lr = args.flags.has('lr') ? numberFlag(args, 'lr', 0, false) : undefined;
  const split = args.flags.has('validation-split') ? numberFlag(args, 'validation-split', 0, false) : undefined;

  const t0 = performance.now();
  const data = loadMnist({ layout: spec.layout, limit });
  out(`MNIST: ${data.train.x.shape[0]} training and ${data.test.x.shape[0]} test images (${((performance.now() - t0) / 1000).toFixed(1)}s to load)`);
  const active = getBackend().name;
  out(`Backend: ${active}${active === 'wasm' ? ` (${getNumThreads()} threads)` : ''}`);

  const model: Model = spec.build();
  const trainCount = Math.round(data.train.x.shape[0] * (1 - (split ?? 0)));
  const learningRate = spec.learningRate ? spec.learningRate(epochs * Math.ceil(trainCount / batchSize), lr) : lr;
  const optimizer = getOptimizer(learningRate === undefined ? optimizerName : { className: optimizerName, config: { learningRate } });
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.summary({ print: out });

  const verbose = numberFlag(args, 'verbose', 1) as 0 | 1 | 2;
  const tFit = performance.now();
  await model.fit(data.train.x, data.train.y, { epochs, batchSize, verbose, validationSplit: split });
  const fitSeconds = (performance.now() - tFit) / 1000;
  const result = await model.evaluate(data.test.x, data.test.y, { batchSize: 1000 });
  out(`Test loss: ${result.loss.toFixed(4)} - Test accuracy: ${result.accuracy.toFixed(4)}`);
  out(`Training time: ${fitSeconds.toFixed(1)}s (${(fitSeconds / Math.max(epochs, 1)).toFixed(2)}s per epoch)`);
  const saveDir = stringFlag(args, 'save');
  if (saveDir) {
    await model.save(saveDir);
    out(`Saved to ${saveDir}`);
  }
  return 0;
}

