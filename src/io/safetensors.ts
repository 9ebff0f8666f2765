/**
 * The safetensors format: the in-memory codec (safetensors-codec.ts, re-exported here) plus reading
 * and writing files (Node).
 */
import { readFileSync, statSync } from 'node:fs';
import { FormatError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile } from './safetensors-codec.js';

export * from './safetensors-codec.js';

/** Largest safetensors file readSafetensorsFile accepts. */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/** Reads and decodes a safetensors file from disk (errors name `path`). */
export function readSafetensorsFile(path: string): SafetensorsFile {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) throw new FormatError(path, `safetensors: file is ${size} bytes, more than this reader's ${MAX_FILE_BYTES}-byte limit`);
  const b = readFileSync(path);
  return decodeSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path);
}

/** Encodes and writes a safetensors file atomically (temp file + fsync + rename). */
export async function writeSafetensorsFile(
  path: string,
  tensors: Parameters<typeof encodeSafetensors>[0],
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
