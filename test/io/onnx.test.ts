/**
 * ONNX export, verified for real: the exported bytes run in onnxruntime-node and must match model.predict
 * (max abs diff <= 1e-4) for the MNIST MLP, the MNIST CNN, ResNet18 (zoo) and functional graphs, plus a table of
 * single layers (every padding/stride/activation variant the exporter maps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import * as dt from '../../src/index.js';
import { exportOnnx, onnxBytes } from '../../src/io/onnx/index.js';
import { ProtoWriter } from '../../src/io/onnx/protobuf.js';
import { maxAbsDiff, randomizeBatchNorm, tempDir } from './interop-helpers.js';

const L = dt.layers;
const TOL = 1e-4;

/** Runs the ONNX model on `xs` and returns its outputs' data in graph order. */
async function runOrt(bytes: Uint8Array, xs: dt.Tensor[]): Promise<{ names: string[]; outputs: Float32Array[] }> {
  const sess = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {};
  sess.inputNames.forEach((n, i) => (feeds[n] = new ort.Tensor('float32', Float32Array.from(xs[i].dataSync()), xs[i].shape.slice())));
  const out = await sess.run(feeds);
  const outputs = sess.outputNames.map((n) => out[n].data as Float32Array);
  await sess.release();
  return { names: sess.outputNames.slice(), outputs };
}

/** max |onnxruntime - predict| over all outputs. */
async function diffVsPredict(m: dt.Model, xs: dt.Tensor[], opset = 13): Promise<number> {
  const pred = m.predict(xs.length === 1 ? xs[0] : xs);
  const ys = (Array.isArray(pred) ? pred : [pred]).map((t) => t.dataSync());
  const { outputs } = await runOrt(onnxBytes(m, { opset }), xs);
  assert.equal(outputs.length, ys.length);
  return Math.max(...outputs.map((o, i) => maxAbsDiff(o, ys[i])));
}

const diffs: Record<string, number> = {};
function report(name: string, d: number): void {
  diffs[name] = d;
  assert.ok(d <= TOL, `${name}: max abs diff ${d} > ${TOL}`);
}
test.after(() => {
  console.log(`ONNX vs predict, max abs diff: ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
});

/** A minimal protobuf reader for checking the structure of what we wrote. */
function readFields(b: Uint8Array): { field: number; wire: number; value: bigint | Uint8Array }[] {
  const out: { field: number; wire: number; value: bigint | Uint8Array }[] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[p++];
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (!(byte & 0x80)) return v;
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, wire, value: b.subarray(p, p + n) });
      p += n;
    } else if (wire === 5) {
      out.push({ field, wire, value: b.subarray(p, p + 4) });
      p += 4;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);
function opTypes(model: Uint8Array): string[] {
  const graph = readFields(model).find((f) => f.field === 7)!.value as Uint8Array;
  return readFields(graph).filter((f) => f.field === 1).map((n) => text(readFields(n.value as Uint8Array).find((f) => f.field === 4)!.value));
}

test('protobuf writer: varints, negative int64, fixed32 floats, packed fields', () => {
  const hex = (w: ProtoWriter) => Buffer.from(w.finish()).toString('hex');
  assert.equal(hex(new ProtoWriter().int(1, 150)), '089601');
  assert.equal(hex(new ProtoWriter().int(1, -1)), '08ffffffffffffffffff01');
  assert.equal(hex(new ProtoWriter().int(2, 2 ** 40)), '10808080808020');
  assert.equal(hex(new ProtoWriter().string(2, 'testing')), '120774657374696e67');
  assert.equal(hex(new ProtoWriter().float(2, 1)), '150000803f');
  assert.equal(hex(new ProtoWriter().packedInts(4, [3, 270, 86942])), '2206038e029ea705');
  assert.equal(hex(new ProtoWriter().packedFloats(4, [1, -2])), '2208' + '0000803f' + '000000c0');
  assert.equal(hex(new ProtoWriter().message(3, new ProtoWriter().int(1, 150))), '1a03089601');
  assert.throws(() => new ProtoWriter().int(1, 1.5), dt.ValueError);
  assert.throws(() => new ProtoWriter().int(1, 2n ** 64n), dt.ValueError);
  // a writer grows past its initial size
  const w = new ProtoWriter(1);
  for (let i = 0; i < 1000; i++) w.int(1, i);
  assert.ok(w.length > 1000);
});

test('MNIST MLP (dense/relu/softmax) on real digits matches predict', async () => {
  dt.seed(11);
  const m = dt.sequential({ name: 'mnist_mlp', layers: [L.dense({ units: 512, activation: 'relu', inputShape: [784] }), L.dense({ units: 10, activation: 'softmax' })] });
  const x = dt.loadMnist({ limit: 16, layout: 'flat' }).test.x;
  report('mnist-mlp', await diffVsPredict(m, [x]));
  assert.deepEqual(opTypes(onnxBytes(m)), ['Gemm', 'Relu', 'Gemm', 'Softmax', 'Identity']);
});

test('MNIST CNN (conv+BN+relu+maxpool x2, flatten, dropout, dense softmax) matches predict; one Transpose in, one before Flatten', async () => {
  dt.seed(12);
  const m = dt.sequential({
    name: 'mnist_cnn',
    layers: [
      L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', inputShape: [28, 28, 1] }), L.batchNormalization(), L.activation({ activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }), L.batchNormalization(), L.activation({ activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }),
      L.flatten(), L.dropout({ rate: 0.5 }), L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  randomizeBatchNorm(m);
  const x = dt.loadMnist({ limit: 8, layout: 'nhwc' }).test.x;
  report('mnist-cnn', await diffVsPredict(m, [x]));
  const ops = opTypes(onnxBytes(m));
  assert.equal(ops.filter((o) => o === 'Transpose').length, 2, ops.join(' '));
  assert.equal(ops[0], 'Transpose');
  assert.equal(ops[ops.indexOf('Flatten') - 1], 'Transpose');
});

test('ResNet18 (zoo, 32x32) matches predict: logits with random BN statistics, and softmax outputs', async () => {
  dt.seed(13);
  const logits = dt.zoo.resnet18({ inputShape: [32, 32, 3], classes: 10, classifierActivation: null });
  randomizeBatchNorm(logits);
  const x = dt.rand([2, 32, 32, 3]);
  report('resnet18-logits', await diffVsPredict(logits, [x]));
  const probs = dt.zoo.resnet18({ inputShape: [32, 32, 3], classes: 10 });
  report('resnet18-softmax', await diffVsPredict(probs, [x]));
  logits.dispose();
  probs.dispose();
});

test('functional graphs: residual add, concat (channels and spatial), all merge layers, two inputs and two outputs', async () => {
  dt.seed(14);
  const a = dt.input({ shape: [8, 8, 3], name: 'img' });
  const b = dt.input({ shape: [5], name: 'vec' });
  const c1 = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(a);
  const c2 = L.conv2d({ filters: 4, kernelSize: 1 }).apply(a);
  const sum = L.add().apply([c1, c2]) as dt.SymbolicTensor;
  const cat = L.concatenate().apply([sum, c1, a]) as dt.SymbolicTensor;
  const mx = L.maximum().apply([L.multiply().apply([c1, c2]) as dt.SymbolicTensor, L.subtract().apply([c1, c2]) as dt.SymbolicTensor]) as dt.SymbolicTensor;
  const av = L.average().apply([mx, c1, L.minimum().apply([c1, c2]) as dt.SymbolicTensor]) as dt.SymbolicTensor;
  const cat2 = L.concatenate({ axis: 1 }).apply([av, L.conv2d({ filters: 4, kernelSize: 1 }).apply(cat)]) as dt.SymbolicTensor;
  const f = L.flatten().apply(L.globalAveragePooling2d({ keepdims: true }).apply(cat2));
  const d = L.dense({ units: 4, activation: 'tanh' }).apply(b);
  const out = L.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(L.concatenate().apply([f, d]) as dt.SymbolicTensor);
  const m = dt.model({ inputs: [a, b], outputs: [out, cat2] });
  report('functional', await diffVsPredict(m, [dt.randn([2, 8, 8, 3]), dt.randn([2, 5])]));
  const { names } = await runOrt(onnxBytes(m), [dt.randn([1, 8, 8, 3]), dt.randn([1, 5])]);
  assert.deepEqual(names, ['probs', cat2.node!.layer.name]);
  // a shared layer is exported once (one initializer for its kernel)
  const inp = dt.input({ shape: [6] });
  const shared = L.dense({ units: 6, activation: 'relu' });
  const twice = dt.model({ inputs: inp, outputs: shared.apply(shared.apply(inp)) });
  report('shared-layer', await diffVsPredict(twice, [dt.randn([3, 6])]));
  assert.equal(opTypes(onnxBytes(twice)).filter((o) => o === 'Gemm').length, 2);
});

test('layer table: conv/transposed conv/pooling paddings and strides, depthwise, separable, upsampling, padding, global pooling, reshape, batch norm, channelsFirst', async () => {
  dt.seed(15);
  const x = dt.randn([2, 9, 10, 3]);
  const seq = (ls: dt.Layer[]) => dt.sequential(ls);
  const S = [9, 10, 3];
  const cases: [string, dt.Model, dt.Tensor?][] = [];
  const paddings: [number, number, dt.layers.Conv2DConfig['padding']][] = [[3, 1, 'valid'], [3, 2, 'same'], [4, 2, 'same'], [2, 3, 'valid'], [5, 1, 'same'], [3, 2, [[1, 0], [2, 1]]]];
  for (const [k, s, p] of paddings) {
    const tag = `k${k}s${s}${JSON.stringify(p)}`;
    cases.push([`conv ${tag}`, seq([L.conv2d({ filters: 4, kernelSize: k, strides: s, padding: p, inputShape: S })])]);
    cases.push([`convT ${tag}`, seq([L.conv2dTranspose({ filters: 4, kernelSize: k, strides: s, padding: p, inputShape: S })])]);
    const pp = Array.isArray(p) ? 1 : p;
    if (typeof pp !== 'number' || pp * 2 < k) {
      cases.push([`maxpool ${tag}`, seq([L.maxPooling2d({ poolSize: k, strides: s, padding: pp, inputShape: S })])]);
      cases.push([`avgpool ${tag}`, seq([L.averagePooling2d({ poolSize: k, strides: s, padding: pp, inputShape: S })])]);
    }
  }
  cases.push(
    ['convT outputPadding same', seq([L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, inputShape: S })])],
    ['convT outputPadding valid', seq([L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', outputPadding: 1, inputShape: S })])],
    ['conv dilated grouped', seq([L.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, groups: 3, padding: 'same', inputShape: S })])],
    ['depthwise', seq([L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6', inputShape: S })])],
    ['separable', seq([L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'elu', inputShape: S })])],
    ['upsampling nearest', seq([L.upSampling2d({ size: [2, 3], inputShape: S })])],
    ['upsampling bilinear', seq([L.upSampling2d({ size: [2, 3], interpolation: 'bilinear', inputShape: S })])],
    ['zero padding', seq([L.zeroPadding2d({ padding: [[1, 2], [3, 0]], inputShape: S })])],
    ['zero padding between convs', seq([L.conv2d({ filters: 2, kernelSize: 1, inputShape: S }), L.zeroPadding2d({ padding: [[1, 2], [3, 0]] }), L.conv2d({ filters: 2, kernelSize: 2 })])],
    ['global avg pool', seq([L.conv2d({ filters: 4, kernelSize: 3, inputShape: S }), L.globalAveragePooling2d()])],
    ['global max pool keepdims', seq([L.conv2d({ filters: 4, kernelSize: 3, inputShape: S }), L.globalMaxPooling2d({ keepdims: true })])],
    ['reshape + dense on rank 3 + BN on rank 3', seq([L.conv2d({ filters: 4, kernelSize: 3, inputShape: S }), L.reshape({ targetShape: [7, -1] }), L.dense({ units: 3 }), L.batchNormalization(), L.flatten()])],
    ['BN rank 2, no center', seq([L.dense({ units: 6, inputShape: [5] }), L.batchNormalization({ center: false })]), dt.randn([3, 5])],
    ['channelsFirst conv/BN/pool/upsample/gap', seq([
      L.conv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst', inputShape: [3, 9, 10] }), L.batchNormalization({ axis: 1 }),
      L.maxPooling2d({ dataFormat: 'channelsFirst' }), L.upSampling2d({ dataFormat: 'channelsFirst' }), L.globalAveragePooling2d({ dataFormat: 'channelsFirst' }),
    ]), dt.randn([2, 3, 9, 10])],
  );
  for (const a of ['relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'elu', 'selu', 'gelu', 'softplus', 'softsign', 'silu', 'leaky_relu', 'hard_sigmoid', 'hard_silu', 'exponential', 'mish', 'log_sigmoid']) {
    cases.push([`activation ${a}`, seq([L.conv2d({ filters: 4, kernelSize: 3, activation: a, inputShape: S })])]);
  }
  let worst = 0;
  for (const [name, m, input] of cases) {
    randomizeBatchNorm(m);
    const d = await diffVsPredict(m, [input ?? x]);
    assert.ok(d <= TOL, `${name}: max abs diff ${d}`);
    worst = Math.max(worst, d);
    m.dispose();
  }
  report(`layer-table (${cases.length} models)`, worst);
});

test('every supported opset from 11 to 21 runs (CNN with upsampling and softmax)', async () => {
  dt.seed(16);
  const m = dt.sequential([
    L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2] }), L.batchNormalization(), L.upSampling2d({ interpolation: 'bilinear' }),
    L.zeroPadding2d({ padding: 1 }), L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), L.flatten(), L.dense({ units: 4, activation: 'softmax' }),
  ]);
  randomizeBatchNorm(m);
  const x = dt.randn([2, 6, 6, 2]);
  let worst = 0;
  for (let opset = 11; opset <= 21; opset++) worst = Math.max(worst, await diffVsPredict(m, [x], opset));
  report('opsets 11-21', worst);
  assert.throws(() => onnxBytes(m, { opset: 10 }), /opset must be an integer from 11 to 21/);
  assert.throws(() => onnxBytes(m, { opset: 13.5 }), dt.ValueError);
});

test('exportOnnx writes the file atomically; input and output names are configurable', async () => {
  const dir = tempDir();
  const m = dt.sequential([L.dense({ units: 3, inputShape: [4] })]);
  await exportOnnx(m, join(dir, 'model.onnx'), { inputName: 'features', outputName: 'scores', docString: 'a test' });
  const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  const sess = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  assert.deepEqual([sess.inputNames, sess.outputNames], [['features'], ['scores']]);
  assert.throws(() => onnxBytes(m, { inputName: ['a', 'b'] }), /1 input/);
});

test('unsupported layers and activations throw a ValueError naming the layer; unbuilt models are refused', () => {
  class Custom extends dt.Layer {
    readonly className = 'MyCustomLayer';
    call(x: dt.Tensor | dt.Tensor[]): dt.Tensor {
      return Array.isArray(x) ? x[0] : x;
    }
  }
  const m = dt.sequential([L.dense({ units: 3, inputShape: [4] }), new Custom({ name: 'mystery' })]);
  assert.throws(() => onnxBytes(m), (e: unknown) => e instanceof dt.ValueError && /layer "mystery" \(MyCustomLayer\).*no ONNX mapping.*supported: .*Conv2D/.test((e as Error).message));
  const anon = dt.sequential([L.dense({ units: 3, inputShape: [4], activation: (t: dt.Tensor) => dt.mul(t, 2) })]);
  assert.throws(() => onnxBytes(anon), /layer "dense\S*" \(Dense\): (its )?activation/);
  assert.throws(() => onnxBytes(dt.sequential([L.dense({ units: 3 })])), /not built/);
  assert.throws(() => onnxBytes(L.dense({ units: 3 }) as unknown as dt.Model), /expected a Sequential or Functional model/);
});
