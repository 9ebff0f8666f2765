/**
 * A minimal PNG writer (8-bit grayscale, no interlacing) and a helper that tiles images into one grid, for looking
 * at digits, reconstructions or filters. PNG = signature + IHDR + IDAT (zlib stream of the filtered rows) + IEND,
 * each chunk `length, type, data, CRC-32(type + data)`.
 */
import { deflateSync } from 'node:zlib';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

let crcTable: Uint32Array | undefined;
/** CRC-32 (ISO 3309 / ITU-T V.42, the one PNG and zlib use) of `bytes`, continuing from `crc`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes `pixels` (row-major, one byte per pixel, 0 = black, 255 = white) as an 8-bit grayscale PNG. Rows use
 * filter 0 (none): simple, and zlib compresses the mostly-black digit images well anyway.
 */
export function encodePng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) {
    throw new ValueError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (pixels.length !== width * height) throw new ShapeError(`encodePng: ${width}x${height} needs ${width * height} pixels, got ${pixels.length}`);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter type of the row: none
    raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const idat = new Uint8Array(deflateSync(raw, { level: 9 }));
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes an 8-bit grayscale PNG (atomically; creates the folder). */
export function savePng(path: string, width: number, height: number, pixels: Uint8Array): void {
  const bytes = encodePng(width, height, pixels);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, bytes);
}

export interface ImageGridOptions {
  /** images per row (default: ceil(sqrt(N))) */
  cols?: number;
  /** pixels between images and around the grid (default 1) */
  padding?: number;
  /** gray level of the padding, 0..255 (default 128) */
  background?: number;
  /** value range mapped to 0..255 (default [0, 1]); values outside are clamped */
  range?: [number, number];
  /** each pixel becomes scale x scale pixels (default 1) */
  scale?: number;
}

export interface Image {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Tiles a batch of single-channel images (`[N, H, W]` or `[N, H, W, 1]`) into one grayscale picture, row by row,
 * `cols` per row. Values are mapped from `range` (default [0, 1]) to 0..255.
 */
export function imageGrid(images: Tensor, options: ImageGridOptions | number = {}): Image {
  const o = typeof options === 'number' ? { cols: options } : options;
  const shape = images.shape;
  if (!(shape.length === 3 || (shape.length === 4 && shape[3] === 1))) {
    throw new ShapeError(`imageGrid: expected images [N, H, W] or [N, H, W, 1], got [${shape.join(', ')}]`);
  }
  const [n, h, w] = shape;
  if (n < 1) throw new ValueError('imageGrid: no images');
  const cols = Math.min(o.cols ?? Math.ceil(Math.sqrt(n)), n);
  const padding = o.padding ?? 1;
  const scale = o.scale ?? 1;
  const [lo, hi] = o.range ?? [0, 1];
  if (!(Number.isInteger(cols) && cols >= 1) || !(Number.isInteger(padding) && padding >= 0) || !(Number.isInteger(scale) && scale >= 1) || !(hi > lo)) {
    throw new ValueError(`imageGrid: cols and scale must be positive integers, padding a non-negative integer and range increasing, got ${JSON.stringify(o)}`);
  }
  const rows = Math.ceil(n / cols);
  const cw = w * scale;
  const ch = h * scale;
  const width = cols * cw + (cols + 1) * padding;
  const height = rows * ch + (rows + 1) * padding;
  const pixels = new Uint8Array(width * height).fill(Math.max(0, Math.min(255, Math.round(o.background ?? 128))));
  const data = images.dataSync();
  const k = 255 / (hi - lo);
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % cols) * (cw + padding);
    const y0 = padding + Math.floor(i / cols) * (ch + padding);
    for (let y = 0; y < ch; y++) {
      const src = i * h * w + Math.floor(y / scale) * w;
      const dst = (y0 + y) * width + x0;
      for (let x = 0; x < cw; x++) {
        const g = (Number(data[src + Math.floor(x / scale)]) - lo) * k;
        pixels[dst + x] = g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g); // NaN → 0 via the Uint8Array store
      }
    }
  }
  return { width, height, pixels };
}
