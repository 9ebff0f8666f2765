/**
 * Merge layers (Keras 3): Add, Subtract, Multiply, Average, Maximum, Minimum (elementwise, with broadcasting) and
 * Concatenate (along `axis`, default -1). They take an array of inputs: `layers.add().apply([a, b])`.
 */
import { DeeptsError, ShapeError, ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { fmtShape, normalizeAxis } from '../../core/shape.js';
import { add, div, maximum, minimum, mul, sub } from '../../ops/elementwise.js';
import { concat } from '../../ops/movement.js';
import { Layer, type LayerConfig } from '../layer.js';
import { fmtLayerShape, type LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';

function shapeList(layer: string, s: LayerShape | LayerShape[], exactly?: number): LayerShape[] {
  if (!Array.isArray(s[0])) throw new ValueError(`${layer}: a merge layer takes a list of inputs, got one input of shape ${fmtLayerShape(s as LayerShape)}`);
  const list = s as LayerShape[];
  if (exactly !== undefined ? list.length !== exactly : list.length < 1) {
    throw new ValueError(`${layer}: expected ${exactly ?? 'at least 1'} inputs, got ${list.length}`);
  }
  return list;
}

function tensorList(layer: string, x: Tensor | Tensor[], exactly?: number): Tensor[] {
  if (!Array.isArray(x)) throw new ValueError(`${layer}: a merge layer takes a list of inputs, got one tensor of shape ${fmtShape(x.shape)}`);
  if (exactly !== undefined ? x.length !== exactly : x.length < 1) throw new ValueError(`${layer}: expected ${exactly ?? 'at least 1'} inputs, got ${x.length}`);
  return x;
}

/** NumPy broadcasting of layer shapes (null = unknown, compatible with anything). */
function broadcastLayerShapes(layer: string, shapes: LayerShape[]): LayerShape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: LayerShape = new Array(rank).fill(1);
  for (const s of shapes) {
    const lifted = [...new Array(rank - s.length).fill(1), ...s];
    lifted.forEach((d, i) => {
      const o = out[i];
      if (d === 1) return;
      if (o === 1 || o === null) out[i] = d === null ? (o === 1 ? null : o) : d;
      else if (d !== null && d !== o) throw new ShapeError(`${layer}: inputs of shapes ${shapes.map(fmtLayerShape).join(', ')} cannot be broadcast together`);
    });
  }
  return out;
}

abstract class ElementwiseMerge extends Layer {
  protected readonly arity?: number;
  protected abstract combine(xs: Tensor[]): Tensor;

  override build(inputShape: LayerShape | LayerShape[]): void {
    broadcastLayerShapes(this.name, shapeList(this.name, inputShape, this.arity));
    super.build(inputShape);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return broadcastLayerShapes(this.name, shapeList(this.name, inputShape, this.arity));
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.combine(tensorList(this.name, inputs, this.arity));
  }
}

const fold = (xs: Tensor[], f: (a: Tensor, b: Tensor) => Tensor): Tensor => xs.slice(1).reduce(f, xs[0]);

/** Sum of the inputs (residual connections). */
export class Add extends ElementwiseMerge {
  readonly className = 'Add';
  protected combine(xs: Tensor[]): Tensor {
    return fold(xs, add);
  }
}
/** inputs[0] - inputs[1] (exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  readonly className = 'Subtract';
  protected override readonly arity = 2;
  protected combine([a, b]: Tensor[]): Tensor {
    return sub(a, b);
  }
}
/** Product of the inputs (gating). */
export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';
  protected combine(xs: Tensor[]): Tensor {
    return fold(xs, mul);
  }
}
/** Mean of the inputs. */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';
  protected combine(xs: Tensor[]): Tensor {
    return div(fold(xs, add), xs.length);
  }
}
/** Elementwise maximum of the inputs. */
export class Maximum extends ElementwiseMerge {
  readonly className = 'Maximum';
  protected combine(xs: Tensor[]): Tensor {
    return fold(xs, maximum);
  }
}
/** Elementwise minimum of the inputs. */
export class Minimum extends ElementwiseMerge {
  readonly className = 'Minimum';
  protected combine(xs: Tensor[]): Tensor {
    return fold(xs, minimum);
  }
}

/** Joins the inputs along `axis` (default -1: channels for channels-last images). */
export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly axis: number;
  constructor(config: LayerConfig & { axis?: number } = {}) {
    super(config);
    this.axis = config.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ValueError(`concatenate: axis must be an integer, got ${JSON.stringify(config.axis)}`);
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shapes = shapeList(this.name, inputShape);
    const rank = shapes[0].length;
    const a = normalizeAxis(this.name, this.axis, rank);
    if (a === 0) throw new DeeptsError(`${this.name}: cannot concatenate along the batch axis`);
    const out: LayerShape = shapes[0].slice();
    for (const s of shapes.slice(1)) {
      const mismatch = s.length !== rank || s.some((d, i) => i !== a && d !== null && out[i] !== null && d !== out[i]);
      if (mismatch) throw new ShapeError(`${this.name}: inputs ${shapes.map(fmtLayerShape).join(', ')} differ outside the concatenation axis ${this.axis}`);
      s.forEach((d, i) => {
        if (i === a) out[i] = out[i] === null || d === null ? null : (out[i] as number) + d;
        else if (out[i] === null) out[i] = d;
      });
    }
    return out;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = tensorList(this.name, inputs);
    return concat(xs, this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

registerLayer('Add', (c) => new Add(c as LayerConfig));
registerLayer('Subtract', (c) => new Subtract(c as LayerConfig));
registerLayer('Multiply', (c) => new Multiply(c as LayerConfig));
registerLayer('Average', (c) => new Average(c as LayerConfig));
registerLayer('Maximum', (c) => new Maximum(c as LayerConfig));
registerLayer('Minimum', (c) => new Minimum(c as LayerConfig));
registerLayer('Concatenate', (c) => new Concatenate(c as LayerConfig & { axis?: number }));
