/**
 * Reverse-mode autodiff over the graph the engine records. Three front ends share one engine (`gradients`):
 * PyTorch's `loss.backward()`, JAX's `grad(f)` / `valueAndGrad(f)`, and TensorFlow's `GradientTape`.
 */
import { detach, enableGrad, isGradEnabled, noGrad, run } from '../core/engine.js';
import { DeeptsError, ShapeError } from '../core/errors.js';
import { keep, scope } from '../core/memory.js';
import { fmtShape, shapesEqual } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { onesLike, toTensor, zerosLike } from '../ops/create.js';
import { add } from '../ops/elementwise.js';
import { vjpRules, type Vjp } from './vjp.js';
import type { Prim } from '../core/primitives.js';

export interface GradientOptions {
  /** Gradient of the output(s) to start from; ones when omitted (the output is summed). */
  seed?: Tensor;
  /** Record the backward pass too, so the gradients can be differentiated again. */
  createGraph?: boolean;
}

/** Tensors reachable from `root` through recorded nodes, inputs before outputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t._node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const x = inputs[i];
      if (x._disposed && x.requiresGrad) {
        // its record is gone, so everything behind it would silently get no gradient
        throw new DeeptsError(
          `backward: tensor #${x.id} ${fmtShape(x.shape)} (an input of ${t._node!.prim}) was disposed before the backward pass; ` +
            'run backward inside the scope that computed the output',
        );
      }
      if (!seen.has(x) && x.requiresGrad) {
        seen.add(x);
        stack.push([x, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * d(output)/d(wrt) for each tensor in `wrt` (null where the output does not depend on it).
 * Intermediate gradients are freed as soon as they are used unless `createGraph` is set.
 */
export function gradients(output: Tensor, wrt: readonly Tensor[], options: GradientOptions = {}): (Tensor | null)[] {
  output.assertLive('differentiate');
  const createGraph = options.createGraph ?? false;
  const wanted = new Set(wrt);
  const order = topoOrder(output);
  const needed = new Set<Tensor>();
  for (const t of order) {
    if (wanted.has(t) || t._node?.inputs.some((x) => needed.has(x))) needed.add(t);
  }
  const grads = new Map<Tensor, Tensor>();
  const seed = options.seed ?? onesLike(output);
  if (!shapesEqual(seed.shape, output.shape)) {
    throw new ShapeError(`backward: the seed gradient ${fmtShape(seed.shape)} must have the output's shape ${fmtShape(output.shape)}`);
  }
  grads.set(output, seed);

  const step = (): void => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t._node;
      const g = grads.get(t);
      if (!node || !g || !needed.has(t)) continue;
      const needs = node.inputs.map((x) => needed.has(x));
      if (!needs.some(Boolean)) continue;
      const rule = vjpRules[node.prim] as Vjp<Prim>;
      const compute = (): (Tensor | null)[] => rule(g, node.inputs, t, node.params, needs);
      const inputGrads = createGraph ? compute() : scope(compute);
      node.inputs.forEach((x, i) => {
        let gi = inputGrads[i];
        // rules may pass g through (add, copy) or return one tensor twice: give each its own handle
        if (gi && (gi === g || inputGrads.indexOf(gi) < i)) gi = run('reshape', [gi], { shape: gi.shape.slice() });
        if (!gi) return;
        if (!needs[i]) {
          if (!createGraph) gi.dispose();
          return;
        }
        const prev = grads.get(x);
        if (prev) {
          grads.set(x, add(prev, gi));
          if (!createGraph) {
            prev.dispose();
            gi.dispose();
          }
        } else grads.set(x, gi);
      });
      if (!wanted.has(t) && !createGraph && g !== options.seed) {
        grads.delete(t);
        g.dispose();
      }
    }
  };
  if (createGraph) enableGrad(step);
  else noGrad(step);

  const result = wrt.map((w) => grads.get(w) ?? null);
  // gradients of tensors neither wanted nor already freed (e.g. the seed of an output that is also an input)
  if (!createGraph) for (const [t, g] of grads) if (!wanted.has(t) && g !== options.seed && !result.includes(g)) g.dispose();
  return result;
}

/** Leaves (inputs and weights) the output depends on that require a gradient. */
function leavesOf(output: Tensor): Tensor[] {
  return topoOrder(output).filter((t) => t.isLeaf && t.requiresGrad);
}

/**
 * PyTorch-style: adds d(output)/d(leaf) into `leaf.grad` for every leaf that requires a gradient.
 * The new `.grad` tensors survive enclosing scopes (free them with `zeroGrad`/`dispose`).
 */
export function backward(output: Tensor, options: GradientOptions = {}): void {
  if (!output.requiresGrad) {
    throw new DeeptsError('backward: the tensor does not require a gradient (no input had requiresGrad, or it was computed under noGrad)');
  }
  const leaves = leavesOf(output);
  const gs = gradients(output, leaves, options);
  leaves.forEach((leaf, i) => {
    const g = gs[i];
    if (!g) return;
    if (leaf.grad) {
      const sumG = (options.createGraph ? enableGrad : noGrad)(() => add(leaf.grad as Tensor, g));
      leaf.grad.dispose();
      if (!options.createGraph) g.dispose();
      leaf.grad = keep(sumG);
    } else {
      leaf.grad = keep(g);
    }
  });
}

/** A fresh leaf for `x` that shares its data; recorded as a view of x when x itself is being differentiated. */
function argumentLeaf(x: Tensor): Tensor {
  if (x.requiresGrad && isGradEnabled()) return run('reshape', [x], { shape: x.shape.slice() });
  const leaf = detach(x);
  leaf.requiresGrad = true;
  return leaf;
}

export interface GradFnOptions {
  /** Which arguments to differentiate: one index (the default, 0) gives one gradient, an array gives an array. */
  argnums?: number | number[];
}

type GradOf<A> = A extends number[] ? Tensor[] : Tensor;

/**
 * JAX-style `valueAndGrad(f)`: returns a function computing `[f(...args), gradients]`. `f` must return a tensor
 * (summed when it is not a scalar). Gradients can be nested: `grad(grad(f))`.
 */
export function valueAndGrad<Args extends TensorLike[], N extends number | number[] = number>(
  f: (...args: Tensor[]) => Tensor,
  options: { argnums?: N } = {},
): (...args: Args) => [Tensor, GradOf<N>] {
  const argnums: number | number[] = options.argnums ?? 0;
  const list: number[] = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: Args) => {
    const tensors = args.map((a) => toTensor(a));
    for (const i of list) {
      if (i < 0 || i >= tensors.length) throw new DeeptsError(`grad: argnums ${i} is out of range for ${tensors.length} arguments`);
    }
    const outerRecording = isGradEnabled() && list.some((i) => tensors[i].requiresGrad);
    const leaves = tensors.map((t, i) => (list.includes(i) ? argumentLeaf(t) : t));
    let value: Tensor;
    gradDepth++;
    try {
      value = enableGrad(() => f(...leaves));
    } finally {
      gradDepth--;
    }
    if (!(value instanceof Tensor)) throw new DeeptsError('grad: the function must return a Tensor');
    const wrt = list.map((i) => leaves[i]);
    const gs = value.requiresGrad ? gradients(value, wrt, { createGraph: outerRecording }) : wrt.map(() => null);
    const filled = gs.map((g, k) => g ?? zerosLike(wrt[k]));
    const out = (typeof argnums === 'number' ? filled[0] : filled) as GradOf<N>;
    return [value, out];
  };
}

/** JAX-style `grad(f)`: a function returning d f / d args[argnums]. */
export function grad<Args extends TensorLike[], N extends number | number[] = number>(
  f: (...args: Tensor[]) => Tensor,
  options: { argnums?: N } = {},
): (...args: Args) => GradOf<N> {
  const vg = valueAndGrad<Args, N>(f, options);
  return (...args: Args) => vg(...args)[1];
}

/**
 * TensorFlow-style tape. Tensors passed to `watch` (and any tensor with requiresGrad) are recorded while the tape
 * is open; `gradient(y, xs)` closes a non-persistent tape.
 */
/** How many grad/valueAndGrad calls are evaluating their function, and how many tapes are open: a tape used
 * inside either records its backward pass, so the outer one can differentiate it (higher-order gradients). */
let gradDepth = 0;
let openTapes = 0;

export class GradientTape {
  private watched: Tensor[] = [];
  private open = true;
  constructor(private readonly options: { persistent?: boolean } = {}) {
    openTapes++;
  }

  watch(...xs: Tensor[]): void {
    if (!this.open) throw new DeeptsError('GradientTape.watch: the tape is closed');
    for (const x of xs) {
      x._watched++;
      this.watched.push(x);
    }
  }

  /** d y / d x for each x (an array in, an array out; a single tensor in, a single tensor out). */
  gradient<X extends Tensor | Tensor[]>(y: Tensor, xs: X, options: { outputGradients?: Tensor } = {}): X extends Tensor[] ? (Tensor | null)[] : Tensor | null {
    if (!this.open) throw new DeeptsError('GradientTape.gradient: a non-persistent tape can be used only once (pass {persistent: true})');
    const list: Tensor[] = Array.isArray(xs) ? xs : [xs as Tensor];
    const nested = isGradEnabled() && (gradDepth > 0 || openTapes > 1);
    const gs = y.requiresGrad ? gradients(y, list, { seed: options.outputGradients, createGraph: nested }) : list.map(() => null);
    if (!this.options.persistent) this.dispose();
    return (Array.isArray(xs) ? gs : gs[0]) as X extends Tensor[] ? (Tensor | null)[] : Tensor | null;
  }

  /** Stops watching. */
  dispose(): void {
    if (!this.open) return;
    this.open = false;
    openTapes--;
    for (const x of this.watched) x._watched--;
    this.watched = [];
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

