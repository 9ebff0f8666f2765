/** src/viz/png.ts: the PNG writer, checked by decoding with node:zlib and verifying every chunk's CRC. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { join } from 'node:path';
import * as dt from '../../src/index.js';
import { crc32, encodePng } from '../../src/viz/png.js';
import { tempDir } from '../train/helpers.js';
import { decodePng } from '../helpers/png.js';

describe('PNG writer', () => {
  test('crc32 matches the standard check value and zlib', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 255);
    if (typeof zlibCrc32 === 'function') assert.equal(crc32(bytes), zlibCrc32(bytes));
    assert.equal(crc32(bytes.subarray(500), crc32(bytes.subarray(0, 500))), crc32(bytes), 'continues a running CRC');
  });

  test('encodePng round-trips an 8-bit grayscale image; IEND is the fixed 12 bytes', () => {
    const w = 37;
    const h = 5;
    const pixels = Uint8Array.from({ length: w * h }, (_, i) => (i * 13) % 256);
    const png = encodePng(w, h, pixels);
    const d = decodePng(png);
    assert.deepEqual([d.width, d.height, d.bitDepth, d.colorType, d.interlace], [w, h, 8, 0, 0]);
    assert.deepEqual(d.chunks, ['IHDR', 'IDAT', 'IEND']);
    assert.deepEqual(d.pixels, pixels);
    assert.deepEqual([...png.subarray(-12)], [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    assert.deepEqual(decodePng(encodePng(1, 1, Uint8Array.of(255))).pixels, Uint8Array.of(255));
  });

  test('rejects sizes that do not fit the pixels', () => {
    assert.throws(() => encodePng(3, 3, new Uint8Array(8)), dt.ShapeError);
    assert.throws(() => encodePng(0, 3, new Uint8Array(0)), dt.ValueError);
    assert.throws(() => encodePng(2.5, 2, new Uint8Array(5)), dt.ValueError);
  });

  test('imageGrid tiles [N,H,W] and [N,H,W,1] images with padding, clamps and scales', () => {
    // three 2x2 images: 0s, 1s, and a ramp with out-of-range values
    const imgs = dt.tensor([[[0, 0], [0, 0]], [[1, 1], [1, 1]], [[-1, 0.5], [2, 0.25]]]);
    const g = dt.imageGrid(imgs, { cols: 2, padding: 1, background: 7 });
    assert.equal(g.width, 2 * 2 + 3);
    assert.equal(g.height, 2 * 2 + 3);
    const at = (x: number, y: number): number => g.pixels[y * g.width + x];
    assert.equal(at(0, 0), 7); // padding
    assert.equal(at(1, 1), 0); // image 0
    assert.equal(at(4, 1), 255); // image 1, first row, right of image 0 and a padding column
    assert.deepEqual([at(1, 4), at(2, 4), at(1, 5), at(2, 5)], [0, 128, 255, 64]); // image 2: clamped, rounded
    assert.equal(at(4, 4), 7); // the empty cell
    const nhwc = dt.imageGrid(imgs.reshape([3, 2, 2, 1]), { cols: 2, padding: 1, background: 7 });
    assert.deepEqual(nhwc, g);
    const big = dt.imageGrid(imgs, { cols: 3, padding: 0, scale: 3 });
    assert.deepEqual([big.width, big.height], [18, 6]);
    assert.equal(big.pixels[2 * 18 + 8], 255, 'image 1 spans columns 6..11 at scale 3');
    assert.deepEqual([dt.imageGrid(imgs).width, dt.imageGrid(imgs, 3).width], [2 * 2 + 3, 3 * 2 + 4]); // default cols = ceil(sqrt(3)) = 2
    assert.throws(() => dt.imageGrid(dt.zeros([2, 4])), dt.ShapeError);
    assert.throws(() => dt.imageGrid(dt.zeros([2, 3, 3, 3])), dt.ShapeError);
  });

  test('savePng writes a decodable file of MNIST digits', () => {
    const dir = tempDir('deepts-png-');
    const { test: t } = dt.loadMnist({ limit: 8 });
    const g = dt.imageGrid(t.x, { cols: 4 });
    const file = join(dir, 'sub', 'digits.png');
    dt.savePng(file, g.width, g.height, g.pixels);
    const d = decodePng(new Uint8Array(readFileSync(file)));
    assert.deepEqual([d.width, d.height], [4 * 28 + 5, 2 * 28 + 3]);
    assert.deepEqual(d.pixels, g.pixels);
    // the digits are white strokes on black: some pixels bright, most of each image dark
    const first = Array.from({ length: 28 * 28 }, (_, i) => d.pixels[(1 + Math.floor(i / 28)) * d.width + 1 + (i % 28)]);
    assert.ok(first.filter((v) => v > 200).length > 50 && first.filter((v) => v === 0).length > 400);
  });
});
