/**
 * Convolution, pooling, reshaping and merge layers: output shapes (symbolic and real), parameter counts and
 * weight names as in Keras, config round trips, gradients of inputs and weights by central differences, and
 * BatchNormalization on 4-D inputs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { assertClose, assertThrowsWith, values } from '../helpers/assert.js';

// semantics are checked on the CPU reference backend (float64 for gradient checks), whichever backend is the default
dt.setBackend('cpu');

const L = dt.layers;

/** Builds `layer` on an input of this per-sample shape; returns [symbolic output shape, real output shape]. */
function shapes(layer: dt.Layer, sample: number[], batch = 2): { symbolic: (number | null)[]; real: number[] } {
  const inp = dt.input({ shape: sample });
  const out = layer.apply(inp) as dt.SymbolicTensor;
  const y = layer.apply(dt.randn([batch, ...sample])) as dt.Tensor;
  return { symbolic: out.shape, real: y.shape.slice() };
}

const weightInfo = (l: dt.Layer): string[] => l.ownWeights().map((w) => `${w.name}:${w.value.shape.join('x')}`);

describe('parameter counts, weight names and output shapes match Keras', () => {
  const cases: { name: string; make: () => dt.Layer; input: number[]; params: number; out: (number | null)[]; weights: string[] }[] = [
    { name: 'Conv2D(32, 3) on 28x28x1', make: () => L.conv2d({ filters: 32, kernelSize: 3 }), input: [28, 28, 1], params: 320, out: [null, 26, 26, 32], weights: ['kernel:3x3x1x32', 'bias:32'] },
    { name: "Conv2D(64, 3, same) on 14x14x32", make: () => L.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }), input: [14, 14, 32], params: 18496, out: [null, 14, 14, 64], weights: ['kernel:3x3x32x64', 'bias:64'] },
    { name: 'Conv2D(8, [3, 5], strides 2, same, no bias)', make: () => L.conv2d({ filters: 8, kernelSize: [3, 5], strides: 2, padding: 'same', useBias: false }), input: [9, 10, 3], params: 360, out: [null, 5, 5, 8], weights: ['kernel:3x5x3x8'] },
    { name: 'Conv2D(6, 3, groups 3) on 6 channels', make: () => L.conv2d({ filters: 6, kernelSize: 3, groups: 3 }), input: [7, 7, 6], params: 114, out: [null, 5, 5, 6], weights: ['kernel:3x3x2x6', 'bias:6'] },
    { name: 'Conv2D dilation 2', make: () => L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2 }), input: [9, 9, 2], params: 76, out: [null, 5, 5, 4], weights: ['kernel:3x3x2x4', 'bias:4'] },
    { name: 'Conv2D channelsFirst', make: () => L.conv2d({ filters: 4, kernelSize: 3, strides: 2, dataFormat: 'channelsFirst' }), input: [3, 9, 8], params: 112, out: [null, 4, 4, 3], weights: ['kernel:3x3x3x4', 'bias:4'] },
    { name: 'Conv2D PyTorch-style padding 3, stride 2, 7x7', make: () => L.conv2d({ filters: 2, kernelSize: 7, strides: 2, padding: 3, useBias: false }), input: [16, 16, 3], params: 294, out: [null, 8, 8, 2], weights: ['kernel:7x7x3x2'] },
    { name: 'Conv2DTranspose(16, 3) on 8 channels, valid', make: () => L.conv2dTranspose({ filters: 16, kernelSize: 3 }), input: [5, 5, 8], params: 1168, out: [null, 7, 7, 16], weights: ['kernel:3x3x16x8', 'bias:16'] },
    { name: 'Conv2DTranspose strides 2 same', make: () => L.conv2dTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' }), input: [5, 6, 2], params: 99, out: [null, 10, 12, 3], weights: ['kernel:4x4x3x2', 'bias:3'] },
    { name: 'Conv2DTranspose strides 3 valid, kernel 2 (max(k, s))', make: () => L.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 3 }), input: [4, 4, 1], params: 5, out: [null, 12, 12, 1], weights: ['kernel:2x2x1x1', 'bias:1'] },
    { name: 'DepthwiseConv2D(3, depthMultiplier 2) on 8 channels', make: () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), input: [6, 6, 8], params: 160, out: [null, 4, 4, 16], weights: ['kernel:3x3x8x2', 'bias:16'] },
    { name: 'SeparableConv2D(16, 3) on 8 channels', make: () => L.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same' }), input: [6, 6, 8], params: 216, out: [null, 6, 6, 16], weights: ['depthwise_kernel:3x3x8x1', 'pointwise_kernel:1x1x8x16', 'bias:16'] },
    { name: 'SeparableConv2D depthMultiplier 2', make: () => L.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 }), input: [5, 5, 3], params: 54 + 24 + 4, out: [null, 3, 3, 4], weights: ['depthwise_kernel:3x3x3x2', 'pointwise_kernel:1x1x6x4', 'bias:4'] },
    { name: 'BatchNormalization on 4-D (channels last)', make: () => L.batchNormalization(), input: [5, 5, 32], params: 128, out: [null, 5, 5, 32], weights: ['gamma:32', 'beta:32', 'moving_mean:32', 'moving_variance:32'] },
    { name: 'BatchNormalization axis 1 (channels first)', make: () => L.batchNormalization({ axis: 1 }), input: [6, 4, 4], params: 24, out: [null, 6, 4, 4], weights: ['gamma:6', 'beta:6', 'moving_mean:6', 'moving_variance:6'] },
    { name: 'MaxPooling2D default', make: () => L.maxPooling2d(), input: [7, 8, 3], params: 0, out: [null, 3, 4, 3], weights: [] },
    { name: 'MaxPooling2D 3, strides 2, same', make: () => L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), input: [7, 8, 3], params: 0, out: [null, 4, 4, 3], weights: [] },
    { name: 'AveragePooling2D [2, 3] channelsFirst', make: () => L.averagePooling2d({ poolSize: [2, 3], dataFormat: 'channelsFirst' }), input: [2, 6, 9], params: 0, out: [null, 2, 3, 3], weights: [] },
    { name: 'GlobalAveragePooling2D', make: () => L.globalAveragePooling2d(), input: [4, 5, 6], params: 0, out: [null, 6], weights: [] },
    { name: 'GlobalMaxPooling2D keepdims channelsFirst', make: () => L.globalMaxPooling2d({ keepdims: true, dataFormat: 'channelsFirst' }), input: [6, 4, 5], params: 0, out: [null, 6, 1, 1], weights: [] },
    { name: 'ZeroPadding2D default 1', make: () => L.zeroPadding2d(), input: [4, 5, 2], params: 0, out: [null, 6, 7, 2], weights: [] },
    { name: 'ZeroPadding2D [[1, 2], [3, 0]]', make: () => L.zeroPadding2d({ padding: [[1, 2], [3, 0]] }), input: [4, 5, 2], params: 0, out: [null, 7, 8, 2], weights: [] },
    { name: 'UpSampling2D [2, 3]', make: () => L.upSampling2d({ size: [2, 3] }), input: [3, 4, 2], params: 0, out: [null, 6, 12, 2], weights: [] },
    { name: 'UpSampling2D bilinear channelsFirst', make: () => L.upSampling2d({ interpolation: 'bilinear', dataFormat: 'channelsFirst' }), input: [2, 3, 4], params: 0, out: [null, 2, 6, 8], weights: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const layer = c.make();
      const { symbolic, real } = shapes(layer, c.input);
      assert.deepEqual(symbolic, c.out);
      assert.deepEqual(real, [2, ...c.out.slice(1)]);
      assert.equal(layer.countParams(), c.params);
      assert.deepEqual(weightInfo(layer), c.weights);
    });
  }
  test('Keras default names', () => {
    dt.clearSession();
    const names = [L.conv2d({ filters: 1, kernelSize: 1 }), L.conv2dTranspose({ filters: 1, kernelSize: 1 }), L.depthwiseConv2d({ kernelSize: 1 }), L.separableConv2d({ filters: 1, kernelSize: 1 }),
      L.maxPooling2d(), L.averagePooling2d(), L.globalAveragePooling2d(), L.globalMaxPooling2d(), L.zeroPadding2d(), L.upSampling2d(), L.add(), L.concatenate(), L.multiply()].map((l) => l.name);
    assert.deepEqual(names, ['conv2d', 'conv2d_transpose', 'depthwise_conv2d', 'separable_conv2d', 'max_pooling2d', 'average_pooling2d', 'global_average_pooling2d', 'global_max_pooling2d', 'zero_padding2d', 'up_sampling2d', 'add', 'concatenate', 'multiply']);
  });
  test('Keras defaults in the config', () => {
    const c = L.conv2d({ filters: 3, kernelSize: 2 }).getConfig();
    assert.deepEqual([c.strides, c.padding, c.dataFormat, c.dilationRate, c.groups, c.useBias, c.activation], [[1, 1], 'valid', 'channelsLast', [1, 1], 1, true, 'linear']);
    const p = L.maxPooling2d().getConfig();
    assert.deepEqual([p.poolSize, p.strides, p.padding], [[2, 2], [2, 2], 'valid']);
    assert.deepEqual(L.maxPooling2d({ poolSize: 3 }).getConfig().strides, [3, 3]);
    assert.equal(L.depthwiseConv2d({ kernelSize: 3 }).getConfig().depthMultiplier, 1);
    assert.deepEqual(L.zeroPadding2d().getConfig().padding, [[1, 1], [1, 1]]);
    assert.deepEqual(L.upSampling2d().getConfig().size, [2, 2]);
    assert.equal(L.concatenate().getConfig().axis, -1);
  });
});

describe('merge layers', () => {
  test('shapes, values and broadcasting', () => {
    const a = dt.input({ shape: [4, 4, 3] });
    const b = dt.input({ shape: [4, 4, 3] });
    const c = dt.input({ shape: [1, 1, 3] });
    assert.deepEqual((L.add().apply([a, b, c]) as dt.SymbolicTensor).shape, [null, 4, 4, 3]);
    assert.deepEqual((L.concatenate().apply([a, b]) as dt.SymbolicTensor).shape, [null, 4, 4, 6]);
    assert.deepEqual((L.concatenate({ axis: 1 }).apply([a, b]) as dt.SymbolicTensor).shape, [null, 8, 4, 3]);
    const x = dt.tensor([1, 2, 3, 4], { shape: [2, 2] });
    const y = dt.tensor([5, 6, 7, 8], { shape: [2, 2] });
    assert.deepEqual(values(L.add().apply([x, y]) as dt.Tensor), [6, 8, 10, 12]);
    assert.deepEqual(values(L.subtract().apply([x, y]) as dt.Tensor), [-4, -4, -4, -4]);
    assert.deepEqual(values(L.multiply().apply([x, y]) as dt.Tensor), [5, 12, 21, 32]);
    assert.deepEqual(values(L.average().apply([x, y]) as dt.Tensor), [3, 4, 5, 6]);
    assert.deepEqual(values(L.maximum().apply([x, dt.tensor([[0, 9], [0, 9]])]) as dt.Tensor), [1, 9, 3, 9]);
    assert.deepEqual(values(L.minimum().apply([x, dt.tensor([[0, 9], [0, 9]])]) as dt.Tensor), [0, 2, 0, 4]);
    assert.deepEqual(values(L.concatenate().apply([x, y]) as dt.Tensor), [1, 2, 5, 6, 3, 4, 7, 8]);
  });
  test('errors name the layer and the shapes', () => {
    const a = dt.input({ shape: [4, 3] });
    const b = dt.input({ shape: [5, 3] });
    assertThrowsWith(() => L.add({ name: 'res' }).apply([a, b]), dt.ShapeError, 'res: inputs of shapes (None, 4, 3), (None, 5, 3) cannot be broadcast together');
    assertThrowsWith(() => L.concatenate({ name: 'cat' }).apply([a, dt.input({ shape: [4, 2, 1] })]), dt.ShapeError, /cat: inputs \(None, 4, 3\), \(None, 4, 2, 1\) differ outside the concatenation axis -1/);
    assertThrowsWith(() => L.subtract({ name: 'sub' }).apply([a, a, a]), dt.ValueError, 'sub: expected 2 inputs, got 3');
    assertThrowsWith(() => L.add({ name: 'one' }).apply(a), dt.ValueError, /one: a merge layer takes a list of inputs/);
  });
});

describe('config round trip', () => {
  const makers: [string, () => dt.Layer, number[]][] = [
    ['Conv2D', () => L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', dilationRate: 1, groups: 2, activation: 'relu', useBias: false, kernelRegularizer: { className: 'L2', config: { l2: 0.01 } } }), [5, 6, 4]],
    ['Conv2D explicit pads, channelsFirst', () => L.conv2d({ filters: 2, kernelSize: 3, padding: [[1, 0], [2, 1]], dataFormat: 'channelsFirst' }), [3, 5, 5]],
    ['Conv2DTranspose', () => L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, activation: 'tanh' }), [3, 3, 2]],
    ['DepthwiseConv2D', () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 }), [5, 5, 3]],
    ['SeparableConv2D', () => L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, activation: 'relu' }), [5, 5, 3]],
    ['MaxPooling2D', () => L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [5, 5, 2]],
    ['AveragePooling2D', () => L.averagePooling2d({ poolSize: [2, 1], padding: 'valid', dataFormat: 'channelsFirst' }), [2, 4, 4]],
    ['GlobalAveragePooling2D', () => L.globalAveragePooling2d({ keepdims: true }), [3, 3, 2]],
    ['GlobalMaxPooling2D', () => L.globalMaxPooling2d(), [3, 3, 2]],
    ['ZeroPadding2D', () => L.zeroPadding2d({ padding: [2, 1] }), [3, 3, 2]],
    ['UpSampling2D', () => L.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }), [3, 3, 2]],
    ['BatchNormalization (PyTorch buffers)', () => L.batchNormalization({ momentum: 0.9, epsilon: 1e-5, countMovingStatistics: false }), [3, 3, 2]],
  ];
  for (const [name, make, sample] of makers) {
    test(name, () => {
      const a = make();
      const x = dt.randn([2, ...sample]);
      const ya = a.apply(x) as dt.Tensor;
      const spec = JSON.parse(JSON.stringify(dt.serializeLayer(a)));
      const b = dt.deserializeLayer(spec);
      assert.equal(b.className, a.className);
      assert.deepEqual(b.getConfig(), a.getConfig());
      b.apply(x);
      b.setWeights(a.getWeights());
      assertClose(b.apply(x) as dt.Tensor, ya, { rtol: 1e-6, atol: 1e-6 });
    });
  }
  test('Concatenate and merge layers inside a saved functional model', async () => {
    const inp = dt.input({ shape: [4, 4, 2] });
    const c1 = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c1' }).apply(inp);
    const c2 = L.conv2d({ filters: 3, kernelSize: 1, name: 'c2' }).apply(inp);
    const cat = L.concatenate({ name: 'cat' }).apply([L.add({ name: 'sum' }).apply([c1, c2]) as dt.SymbolicTensor, c1]);
    const m = dt.model({ inputs: inp, outputs: L.globalMaxPooling2d().apply(cat as dt.SymbolicTensor) });
    const m2 = dt.Functional.fromConfig(JSON.parse(JSON.stringify(m.getConfig())));
    m2.setWeights(m.getWeights());
    const x = dt.randn([2, 4, 4, 2]);
    assertClose(m2.apply(x) as dt.Tensor, m.apply(x) as dt.Tensor, { rtol: 1e-6 });
  });
});

/**
 * Gradients of a float64 layer with respect to its inputs and trainable weights by central differences.
 * Weight perturbations go through setWeights; the loss is a fixed random projection of the output.
 */
function checkLayerGradients(layer: dt.Layer, inputs: dt.Tensor[], options: { training?: boolean } = {}): void {
  const call = (xs: dt.Tensor[]): dt.Tensor => (xs.length === 1 ? layer.apply(xs[0], { training: options.training }) : layer.apply(xs, { training: options.training })) as dt.Tensor;
  const y0 = call(inputs);
  dt.seed(11);
  const R = dt.randn(y0.shape.slice(), { dtype: 'float64' });
  const loss = (xs: dt.Tensor[]): number => dt.scope(() => dt.noGrad(() => dt.sum(dt.mul(call(xs), R)).item()));
  const leaves = inputs.map((x) => {
    const l = dt.detach(x);
    l.requiresGrad = true;
    return l;
  });
  const ws = layer.trainableWeights;
  const grads = dt.gradients(dt.sum(dt.mul(call(leaves), R)), [...leaves, ...ws]);
  const eps = 1e-6;
  const compare = (what: string, analytic: dt.Tensor | null, numeric: Float64Array): void => {
    const a = analytic ? values(analytic) : new Array(numeric.length).fill(0);
    for (let i = 0; i < numeric.length; i++) {
      assert.ok(Math.abs(a[i] - numeric[i]) <= 1e-6 + 1e-5 * Math.abs(numeric[i]), `${layer.name} d/d${what}[${i}]: autograd ${a[i]}, numerical ${numeric[i]}`);
    }
  };
  inputs.forEach((x, k) => {
    const base = x.dataSync() as Float64Array;
    const num = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = (d: number): number => {
        const v = base.slice();
        v[i] += d;
        const xs = inputs.slice();
        xs[k] = dt.tensor(v, { shape: x.shape.slice(), dtype: 'float64' });
        return loss(xs);
      };
      num[i] = (at(eps) - at(-eps)) / (2 * eps);
    }
    compare(`input${k}`, grads[k], num);
  });
  const saved = layer.getWeights().map((w) => w.dataSync() as Float64Array);
  const trainableIdx = layer.weights.map((w, i) => (ws.includes(w) ? i : -1)).filter((i) => i >= 0);
  trainableIdx.forEach((wi, k) => {
    const num = new Float64Array(saved[wi].length);
    for (let i = 0; i < num.length; i++) {
      const at = (d: number): number => {
        const vs = saved.map((s) => s.slice());
        vs[wi][i] += d;
        layer.setWeights(vs);
        return loss(inputs);
      };
      num[i] = (at(eps) - at(-eps)) / (2 * eps);
    }
    layer.setWeights(saved);
    compare(layer.ownWeights()[wi]?.name ?? `weight${k}`, grads[inputs.length + k], num);
  });
}

describe('gradients of every layer (float64, central differences)', () => {
  const f64 = (shape: number[]): dt.Tensor => dt.randn(shape, { dtype: 'float64' });
  const cases: [string, () => dt.Layer, number[][], boolean?][] = [
    ['Conv2D same, stride 2, relu-free', () => L.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', dtype: 'float64' }), [[2, 5, 4, 2]]],
    ['Conv2D groups + dilation + channelsFirst', () => L.conv2d({ filters: 4, kernelSize: 2, groups: 2, dilationRate: 2, dataFormat: 'channelsFirst', dtype: 'float64' }), [[1, 2, 5, 5]]],
    ['Conv2DTranspose', () => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', dtype: 'float64' }), [[1, 3, 3, 2]]],
    ['DepthwiseConv2D', () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', dtype: 'float64' }), [[1, 4, 4, 2]]],
    ['SeparableConv2D', () => L.separableConv2d({ filters: 3, kernelSize: 2, dtype: 'float64' }), [[1, 4, 4, 2]]],
    ['MaxPooling2D', () => L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', dtype: 'float64' }), [[2, 5, 5, 2]]],
    ['AveragePooling2D', () => L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', dtype: 'float64' }), [[1, 3, 4, 2]]],
    ['GlobalAveragePooling2D', () => L.globalAveragePooling2d({ dtype: 'float64' }), [[2, 3, 3, 2]]],
    ['GlobalMaxPooling2D', () => L.globalMaxPooling2d({ dtype: 'float64' }), [[2, 3, 3, 2]]],
    ['BatchNormalization 4-D, training', () => L.batchNormalization({ dtype: 'float64' }), [[3, 2, 2, 2]], true],
    ['BatchNormalization 4-D, inference', () => L.batchNormalization({ axis: 1, dtype: 'float64' }), [[2, 3, 2, 2]]],
    ['ZeroPadding2D', () => L.zeroPadding2d({ padding: [[1, 0], [0, 2]], dtype: 'float64' }), [[1, 2, 2, 2]]],
    ['UpSampling2D nearest', () => L.upSampling2d({ size: [2, 3], dtype: 'float64' }), [[1, 2, 2, 2]]],
    ['UpSampling2D bilinear', () => L.upSampling2d({ interpolation: 'bilinear', dtype: 'float64' }), [[1, 3, 2, 2]]],
    ['Add', () => L.add({ dtype: 'float64' }), [[2, 3, 3], [2, 3, 3], [2, 1, 3]]],
    ['Subtract', () => L.subtract({ dtype: 'float64' }), [[2, 3], [2, 3]]],
    ['Multiply', () => L.multiply({ dtype: 'float64' }), [[2, 3], [2, 3], [2, 3]]],
    ['Average', () => L.average({ dtype: 'float64' }), [[2, 3], [2, 3]]],
    ['Maximum', () => L.maximum({ dtype: 'float64' }), [[2, 3], [2, 3]]],
    ['Minimum', () => L.minimum({ dtype: 'float64' }), [[2, 3], [2, 3]]],
    ['Concatenate', () => L.concatenate({ axis: 1, dtype: 'float64' }), [[2, 2, 2], [2, 1, 2]]],
  ];
  for (const [name, make, ins, training] of cases) {
    test(name, () => {
      dt.seed(3);
      const layer = make();
      const xs = ins.map(f64);
      if (xs.length === 1) layer.apply(xs[0]);
      else layer.apply(xs);
      checkLayerGradients(layer, xs, { training });
    });
  }
});

describe('BatchNormalization on images', () => {
  test('training normalizes each channel over batch, height and width; moving statistics follow', () => {
    const bn = L.batchNormalization({ momentum: 0.5 });
    const x = dt.add(dt.mul(dt.randn([4, 3, 3, 2]), dt.tensor([2, 0.5])), dt.tensor([3, -1]));
    const y = bn.apply(x, { training: true }) as dt.Tensor;
    const m = dt.mean(y, [0, 1, 2]);
    const v = dt.variance(y, [0, 1, 2]);
    assertClose(m, [0, 0], { atol: 1e-5 });
    assertClose(v, [1, 1], { rtol: 1e-2 });
    const xm = values(dt.mean(x, [0, 1, 2]));
    assertClose(bn.movingMean!, xm.map((u) => 0.5 * u), { rtol: 1e-5 });
    // inference uses the moving statistics, not the batch's
    const yi = bn.apply(x, { training: false }) as dt.Tensor;
    const xv = values(dt.variance(x, [0, 1, 2]));
    const expected = values(x).map((u, i) => (u - 0.5 * xm[i % 2]) / Math.sqrt(0.5 + 0.5 * xv[i % 2] + 1e-3));
    assertClose(yi, expected, { rtol: 1e-4, atol: 1e-5 });
  });
  test('channels first: axis 1', () => {
    const bn = L.batchNormalization({ axis: 1 });
    const x = dt.randn([3, 2, 4, 4]);
    const y = bn.apply(dt.mul(x, dt.reshape(dt.tensor([5, 2]), [1, 2, 1, 1])), { training: true }) as dt.Tensor;
    assertClose(dt.variance(y, [0, 2, 3]), [1, 1], { rtol: 2e-2 });
    assert.equal(bn.countParams(), 8);
  });
  test('countMovingStatistics: false makes the statistics buffers (PyTorch counts)', () => {
    const bn = L.batchNormalization({ countMovingStatistics: false });
    bn.apply(dt.zeros([1, 2, 2, 64]));
    assert.equal(bn.countParams(), 128);
    assert.equal(bn.weights.length, 4);
  });
});

describe('errors', () => {
  test('wrong ranks and options name the layer', () => {
    assertThrowsWith(() => L.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(dt.input({ shape: [8, 3] })), dt.ShapeError, /c: expected a rank-4 input \(batch, height, width, channels\), got \(None, 8, 3\)/);
    assertThrowsWith(() => L.conv2d({ filters: 0, kernelSize: 3 }), dt.ValueError, 'conv2d: filters must be a positive integer, got 0');
    assertThrowsWith(() => L.conv2d({ filters: 3, kernelSize: 3, groups: 2 }), dt.ValueError, /conv2d: groups must be a positive integer dividing filters \(3\)/);
    assertThrowsWith(() => L.conv2d({ filters: 4, kernelSize: 3, groups: 2, name: 'g' }).apply(dt.input({ shape: [5, 5, 3] })), dt.ShapeError, 'g: 3 input channels do not split into 2 groups');
    assertThrowsWith(() => L.conv2d({ filters: 1, kernelSize: 5, name: 'big' }).apply(dt.input({ shape: [3, 3, 1] })), dt.ShapeError, /big: input \(None, 3, 3, 1\) is too small for the 5x5 kernel/);
    assertThrowsWith(() => L.maxPooling2d({ padding: 'full' as never }), dt.ValueError, /maxPooling2d: padding must be/);
    assertThrowsWith(() => L.upSampling2d({ interpolation: 'cubic' as never }), dt.ValueError, /upSampling2d: interpolation must be 'nearest' or 'bilinear'/);
  });
});
