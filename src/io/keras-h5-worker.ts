/**
 * Worker side of keras-h5.ts: loads h5wasm, then reads one file per message with the in-thread reader and
 * replies on the port, raising a shared flag so the caller's Atomics.wait returns.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { FormatError } from '../core/errors.js';
import { h5Healthy, initKerasH5, readKerasH5InThread, isTrap } from './keras-h5-reader.js';
import type { KerasWorkerReply } from './keras-h5.js';

const { flag: sab, port } = workerData as { flag: SharedArrayBuffer; port: MessagePort };
const flag = new Int32Array(sab);

function reply(msg: KerasWorkerReply): void {
  port.postMessage(msg);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

try {
  await initKerasH5();
  port.on('message', ({ bytes, file }: { bytes: Uint8Array; file: string }) => {
    try {
      reply({ ok: readKerasH5InThread(bytes, file) });
    } catch (e) {
      // after a WebAssembly trap (an abort inside libhdf5), or when libhdf5 no longer reads a known-good file,
      // ask for a fresh worker
      const restart = isTrap(e) || /WebAssembly trap/.test(String((e as Error)?.message)) || !h5Healthy();
      if (e instanceof FormatError) reply({ format: e.detail, restart });
      else reply({ format: `HDF5 read failed: ${String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300)}`, restart: true });
    }
  });
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
} catch (e) {
  port.postMessage({ fatal: String((e as Error)?.stack ?? e) });
  Atomics.store(flag, 1, 2);
  Atomics.notify(flag, 1);
}
