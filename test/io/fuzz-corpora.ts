/** Fuzz corpora of the interop parsers (shared by test/io/interop-fuzz.test.ts and scripts/fuzz.ts). */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as dt from '../../src/index.js';
import { embeddedJsonFuzzSeed, jsonFuzzSeed, safetensorsFuzzSeed, type FuzzSeed } from '../../src/io/fuzz.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION } from '../../src/train/saving.js';

const KERAS_FIXTURES = ['keras2_mlp.h5', 'keras2_cnn.h5', 'keras2_functional.h5', 'keras3_cnn.h5', 'keras3_functional.h5', 'keras22_h5py2.h5'];

/** The Keras .h5 fixtures (test/fixtures/keras). */
export function kerasH5Corpus(): FuzzSeed[] {
  return KERAS_FIXTURES.map((f) => embeddedJsonFuzzSeed(new Uint8Array(gunzipSync(readFileSync(new URL(`../fixtures/keras/${f}.gz`, import.meta.url))))));
}

/** model.json of small models covering the layer families (as model.save writes its modelConfig). */
export function modelJsonCorpus(): FuzzSeed[] {
  const L = dt.layers;
  const models: dt.Model[] = [];
  models.push(dt.sequential({ name: 'mlp', layers: [L.dense({ units: 16, activation: 'relu', inputShape: [20] }), L.dropout({ rate: 0.2 }), L.dense({ units: 4, activation: 'softmax' })] }));
  models.push(dt.sequential({
    name: 'cnn',
    layers: [
      L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1] }), L.batchNormalization(), L.activation({ activation: 'relu' }), L.maxPooling2d(),
      L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), L.zeroPadding2d({ padding: 1 }), L.upSampling2d(), L.averagePooling2d({ padding: 'same' }),
      L.flatten(), L.reshape({ targetShape: [-1, 8] }), L.dense({ units: 3 }), L.flatten(), L.dense({ units: 2, activation: 'sigmoid' }),
    ],
  }));
  const x = dt.input({ shape: [6, 6, 3], name: 'img' });
  const a = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  const b = L.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x);
  const s = L.add().apply([a, b, x]) as dt.SymbolicTensor;
  const c = L.concatenate().apply([s, L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2 }).apply(L.maxPooling2d().apply(s))]) as dt.SymbolicTensor;
  const out = L.dense({ units: 2 }).apply(L.globalAveragePooling2d().apply(c));
  models.push(dt.model({ inputs: x, outputs: [out, L.multiply().apply([a, b]) as dt.SymbolicTensor], name: 'graph' }));
  models.push(dt.zoo.resnetSmall({ filters: [4, 8], inputShape: [8, 8, 1], classes: 3 }));
  return models.map((m) => {
    const json = JSON.stringify({ format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, modelConfig: dt.serializeLayer(m) });
    m.dispose();
    return jsonFuzzSeed(new TextEncoder().encode(json));
  });
}

/** Safetensors seeds: every dtype, a scalar, an empty tensor and metadata; then the smallest file. */
export function safetensorsCorpus(): FuzzSeed[] {
  return [
    encodeSafetensors(
      {
        'layer.0.weight': { dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
        'layer.0.bias': { dtype: 'F16', shape: [3], data: [0.5, -1, 2] },
        emb: { dtype: 'BF16', shape: [2, 2], data: [1, 2, 3, 4] },
        step: { dtype: 'I64', shape: [], data: [7n] },
        mask: { dtype: 'BOOL', shape: [3], data: [true, false, true] },
        ids: { dtype: 'I32', shape: [2], data: [1, 2] },
        small: { dtype: 'I8', shape: [2], data: [-1, 1] },
        pix: { dtype: 'U8', shape: [2], data: [0, 255] },
        h: { dtype: 'I16', shape: [1], data: [-5] },
        d: { dtype: 'F64', shape: [1], data: [0.25] },
        none: { dtype: 'F32', shape: [0], data: [] },
      },
      { format: 'pt', epoch: '3' },
    ),
    encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: [1, 2] } }),
  ].map(safetensorsFuzzSeed);
}
