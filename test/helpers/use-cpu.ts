/**
 * Imported for its effect by the core tests: they check semantics on the CPU reference backend (all four dtypes,
 * float64 for gradient checks), whichever backend is the default (wasm where WebAssembly SIMD runs). Other
 * backends are held to the same op table with `runOpTable(name)`.
 */
import * as dt from '../../src/index.js';

dt.setBackend('cpu');

/** Bytes held by all backends together (a leak on any of them shows). */
export function totalBytes(): number {
  return Object.values(dt.memory().bytes).reduce((p, b) => p + b, 0);
}
