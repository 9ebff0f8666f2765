/** Options and building blocks shared by the model zoo. */
import { ValueError } from '../core/errors.js';
import { shapeOnly, type Layer } from '../nn/layer.js';
import * as layers from '../nn/layers/index.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import type { ActivationFn } from '../nn/activations.js';
import { input, model, type Functional, type Model } from '../train/model.js';

export interface ZooOptions {
  /** one sample's shape, channels last (default: the architecture's standard input, e.g. [224, 224, 3]) */
  inputShape?: number[];
  /** number of classes of the classifier (default 1000; LeNet-5: 10) */
  classes?: number;
  /** include the classifier head (default true); without it the model ends at the last feature map */
  includeTop?: boolean;
  /** without the top: 'avg' or 'max' global pooling of the last feature map (Keras applications' `pooling`) */
  pooling?: 'avg' | 'max' | null;
  /** activation of the classifier (default 'softmax'; null or 'linear' for logits, like torchvision) */
  classifierActivation?: string | ActivationFn | null;
  /**
   * build placeholder weights (shapes only, no memory; see `shapeOnly`): for countParams() and summary() of
   * big models without allocating them
   */
  shapeOnly?: boolean;
  /** model name (default: the architecture's) */
  name?: string;
}

export interface ResolvedOptions {
  inputShape: number[];
  classes: number;
  includeTop: boolean;
  pooling: 'avg' | 'max' | null;
  classifierActivation: string | ActivationFn;
  name: string;
}

export function resolveOptions(arch: string, o: ZooOptions, defaults: { inputShape: number[]; classes?: number; name: string }): ResolvedOptions {
  const inputShape = o.inputShape ?? defaults.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(`zoo.${arch}: inputShape must be [height, width, channels] with positive integers, got ${JSON.stringify(o.inputShape)}`);
  }
  const classes = o.classes ?? defaults.classes ?? 1000;
  if (!Number.isInteger(classes) || classes < 1) throw new ValueError(`zoo.${arch}: classes must be a positive integer, got ${JSON.stringify(o.classes)}`);
  const pooling = o.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') throw new ValueError(`zoo.${arch}: pooling must be 'avg', 'max' or null, got ${JSON.stringify(o.pooling)}`);
  return {
    inputShape: inputShape.slice(), classes, includeTop: o.includeTop ?? true, pooling,
    classifierActivation: o.classifierActivation ?? (o.classifierActivation === null ? 'linear' : 'softmax'), name: o.name ?? defaults.name,
  };
}

/** Runs a builder, with placeholder weights when asked. */
export function build<T extends Model>(o: ZooOptions, fn: () => T): T {
  return o.shapeOnly ? shapeOnly(fn) : fn();
}

/** Applies layers in order. */
export function chain(x: SymbolicTensor, ...ls: Layer[]): SymbolicTensor {
  return ls.reduce((t, l) => l.apply(t) as SymbolicTensor, x);
}

/**
 * A nested functional model (a residual or inception block) applied to `x`: summary() lists it as one row
 * (`expandNested` shows its layers), weights keep their layers' names.
 */
export function block(name: string, x: SymbolicTensor, body: (inp: SymbolicTensor) => SymbolicTensor): SymbolicTensor {
  const inp = input({ shape: x.shape.slice(1) as number[], name: `${name}_input` });
  const m: Functional = model({ inputs: inp, outputs: body(inp), name });
  return m.apply(x) as SymbolicTensor;
}

/** Global pooling for a headless model, as Keras applications do. */
export function headlessPooling(x: SymbolicTensor, pooling: 'avg' | 'max' | null): SymbolicTensor {
  if (pooling === 'avg') return layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x);
  if (pooling === 'max') return layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x);
  return x;
}
