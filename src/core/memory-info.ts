import { listBackends, getBackend } from './engine.js';
import { memory as manager, type MemoryInfo } from './memory.js';

/** Live tensor handles and bytes held per backend: the numbers a leak test watches. */
export function memoryInfo(): MemoryInfo {
  const bytes: Record<string, number> = {};
  for (const name of listBackends()) bytes[name] = getBackend(name).bytesInUse();
  return { numTensors: manager.liveTensors, bytes };
}
