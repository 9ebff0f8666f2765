/**
 * Tensor lifetimes. The model (see docs/memory.md):
 *  - Every tensor holds one reference to its storage; views share it; the storage is freed at zero.
 *  - `dispose()` (or `using`) frees a handle now. `scope(fn)` frees every tensor created inside `fn` except what
 *    `fn` returns (and what was `keep()`-ed). The trainer runs each step in a scope, so users need neither.
 *  - A FinalizationRegistry releases what users simply drop, as a safety net; wasm memory relies on the first
 *    two for prompt reuse.
 */
import type { StorageRef, Tensor } from './tensor.js';

type ScopeSet = Set<Tensor>;
const scopeOf = new WeakMap<Tensor, ScopeSet>();

function release(ref: StorageRef): void {
  ref.refs--;
  if (ref.refs === 0) ref.storage.backend.free(ref.storage);
}

class MemoryManager {
  liveTensors = 0;
  readonly scopes: ScopeSet[] = [];
  private readonly registry = new FinalizationRegistry<StorageRef>((ref) => {
    this.liveTensors--;
    release(ref);
  });

  onCreate(t: Tensor): void {
    this.liveTensors++;
    this.registry.register(t, t._ref, t);
    const top = this.scopes[this.scopes.length - 1];
    if (top) {
      top.add(t);
      scopeOf.set(t, top);
    }
  }

  onDispose(t: Tensor): void {
    this.liveTensors--;
    this.registry.unregister(t);
    this.untrack(t);
    release(t._ref);
  }

  untrack(t: Tensor): void {
    const s = scopeOf.get(t);
    if (s) {
      s.delete(t);
      scopeOf.delete(t);
    }
  }

  /** Moves a tensor into the innermost open scope (or out of all scopes when none is open). */
  adopt(t: Tensor): void {
    this.untrack(t);
    const top = this.scopes[this.scopes.length - 1];
    if (top) {
      top.add(t);
      scopeOf.set(t, top);
    }
  }
}

export const memory = new MemoryManager();

/** Collects the tensors inside a (nested) result value: a tensor, arrays, Maps and plain objects. */
function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    out.add(value);
    if (value.grad) out.add(value.grad);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out, isTensor, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectTensors(v, out, isTensor, depth + 1);
}

let tensorCheck: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
/** @internal set by core/index to avoid an import cycle */
export function setTensorCheck(f: (v: unknown) => v is Tensor): void {
  tensorCheck = f;
}

/**
 * Runs `fn` and disposes every tensor it created, except the tensors in its result, which move to the
 * enclosing scope (when `fn` throws, everything it created is disposed). Synchronous only (an async step must
 * wrap its synchronous parts).
 */
export function scope<T>(fn: () => T): T {
  const mine: ScopeSet = new Set();
  memory.scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // an exception frees everything the scope created, like a normal exit with nothing returned
    memory.scopes.pop();
    for (const t of mine) {
      scopeOf.delete(t);
      t.dispose();
    }
    throw e;
  }
  memory.scopes.pop();
  const kept = new Set<Tensor>();
  collectTensors(result, kept, tensorCheck);
  for (const t of mine) {
    scopeOf.delete(t);
    if (kept.has(t)) memory.adopt(t);
    else t.dispose();
  }
  return result;
}

/** Exempts tensors from scope clean-up: they live until disposed (weights, optimizer state, caches). */
export function keep<T extends Tensor>(t: T): T {
  memory.untrack(t);
  return t;
}

export interface MemoryInfo {
  /** tensor handles alive (created and neither disposed nor garbage collected) */
  numTensors: number;
  /** bytes held by each backend's storages */
  bytes: Record<string, number>;
}
