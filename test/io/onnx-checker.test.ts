/**
 * Second opinion on the ONNX exporter: Debian's python3-onnx runs onnx.checker (full_check: also shape
 * inference) on exported models. Optional: skipped with a message when python3 cannot import onnx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as dt from '../../src/index.js';
import { onnxBytes } from '../../src/io/onnx/index.js';
import { pythonWith, tempDir } from './interop-helpers.js';

const py = pythonWith('onnx');
const L = dt.layers;

test('onnx.checker (python3-onnx) accepts exported models: MLP, CNN, ResNet18, functional, layer zoo', { skip: py ? false : 'python3 with the onnx module is not installed (apt-get install python3-onnx)' }, () => {
  dt.seed(21);
  const dir = tempDir();
  const inp = dt.input({ shape: [8, 8, 3] });
  const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(inp);
  const b = L.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(inp);
  const merged = L.concatenate().apply([L.add().apply([a, L.conv2d({ filters: 4, kernelSize: 1 }).apply(b)]) as dt.SymbolicTensor, b]) as dt.SymbolicTensor;
  const up = L.upSampling2d({ interpolation: 'bilinear' }).apply(L.zeroPadding2d({ padding: 1 }).apply(merged));
  const t = L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(L.separableConv2d({ filters: 3, kernelSize: 3 }).apply(up));
  const head = L.dense({ units: 5, activation: 'gelu' }).apply(L.flatten().apply(L.averagePooling2d({ padding: 'same' }).apply(t)));
  const models: [string, dt.Model, number][] = [
    ['mlp', dt.sequential([L.dense({ units: 16, activation: 'relu', inputShape: [784] }), L.dense({ units: 10, activation: 'softmax' })]), 13],
    ['cnn', dt.sequential([
      L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [28, 28, 1] }), L.batchNormalization(), L.activation({ activation: 'relu' }), L.maxPooling2d(),
      L.flatten(), L.dropout({ rate: 0.5 }), L.dense({ units: 10, activation: 'softmax' }),
    ]), 13],
    ['resnet18', dt.zoo.resnet18({ inputShape: [32, 32, 3], classes: 10 }), 13],
    ['functional-11', dt.model({ inputs: inp, outputs: head }), 11],
    ['functional-17', dt.model({ inputs: inp, outputs: head }), 17],
  ];
  const files = models.map(([name, m, opset]) => {
    const f = join(dir, `${name}.onnx`);
    writeFileSync(f, onnxBytes(m, { opset }));
    return f;
  });
  const script = [
    'import sys, onnx',
    'for f in sys.argv[1:]:',
    '    m = onnx.load(f)',
    '    onnx.checker.check_model(m, full_check=True)',
    '    print("ok", f, m.opset_import[0].version, len(m.graph.node))',
  ].join('\n');
  const r = spawnSync(py!, ['-c', script, ...files], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `onnx.checker failed:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout.trim().split('\n').length, files.length, r.stdout);
});
