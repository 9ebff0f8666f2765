/** A strict PNG reader for tests: what encodePng writes (8-bit grayscale, filter 0), every chunk's CRC checked. */
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32 as ownCrc32 } from '../../src/viz/png.js';

// zlib's CRC-32 where Node has it (20.15+), so the check does not rest on the code under test
const crc32: (b: Uint8Array) => number = (zlib as { crc32?: (b: Uint8Array) => number }).crc32 ?? ownCrc32;

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  pixels: Uint8Array;
  chunks: string[];
}

/** A strict decoder for what encodePng writes: signature, chunk CRCs, IHDR, IDAT (filter 0 rows), IEND. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  const idat: Uint8Array[] = [];
  let ihdr: Uint8Array | undefined;
  let at = 8;
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    const crc = view.getUint32(at + 8 + length);
    assert.equal(crc, crc32(bytes.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  assert.equal(at, bytes.length, 'no trailing bytes');
  assert.equal(chunks[0], 'IHDR');
  assert.equal(chunks.at(-1), 'IEND');
  const h = new DataView(ihdr!.buffer, ihdr!.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, height * (width + 1), 'one filter byte + width bytes per row');
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width + 1)], 0, 'filter type 0');
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, bitDepth: ihdr![8], colorType: ihdr![9], interlace: ihdr![12], pixels, chunks };
}
