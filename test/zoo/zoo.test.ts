/**
 * The model zoo: parameter counts equal the reference implementations (Keras applications, torchvision),
 * output shapes, nested blocks in summaries, forward passes with real weights on small inputs, save/load.
 * The big models are counted with placeholder weights (shapeOnly), so nothing here allocates their weights.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers/assert.js';

dt.setBackend('cpu');

const silent = { print: () => {} };

describe('parameter counts equal the reference implementations', () => {
  const refs: [string, () => dt.Model, number, string][] = [
    ['LeNet-5 on 32x32x1', () => dt.zoo.lenet5({ shapeOnly: true }), 61_706, 'LeCun 1998 (dense C3)'],
    ['LeNet-5 on 28x28x1 (padded)', () => dt.zoo.lenet5({ inputShape: [28, 28, 1], shapeOnly: true }), 61_706, 'same network'],
    ['AlexNet', () => dt.zoo.alexnet({ shapeOnly: true }), 61_100_840, 'torchvision'],
    ['VGG16', () => dt.zoo.vgg16({ shapeOnly: true }), 138_357_544, 'Keras applications'],
    ['GoogLeNet (no aux heads)', () => dt.zoo.googlenet({ shapeOnly: true }), 6_624_904, 'torchvision'],
    ['ResNet18', () => dt.zoo.resnet18({ shapeOnly: true }), 11_689_512, 'torchvision'],
    ['ResNet50', () => dt.zoo.resnet50({ shapeOnly: true }), 25_636_712, 'Keras applications'],
  ];
  for (const [name, make, expected, source] of refs) {
    test(`${name}: ${expected.toLocaleString('en-US')} (${source})`, () => {
      const m = make();
      assert.equal(m.countParams(), expected);
      const text = m.summary(silent);
      assert.match(text, new RegExp(`Total params: ${expected.toLocaleString('en-US')} `));
    });
  }
  test('Keras ResNet50 counts its moving statistics (53,120 non-trainable); torchvision models list theirs as buffers', () => {
    const r50 = dt.zoo.resnet50({ shapeOnly: true }).summary(silent);
    assert.match(r50, /Trainable params: 25,583,592 /);
    assert.match(r50, /Non-trainable params: 53,120 /);
    const r18 = dt.zoo.resnet18({ shapeOnly: true }).summary(silent);
    assert.match(r18, /Non-trainable params: 0 /);
    assert.match(r18, /Buffers \(not counted as params\): 9,600 /);
  });
  test('classes and includeTop', () => {
    assert.equal(dt.zoo.vgg16({ includeTop: false, shapeOnly: true }).countParams(), 14_714_688); // Keras: VGG16(include_top=False)
    assert.equal(dt.zoo.resnet50({ includeTop: false, shapeOnly: true }).countParams(), 23_587_712); // Keras: ResNet50(include_top=False)
    assert.equal(dt.zoo.resnet18({ classes: 10, shapeOnly: true }).countParams(), 11_689_512 - 513_000 + 5_130);
    assert.equal(dt.zoo.lenet5({ classes: 2, shapeOnly: true }).countParams(), 61_706 - 850 + 170);
  });
  test('placeholder weights cost no memory', () => {
    const before = dt.memory().bytes.cpu ?? 0;
    const m = dt.zoo.vgg16({ shapeOnly: true });
    assert.ok((dt.memory().bytes.cpu ?? 0) - before < 1e6, 'VGG16 with placeholder weights should allocate next to nothing');
    assert.equal(m.weights.length, 32);
    m.dispose();
  });
});

describe('shapes and summaries', () => {
  test('output shapes at the standard inputs, with and without the top', () => {
    const out = (m: dt.Model) => (m as dt.Functional).outputShapes[0];
    assert.deepEqual(out(dt.zoo.resnet50({ shapeOnly: true })), [null, 1000]);
    assert.deepEqual(out(dt.zoo.resnet50({ includeTop: false, shapeOnly: true })), [null, 7, 7, 2048]);
    assert.deepEqual(out(dt.zoo.resnet50({ includeTop: false, pooling: 'avg', shapeOnly: true })), [null, 2048]);
    assert.deepEqual(out(dt.zoo.vgg16({ includeTop: false, shapeOnly: true })), [null, 7, 7, 512]);
    assert.deepEqual(out(dt.zoo.alexnet({ includeTop: false, shapeOnly: true })), [null, 6, 6, 256]);
    assert.deepEqual(out(dt.zoo.googlenet({ includeTop: false, pooling: 'max', shapeOnly: true })), [null, 1024]);
    assert.deepEqual(out(dt.zoo.resnet18({ includeTop: false, shapeOnly: true })), [null, 7, 7, 512]);
    assert.deepEqual(out(dt.zoo.lenet5({ includeTop: false, shapeOnly: true })), [null, 5, 5, 16]);
  });
  test('summary prints residual and inception blocks as nested models', () => {
    const text = dt.zoo.resnet50({ shapeOnly: true }).summary(silent);
    assert.match(text, /conv2_block1 \(Functional\)\s+│ \(None, 56, 56, 256\)\s+│\s+76,928 │/);
    assert.match(text, /conv5_block3 \(Functional\)\s+│ \(None, 7, 7, 2048\)/);
    assert.ok(!text.includes('conv2_block1_1_conv'), 'blocks are collapsed by default');
    const expanded = dt.zoo.resnet50({ shapeOnly: true }).summary({ ...silent, expandNested: true });
    assert.match(expanded, /conv2_block1_1_conv \(Conv2D\)/);
    const g = dt.zoo.googlenet({ shapeOnly: true }).summary(silent);
    assert.match(g, /inception3a \(Functional\)\s+│ \(None, 28, 28, 256\)/);
    assert.match(g, /inception5b \(Functional\)\s+│ \(None, 7, 7, 1024\)/);
  });
  test('weight names follow the reference models', () => {
    const names = dt.zoo.resnet50({ shapeOnly: true }).weights.map((w) => w.name);
    assert.ok(names.includes('conv2_block1_0_conv/kernel') && names.includes('conv5_block3_3_bn/moving_variance') && names.includes('predictions/bias'));
    assert.equal(new Set(names).size, names.length);
    const vgg = dt.zoo.vgg16({ shapeOnly: true }).weights.map((w) => w.name);
    assert.deepEqual(vgg.slice(0, 2), ['block1_conv1/kernel', 'block1_conv1/bias']);
  });
  test('option errors', () => {
    assertThrowsWith(() => dt.zoo.vgg16({ inputShape: [224, 224] }), dt.ValueError, /zoo.vgg16: inputShape must be \[height, width, channels\]/);
    assertThrowsWith(() => dt.zoo.resnet18({ classes: 0 }), dt.ValueError, /zoo.resnet18: classes must be a positive integer/);
    assertThrowsWith(() => dt.zoo.alexnet({ inputShape: [200, 200, 3], shapeOnly: true }), dt.ValueError, /zoo.alexnet: the last feature map is 5x5/);
  });
  test('a shape-only model refuses to load weights', () => {
    const m = dt.zoo.lenet5({ shapeOnly: true });
    assert.throws(() => m.setWeights(m.weights.map((w) => new Float32Array(w.size))), /is a view/);
  });
});

describe('forward passes with real weights on small inputs', () => {
  test('LeNet-5 on 28x28 digits', () => {
    dt.seed(1);
    const m = dt.zoo.lenet5({ inputShape: [28, 28, 1] });
    const y = m.apply(dt.rand([3, 28, 28, 1])) as dt.Tensor;
    assert.deepEqual(y.shape, [3, 10]);
    assertClose(dt.sum(y, -1), [1, 1, 1], { rtol: 1e-5 });
  });
  test('ResNet18 and GoogLeNet at 32x32, ResNet50 at 32x32 without the top', () => {
    dt.seed(2);
    const x = dt.rand([1, 32, 32, 3]);
    const r18 = dt.zoo.resnet18({ inputShape: [32, 32, 3], classes: 5 });
    assert.deepEqual((r18.apply(x) as dt.Tensor).shape, [1, 5]);
    r18.dispose();
    const g = dt.zoo.googlenet({ inputShape: [32, 32, 3], classes: 7, classifierActivation: null });
    assert.deepEqual((g.apply(x) as dt.Tensor).shape, [1, 7]);
    g.dispose();
    const r50 = dt.zoo.resnet50({ inputShape: [32, 32, 3], includeTop: false, pooling: 'avg' });
    assert.deepEqual((r50.apply(x) as dt.Tensor).shape, [1, 2048]);
    r50.dispose();
  });
  test('resnetSmall saves and loads (nested blocks included)', async () => {
    dt.seed(3);
    const m = dt.zoo.resnetSmall();
    const x = dt.rand([2, 28, 28, 1]);
    const y = m.apply(x) as dt.Tensor;
    const dir = await mkdtemp(join(tmpdir(), 'deepts-zoo-'));
    try {
      await m.save(dir);
      const back = await dt.loadModel(dir);
      assertClose(back.apply(x) as dt.Tensor, y, { rtol: 1e-5, atol: 1e-6 });
      assert.equal(back.countParams(), m.countParams());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
