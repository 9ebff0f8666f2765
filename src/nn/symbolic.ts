/**
 * Symbolic tensors of the functional API: `input({shape})` makes one, `layer.apply(symbolic)` records a call and
 * returns new ones. A model is the graph of these calls from its inputs to its outputs.
 */
import type { DType } from '../core/dtype.js';
import type { Layer } from './layer.js';

/** A shape with the batch dimension (and any unknown dimension) as null, like Keras's None. */
export type LayerShape = (number | null)[];

/** One call of a layer on symbolic inputs. */
export interface CallNode {
  readonly layer: Layer;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly args: Record<string, unknown>;
}

let nextSymbolicId = 0;

export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  constructor(
    readonly shape: LayerShape,
    readonly dtype: DType,
    /** the call that produced it (for an Input: the InputLayer's call with no inputs) */
    public node: CallNode | null,
    readonly outputIndex = 0,
    readonly name = `symbolic_${nextSymbolicId}`,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `SymbolicTensor(shape=${fmtLayerShape(this.shape)}, dtype=${this.dtype}, from=${this.node?.layer.name ?? '?'})`;
  }
}

export function fmtLayerShape(s: LayerShape): string {
  return `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
}
