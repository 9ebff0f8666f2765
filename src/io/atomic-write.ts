/**
 * Crash-safe file writes: the data goes to a temporary file in the target's folder, is flushed
 * to disk (fsync), then renamed over the target, so readers see either the old file or the
 * complete new one, never a torn write. On failure the temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ValueError } from '../core/errors.js';

export type FileContents = Uint8Array | string;

export interface AtomicWriteOptions {
  /** Permission bits for a new file (default 0o666, less the umask). */
  mode?: number;
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function toBytes(data: FileContents): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new ValueError(`writeFileAtomic: data must be a Uint8Array or a string, got ${Object.prototype.toString.call(data)}`);
}

/** fsync a directory so a rename inside it is durable; not possible everywhere (Windows), so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Writes `data` to a fresh temp file next to `path` and fsyncs it; returns the temp path. */
async function writeTemp(path: string, bytes: Uint8Array, mode: number): Promise<string> {
  const tmp = tempPathFor(path);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', mode);
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    return tmp;
  } catch (e) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Atomically replaces (or creates) the file at `path` with `data`. */
export async function writeFileAtomic(path: string, data: FileContents, opts: AtomicWriteOptions = {}): Promise<void> {
  const bytes = toBytes(data);
  const tmp = await writeTemp(path, bytes, opts.mode ?? 0o666);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}

/** Synchronous {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: FileContents, opts: AtomicWriteOptions = {}): void {
  const bytes = toBytes(data);
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // may not exist
    }
    throw e;
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // best effort
  }
}

/**
 * Writes several files under `dir` (created if missing). Every file is first written to a temp
 * file and fsynced; only when all succeeded are they renamed into place, so a failure while
 * writing leaves every target untouched. Names are relative paths that must stay inside `dir`.
 * Returns the absolute paths written, in input order.
 */
export async function writeFilesAtomic(
  dir: string,
  files: Record<string, FileContents> | readonly (readonly [string, FileContents])[],
  opts: AtomicWriteOptions = {},
): Promise<string[]> {
  const list: [string, Uint8Array][] = (Array.isArray(files) ? files : Object.entries(files)).map(([name, data]) => {
    if (typeof name !== 'string' || name === '' || isAbsolute(name)) {
      throw new ValueError(`writeFilesAtomic: file name ${JSON.stringify(name)} must be a non-empty relative path`);
    }
    const target = resolve(dir, name);
    const rel = relative(resolve(dir), target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new ValueError(`writeFilesAtomic: file name ${JSON.stringify(name)} escapes the folder ${dir}`);
    }
    return [target, toBytes(data)];
  });
  const seen = new Set<string>();
  for (const [p] of list) {
    if (seen.has(p)) throw new ValueError(`writeFilesAtomic: ${p} appears twice`);
    seen.add(p);
  }
  const dirs = new Set(list.map(([p]) => dirname(p)));
  for (const d of dirs) await mkdir(d, { recursive: true });

  const temps: string[] = [];
  try {
    for (const [p, bytes] of list) temps.push(await writeTemp(p, bytes, opts.mode ?? 0o666));
    for (let i = 0; i < list.length; i++) {
      await rename(temps[i]!, list[i]![0]);
      temps[i] = '';
    }
  } catch (e) {
    await Promise.all(temps.filter((t) => t !== '').map((t) => unlink(t).catch(() => {})));
    throw e;
  }
  for (const d of dirs) await syncDir(d);
  return list.map(([p]) => p);
}
