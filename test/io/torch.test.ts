/**
 * PyTorch state_dict -> deepts. The unit tests build state_dicts here; the optional test runs
 * test/fixtures/torch/export_state_dicts.py with PyTorch (skipped with a message when python3 has no torch) and
 * checks that deepts gives PyTorch's outputs for an MLP, an MNIST-shaped CNN, a transposed conv and ResNet18.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as dt from '../../src/index.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/io/safetensors.js';
import { loadTorchStateDict } from '../../src/io/torch.js';
import { maxAbsDiff, pythonWith, tempDir } from './interop-helpers.js';

const L = dt.layers;
const dir = tempDir('deepts-torch-');

test('Linear weights are transposed, BatchNorm names mapped, num_batches_tracked skipped; by order', () => {
  const file = join(dir, 'small.safetensors');
  writeFileSync(file, encodeSafetensors({
    '0.weight': { dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    '0.bias': { dtype: 'F32', shape: [2], data: [0.5, -0.5] },
    '1.weight': { dtype: 'F32', shape: [2], data: [2, 3] },
    '1.bias': { dtype: 'F32', shape: [2], data: [0.1, 0.2] },
    '1.running_mean': { dtype: 'F32', shape: [2], data: [1, 1] },
    '1.running_var': { dtype: 'F32', shape: [2], data: [4, 9] },
    '1.num_batches_tracked': { dtype: 'I64', shape: [], data: [3n] },
  }));
  const m = dt.sequential([L.dense({ units: 2, inputShape: [3], name: 'fc' }), L.batchNormalization({ epsilon: 1e-9, name: 'bn' })]);
  const r = loadTorchStateDict(m, file);
  assert.equal(r.matchedBy, 'order');
  assert.deepEqual(r.skipped, ['1.num_batches_tracked']);
  assert.deepEqual([r.missing, r.unexpected], [[], []]);
  assert.ok(r.loaded.includes('0.weight -> fc/kernel') && r.loaded.includes('1.running_var -> bn/moving_variance'));
  assert.deepEqual(Array.from((m.layers[0] as dt.layers.Dense).kernel!.dataSync()), [1, 4, 2, 5, 3, 6]);
  // y = ((x W^T + b) - mean) / sqrt(var) * gamma + beta
  const y = (m.predict(dt.tensor([[1, 0, 0]])) as dt.Tensor).dataSync();
  assert.ok(maxAbsDiff(y, [((1 + 0.5 - 1) / 2) * 2 + 0.1, ((4 - 0.5 - 1) / 3) * 3 + 0.2]) < 1e-5);
});

test('mismatches are FormatErrors (strict) or listed in the report (strict: false); mapping picks modules by name', () => {
  const file = join(dir, 'two.safetensors');
  writeFileSync(file, encodeSafetensors({
    'encoder.weight': { dtype: 'F32', shape: [4, 3], data: new Float32Array(12).fill(1) },
    'encoder.bias': { dtype: 'F32', shape: [4], data: new Float32Array(4) },
    'head.weight': { dtype: 'F32', shape: [2, 4], data: new Float32Array(8).fill(2) },
  }));
  const m = () => dt.sequential([L.dense({ units: 4, inputShape: [3], name: 'a' }), L.dense({ units: 2, name: 'b' })]);
  assert.throws(() => loadTorchStateDict(m(), file), (e: unknown) => e instanceof dt.FormatError && e.file === file && /missing b\/bias/.test(e.message));
  const r = loadTorchStateDict(m(), file, { strict: false });
  assert.deepEqual([r.missing, r.unexpected], [['b/bias'], []]);
  const mapped = m();
  const r2 = loadTorchStateDict(mapped, file, { mapping: { a: 'encoder', b: 'head' }, strict: false });
  assert.equal(r2.matchedBy, 'mapping');
  assert.deepEqual(Array.from((mapped.layers[1] as dt.layers.Dense).kernel!.dataSync()), new Array(8).fill(2));
  const wrongShape = dt.sequential([L.dense({ units: 5, inputShape: [3] }), L.dense({ units: 2 })]);
  assert.throws(() => loadTorchStateDict(wrongShape, file, { strict: false }), /encoder\.weight: PyTorch shape \[4,3\]|encoder\.weight: PyTorch shape/);
  const flat = dt.sequential([L.flatten({ inputShape: [2, 2] })]);
  assert.throws(() => loadTorchStateDict(flat, join(dir, 'absent.safetensors')), /absent\.safetensors: file not found/);
  const unsupported = dt.sequential([L.separableConv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 2] })]);
  assert.throws(() => loadTorchStateDict(unsupported, file), /SeparableConv2D\) has no PyTorch counterpart/);
});

test('Flatten of an image: the next Linear reads (c, h, w) columns in deepts\'s (h, w, c) order', () => {
  // torch: x [1, c=2, h=1, w=2] -> flatten (c, h, w) -> Linear picks column 1 = (c0, w1)
  const file = join(dir, 'flat.safetensors');
  writeFileSync(file, encodeSafetensors({ 'fc.weight': { dtype: 'F32', shape: [1, 4], data: [0, 1, 0, 0] }, 'fc.bias': { dtype: 'F32', shape: [1], data: [0] } }));
  const m = dt.sequential([L.flatten({ inputShape: [1, 2, 2] }), L.dense({ units: 1, name: 'fc' })]);
  loadTorchStateDict(m, file);
  // deepts input NHWC [1, h=1, w=2, c=2]: value at (w1, c0) is 30
  const y = (m.predict(dt.tensor([[[[10, 20], [30, 40]]]])) as dt.Tensor).item();
  assert.equal(y, 30);
});

const py = pythonWith('torch');
test('PyTorch models (MLP, CNN with depthwise conv, ConvTranspose2d+BN, ResNet18) give the same outputs in deepts', { skip: py ? false : 'python3 with torch is not installed (apt-get install python3-torch)' }, () => {
  const out = tempDir('deepts-torch-export-');
  const script = new URL('../fixtures/torch/export_state_dicts.py', import.meta.url).pathname;
  const run = spawnSync(py!, [script, out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const io = (name: string) => decodeSafetensors(new Uint8Array(readFileSync(join(out, `${name}.io.safetensors`))));
  const check = (name: string, m: dt.Model): number => {
    const { tensors } = io(name);
    const x = tensors.get('x')!;
    const y = tensors.get('y')!;
    const report = loadTorchStateDict(m, join(out, `${name}.safetensors`));
    assert.deepEqual([report.missing, report.unexpected], [[], []], name);
    const pred = m.predict(dt.tensor(x.data as Float32Array, { shape: x.shape })) as dt.Tensor;
    assert.deepEqual(pred.shape, y.shape, `${name} output shape`);
    const d = maxAbsDiff(pred.dataSync(), y.data as Float32Array);
    assert.ok(d <= 1e-4, `${name}: max abs diff ${d} vs PyTorch`);
    return d;
  };
  const torchBn = () => L.batchNormalization({ epsilon: 1e-5, momentum: 0.9 });
  const diffs: Record<string, number> = {};
  diffs.mlp = check('mlp', dt.sequential([L.dense({ units: 64, activation: 'relu', inputShape: [784] }), L.dense({ units: 10 })]));
  diffs.cnn = check('cnn', dt.sequential([
    L.conv2d({ filters: 8, kernelSize: 3, padding: 1, inputShape: [28, 28, 1] }), torchBn(), L.activation({ activation: 'relu' }), L.maxPooling2d(),
    L.conv2d({ filters: 16, kernelSize: 3, padding: 1 }), torchBn(), L.activation({ activation: 'relu' }), L.maxPooling2d(),
    L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 1 }), L.flatten(), L.dropout({ rate: 0.5 }), L.dense({ units: 10 }),
  ]));
  diffs.convt = check('convt', dt.sequential([L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 1, outputPadding: 1, inputShape: [5, 5, 3] }), torchBn()]));
  const resnet = dt.zoo.resnet18({ inputShape: [32, 32, 3], classes: 10, classifierActivation: null });
  diffs.resnet18 = check('resnet18', resnet);
  assert.equal(loadTorchStateDict(resnet, join(out, 'resnet18.safetensors')).matchedBy, 'name', 'the zoo ResNet18 matches torchvision names');
  resnet.dispose();
  console.log(`PyTorch vs deepts, max abs diff: ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
});
