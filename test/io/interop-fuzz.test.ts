/**
 * Fuzzing of the interop parsers (src/io/fuzz.ts mutations): the model JSON loader (loadModel's model.json), the
 * Keras HDF5 reader (h5wasm in a worker with a time limit) and the ONNX exporter fed with mutated model configs.
 * Every case must parse or throw a FormatError naming the file: no other exception, no hang, no huge allocation.
 * `npm run fuzz` runs 10^5 cases per parser; here a few thousand. Plus a property test: random valid models
 * exported to ONNX give predict's outputs in onnxruntime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import * as dt from '../../src/index.js';
import { assertFuzzClean, runFuzz, mutate } from '../../src/io/fuzz.js';
import { fuzzKerasH5, fuzzModelJson, fuzzOnnxExport } from '../../src/io/fuzz-targets.js';
import { modelFromJson, MODEL_FORMAT, MODEL_FORMAT_VERSION } from '../../src/train/saving.js';
import { onnxBytes } from '../../src/io/onnx/index.js';
import { kerasH5Corpus, modelJsonCorpus } from './fuzz-corpora.js';
import { maxAbsDiff, randomizeBatchNorm } from './interop-helpers.js';

const counts: string[] = [];
test.after(() => console.log(`interop fuzz: ${counts.join(', ')}`));

test('fuzz model.json (loadModel): 1500 mutations parse or throw FormatError', () => {
  const r = runFuzz(modelJsonCorpus(), (b) => fuzzModelJson(b, 'model.json'), { count: 1500, seed: 1, expectFile: 'model.json', timeLimitMs: 2000 });
  assertFuzzClean(r, 'model.json');
  counts.push(`model.json ${r.cases} (${r.parsed} parsed, ${r.rejected} rejected)`);
  assert.ok(r.parsed > 50 && r.rejected > 500, JSON.stringify(r.byKind));
});

test('fuzz the ONNX exporter on mutated model configs: 1000 cases export or are refused with a typed error', () => {
  const r = runFuzz(modelJsonCorpus(), (b) => fuzzOnnxExport(b, 'model.json'), { count: 1000, seed: 2, expectFile: 'model.json', timeLimitMs: 2000 });
  assertFuzzClean(r, 'onnx export');
  counts.push(`onnx-export ${r.cases} (${r.parsed} exported, ${r.rejected} rejected)`);
  assert.ok(r.parsed > 50, JSON.stringify(r.byKind));
});

test('fuzz Keras .h5 (HDF5 bytes and the embedded model_config): 800 mutations parse or throw FormatError, hangs caught', () => {
  const corpus = kerasH5Corpus();
  // the JSON layout of the corpus finds the model_config inside the HDF5 bytes
  assert.ok(Array.from({ length: 200 }, (_, i) => mutate(corpus, 3, i).kind).some((k) => k.startsWith('json-')));
  const r = runFuzz(corpus, (b) => fuzzKerasH5(b, 'model.h5'), { count: 800, seed: 3, expectFile: 'model.h5', timeLimitMs: 3000 });
  assertFuzzClean(r, 'keras h5');
  counts.push(`keras.h5 ${r.cases} (${r.parsed} parsed, ${r.rejected} rejected)`);
  assert.ok(r.parsed > 50 && r.rejected > 300, JSON.stringify(r.byKind));
});

test('model.json edge cases: NaN, deep nesting, unknown class names, wrong types, huge shapes', () => {
  const wrap = (modelConfig: unknown) => new TextEncoder().encode(JSON.stringify({ format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, modelConfig }));
  const seq = (layers: unknown[]) => ({ className: 'Sequential', config: { name: 's', layers } });
  const reject = (bytes: Uint8Array, re: RegExp) => assert.throws(() => modelFromJson(bytes, 'm.json'), (e: unknown) => e instanceof dt.FormatError && e.file === 'm.json' && re.test(e.message));
  reject(new TextEncoder().encode(`{"format": "${MODEL_FORMAT}", "formatVersion": NaN}`), /not valid JSON/);
  reject(new TextEncoder().encode('['.repeat(100_000) + ']'.repeat(100_000)), /nesting depth 100000 exceeds 200/);
  reject(wrap(seq([{ className: 'Dense', config: { units: 3, inputShape: [4] } }, { className: 'Totally_Unknown', config: {} }])), /unknown layer class "Totally_Unknown" \(known: .*Dense/);
  reject(wrap(seq([{ className: 'Dense', config: { units: '7', inputShape: [4] } }])), /units must be a positive integer/);
  reject(wrap(seq([{ className: 'Dense', config: { units: 1e9, inputShape: [1e9] } }])), /describes \d+ weight values, more than/);
  reject(wrap(seq([{ className: 'Conv2D', config: { filters: 2, kernelSize: 9, inputShape: [3, 3, 1] } }])), /too small/);
  reject(wrap({ className: 'Dense', config: { units: 2 } }), /not a model/);
});

/** A random valid model from a seeded stream: conv/pool/padding/upsampling stacks or branches, then a head. */
function randomModel(seed: number): { model: dt.Model; input: number[] } {
  let s = seed * 2654435761 >>> 0 || 1;
  const rnd = (n: number) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];
  const L = dt.layers;
  const acts = ['linear', 'relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'silu', 'softplus', 'relu6', 'leaky_relu', 'hard_sigmoid'];
  const size = 6 + rnd(6);
  const channels = 1 + rnd(3);
  const inp = dt.input({ shape: [size, size, channels] });
  let x: dt.SymbolicTensor = inp;
  const spatial = () => x.shape[1] as number;
  for (let i = 0, n = 2 + rnd(4); i < n; i++) {
    const k = 1 + rnd(3);
    const op = rnd(9);
    if (op <= 2) {
      const d = k > 1 && rnd(3) === 0 ? 2 : 1;
      const padding = spatial() >= (k - 1) * d + 1 ? pick(['valid', 'same'] as const) : 'same';
      x = L.conv2d({ filters: 1 + rnd(4), kernelSize: k, strides: 1 + rnd(2), padding, activation: pick(acts), dilationRate: d }).apply(x);
    } else if (op === 3) x = L.batchNormalization().apply(x);
    else if (op === 4 && spatial() >= 2) x = (rnd(2) ? L.maxPooling2d({ padding: pick(['valid', 'same'] as const) }) : L.averagePooling2d({ padding: 'same', strides: 1 })).apply(x);
    else if (op === 5) x = L.zeroPadding2d({ padding: [[rnd(2), rnd(3)], [rnd(3), rnd(2)]] }).apply(x);
    else if (op === 6 && spatial() <= 8) x = L.upSampling2d({ interpolation: pick(['nearest', 'bilinear'] as const) }).apply(x);
    else if (op === 7) {
      const a = L.conv2d({ filters: x.shape[3] as number, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
      x = (rnd(2) ? L.add() : L.maximum()).apply([x, a]) as dt.SymbolicTensor;
    } else if (op === 8) {
      x = L.concatenate().apply([x, L.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x)]) as dt.SymbolicTensor;
    }
  }
  x = rnd(2) ? L.flatten().apply(x) : L.globalAveragePooling2d().apply(x);
  x = L.dense({ units: 2 + rnd(4), activation: pick(['softmax', 'linear', 'tanh']) }).apply(L.dropout({ rate: 0.3 }).apply(x));
  return { model: dt.model({ inputs: inp, outputs: x }), input: [2, size, size, channels] };
}

test('property: 100 random valid models exported to ONNX match predict in onnxruntime (<= 1e-4)', async () => {
  let worst = 0;
  for (let seed = 1; seed <= 100; seed++) {
    dt.seed(seed);
    const { model, input } = randomModel(seed);
    randomizeBatchNorm(model);
    const x = dt.randn(input);
    const y = (model.predict(x) as dt.Tensor).dataSync();
    const sess = await ort.InferenceSession.create(onnxBytes(model), { logSeverityLevel: 3 });
    const out = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), input) });
    const d = maxAbsDiff(out[sess.outputNames[0]].data as Float32Array, y);
    assert.ok(d <= 1e-4, `random model #${seed}: max abs diff ${d}: ${model.layers.map((l) => `${l.className}${JSON.stringify(l.getConfig()).replace(/"(name|trainable|dtype|kernelInitializer|biasInitializer|kernelRegularizer|biasRegularizer)":[^,}]*,?/g, "")}`).join(" -> ")}`);
    worst = Math.max(worst, d);
    model.dispose();
  }
  counts.push(`100 random ONNX models (worst diff ${worst.toExponential(2)})`);
});
