import type { Prim, PrimParams } from './primitives.js';
import type { Tensor } from './tensor.js';

/** How a tensor was computed: recorded by the engine when an input requires a gradient. */
export interface Node<P extends Prim = Prim> {
  readonly prim: P;
  readonly inputs: readonly Tensor[];
  readonly params: PrimParams[P];
}
