/**
 * deepts trains the MNIST models of the peer scripts (bench/peers) and prints one JSON line in their format.
 * usage: node --import tsx bench/mnist.ts mlp|cnn EPOCHS THREADS [NTRAIN]
 */
import * as dt from '../src/index.js';
import { mnistModels } from '../src/cli/mnist-models.js';

const [arch = 'mlp', epochsArg = '1', threadsArg = '2', ntrainArg] = process.argv.slice(2);
const epochs = Number(epochsArg);
const threads = Number(threadsArg);
dt.setNumThreads(threads);
dt.seed(0);
const spec = mnistModels[arch];
if (!spec) throw new Error(`unknown arch ${arch}`);
const data = dt.loadMnist({ layout: spec.layout });
const ntrain = ntrainArg ? Number(ntrainArg) : data.train.x.shape[0];
const x = data.train.x.slice([{ stop: ntrain }]);
const y = data.train.y.slice([{ stop: ntrain }]);
const compiled = () => {
  const m = spec.build();
  m.compile({ optimizer: spec.optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
// warm-up on a throwaway model: V8 moves the kernels to its optimizing tier on first use
const warm = compiled();
await warm.fit(x.slice([{ stop: 1280 }]), y.slice([{ stop: 1280 }]), { epochs: 1, batchSize: 128, verbose: 0 });
warm.dispose();
const model = compiled();
const t0 = performance.now();
await model.fit(x, y, { epochs, batchSize: 128, verbose: 0 });
const trainS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const result = await model.evaluate(data.test.x, data.test.y, { batchSize: 1000 });
const evalS = (performance.now() - t1) / 1000;
console.log(JSON.stringify({
  peer: `deepts-${dt.getBackend().name}`, arch, epochs, ntrain, train_s: trainS, s_per_epoch: trainS / epochs,
  samples_per_s: (ntrain * epochs) / trainS, eval_s: evalS, test_acc: result.accuracy, threads,
}));
