/**
 * Models: Sequential (a stack) and Functional (a graph of layer calls from `input()`s to outputs). A model is a
 * Layer, so models nest. Training methods delegate to the trainer (train/trainer.ts); layers never see it.
 */
import { DeeptsError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Layer, checkInputShape, shapeOf, uniqueName, type CallOptions, type LayerConfig } from '../nn/layer.js';
import { InputLayer, type InputLayerConfig } from '../nn/layers/core.js';
import { SymbolicTensor, type CallNode, type LayerShape } from '../nn/symbolic.js';
import { deserializeLayer, registerLayer, serializeLayer } from '../nn/registry.js';
import { FormatError } from '../core/errors.js';
import * as trainer from './trainer.js';
import { summary, type SummaryOptions } from './summary.js';

/** `input({shape: [784]})`: the symbolic entry of a functional model. */
export function input(config: InputLayerConfig & { name?: string }): SymbolicTensor {
  const layer = new InputLayer(config);
  return makeInputTensor(layer);
}

function makeInputTensor(layer: InputLayer): SymbolicTensor {
  const node: CallNode = { layer, inputs: [], outputs: [], args: {} };
  const t = new SymbolicTensor(layer.batchInputShape!, layer.dtype, node, 0, layer.name);
  node.outputs.push(t);
  layer.inboundNodes.push(node);
  return t;
}

/** Methods the trainer adds (kept out of this file so models stay free of training code). */
export interface TrainingState {
  compiled?: unknown;
  stopTraining: boolean;
  /** epochs completed by fit (saved in checkpoints; `fit({initialEpoch: model.epoch})` resumes) */
  epoch: number;
}

export abstract class Model extends Layer {
  /** Set by `compile` (see train/trainer.ts). */
  training: TrainingState = { stopTraining: false, epoch: 0 };

  /** The layers in call order (Sequential: the stack; Functional: topological order, inputs included). */
  abstract get layers(): Layer[];

  override subLayers(): Layer[] {
    return this.layers;
  }

  /** Set to true (e.g. in a callback) to stop `fit` after the current batch, like Keras's `stop_training`. */
  get stopTraining(): boolean {
    return this.training.stopTraining;
  }
  set stopTraining(v: boolean) {
    this.training.stopTraining = v;
  }

  /** A layer by name or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = layers[nameOrIndex];
      if (!l) throw new ValueError(`${this.name}.getLayer: index ${nameOrIndex} is out of range (${layers.length} layers)`);
      return l;
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new ValueError(`${this.name}.getLayer: no layer named "${nameOrIndex}" (layers: ${layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  /** Weights of all layers, each once (shared layers appear once), trainable first. */
  override get trainableWeights(): Tensor[] {
    if (!this.trainable) return [];
    return unique(this.layers.flatMap((l) => l.trainableWeights));
  }
  override get nonTrainableWeights(): Tensor[] {
    const all = unique(this.layers.flatMap((l) => (this.trainable ? l.nonTrainableWeights : l.weights)));
    return all;
  }
  override regularizationLosses(): Tensor[] {
    return this.trainable ? uniqueLayers(this.layers).flatMap((l) => l.regularizationLosses()) : [];
  }

  /** Declared shapes of the inputs (batch axis null), when known. */
  abstract get inputShapes(): LayerShape[] | undefined;
  abstract get outputShapes(): LayerShape[] | undefined;
  /** Names of the outputs (the producing layers), used for per-output losses and metrics. */
  abstract get outputNames(): string[];

  override dispose(): void {
    for (const l of uniqueLayers(this.layers)) l.dispose();
    super.dispose();
  }

  // ---- training (implemented in train/trainer.ts) ----
  compile(args: trainer.CompileArgs): void {
    trainer.compile(this, args);
  }
  fit(x: Parameters<typeof trainer.fit>[1], y: Parameters<typeof trainer.fit>[2], args?: trainer.FitArgs): ReturnType<typeof trainer.fit> {
    return trainer.fit(this, x, y, args);
  }
  evaluate(x: Parameters<typeof trainer.evaluate>[1], y: Parameters<typeof trainer.evaluate>[2], args?: trainer.EvaluateArgs): ReturnType<typeof trainer.evaluate> {
    return trainer.evaluate(this, x, y, args);
  }
  predict(x: Parameters<typeof trainer.predict>[1], args?: { batchSize?: number }): ReturnType<typeof trainer.predict> {
    return trainer.predict(this, x, args);
  }
  trainOnBatch(x: Parameters<typeof trainer.trainOnBatch>[1], y: Parameters<typeof trainer.trainOnBatch>[2]): ReturnType<typeof trainer.trainOnBatch> {
    return trainer.trainOnBatch(this, x, y);
  }
  testOnBatch(x: Parameters<typeof trainer.testOnBatch>[1], y: Parameters<typeof trainer.testOnBatch>[2]): ReturnType<typeof trainer.testOnBatch> {
    return trainer.testOnBatch(this, x, y);
  }
  /** Epochs completed by `fit` (restored by loadModel, so `fit(x, y, {epochs, initialEpoch: model.epoch})` resumes). */
  get epoch(): number {
    return this.training.epoch;
  }

  /** The optimizer set by compile. */
  get optimizer(): trainer.Compiled['optimizer'] | undefined {
    return (this.training.compiled as trainer.Compiled | undefined)?.optimizer;
  }
  /** Writes `model.json` + `weights.safetensors` (+ optimizer state) into `dir`, atomically. */
  async save(dir: string, options?: { includeOptimizer?: boolean }): Promise<void> {
    if (typeof process === 'undefined' || !process.versions?.node) {
      throw new DeeptsError('model.save(dir) writes files and needs Node; in a browser, encode the weights with encodeSafetensors');
    }
    // A variable specifier, so that browser bundlers do not follow it into the Node-only saving.ts.
    const { saveModel } = (await import(SAVING_MODULE)) as typeof import('./saving.js');
    return saveModel(this, dir, options);
  }
  /** Prints (and returns) the Keras-style table of layers, output shapes and parameter counts. */
  summary(options?: SummaryOptions): string {
    return summary(this, options);
  }
}

const SAVING_MODULE = './saving.js';

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
function uniqueLayers(ls: Layer[]): Layer[] {
  return unique(ls);
}

export interface SequentialConfig extends LayerConfig {
  layers?: Layer[];
}

/** A plain stack of layers, each taking the previous one's output. */
export class Sequential extends Model {
  readonly className = 'Sequential';
  private readonly stack: Layer[] = [];
  private shapes: LayerShape[] = [];

  constructor(config: SequentialConfig = {}) {
    super(config, 'sequential');
    for (const l of config.layers ?? []) this.add(l);
  }

  get layers(): Layer[] {
    return this.stack.filter((l) => !(l instanceof InputLayer));
  }

  /** Appends a layer; builds it at once when the input shape is known. */
  add(layer: Layer): void {
    if (this.stack.includes(layer)) throw new ValueError(`${this.name}.add: layer ${layer.name} is already in the model`);
    if (this.stack.length === 0) {
      if (layer instanceof InputLayer || layer.batchInputShape) this.batchInputShape = layer.batchInputShape!.slice();
    }
    this.stack.push(layer);
    if (this.batchInputShape) this.buildStack(this.batchInputShape);
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new ValueError(`${this.name}.pop: the model has no layers`);
    this.shapes = this.shapes.slice(0, this.stack.length + 1);
    return l;
  }

  private buildStack(inputShape: LayerShape): void {
    let s = inputShape;
    this.shapes = [s];
    for (const l of this.stack) {
      if (l instanceof InputLayer) continue;
      l.ensureBuilt(s);
      s = l.computeOutputShape(s) as LayerShape;
      this.shapes.push(s);
    }
    this.built = true;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    if (!this.batchInputShape) this.batchInputShape = s.slice();
    this.buildStack(s);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    let s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    for (const l of this.layers) s = l.computeOutputShape(s) as LayerShape;
    return s;
  }

  call(inputs: Tensor | Tensor[], options: CallOptions = {}): Tensor {
    let x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.layers.length === 0) throw new DeeptsError(`${this.name}: the model has no layers`);
    if (!this.built) this.build(shapeOf(x));
    if (this.batchInputShape) checkInputShape(`${this.name}: input of layer "${this.layers[0].name}"`, this.batchInputShape, x.shape);
    for (const l of this.layers) x = l.call(x, options) as Tensor;
    return x;
  }

  /** Per-layer output shapes, input first (after build). */
  get layerOutputShapes(): LayerShape[] {
    return this.shapes.slice(1);
  }
  get inputShapes(): LayerShape[] | undefined {
    return this.batchInputShape ? [this.batchInputShape] : undefined;
  }
  get outputShapes(): LayerShape[] | undefined {
    return this.built ? [this.shapes[this.shapes.length - 1]] : undefined;
  }
  get outputNames(): string[] {
    const last = this.layers[this.layers.length - 1];
    return [last ? last.name : 'output'];
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, layers: [
      ...(this.batchInputShape ? [{ className: 'InputLayer', config: { batchShape: this.batchInputShape, dtype: this.dtype, name: `${this.name}_input` } }] : []),
      ...this.layers.map(serializeLayer),
    ] };
  }

  static fromConfig(config: Record<string, unknown>, file = '<config>'): Sequential {
    const layers = config.layers;
    if (!Array.isArray(layers)) throw new FormatError(file, 'a Sequential config needs a "layers" array');
    const model = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined, trainable: config.trainable !== false });
    for (const spec of layers) {
      const layer = deserializeLayer(spec, file);
      if (layer instanceof InputLayer) {
        model.batchInputShape = layer.batchInputShape!.slice();
        continue;
      }
      model.add(layer);
    }
    if (model.batchInputShape && !model.built) model.buildStack(model.batchInputShape);
    return model;
  }
}

/** `sequential([...layers])` or `sequential({layers, name})`. */
export function sequential(layersOrConfig: Layer[] | SequentialConfig = {}): Sequential {
  return new Sequential(Array.isArray(layersOrConfig) ? { layers: layersOrConfig } : layersOrConfig);
}

export interface FunctionalConfig {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  trainable?: boolean;
}

/** A graph of layer calls: multiple inputs/outputs and shared layers. */
export class Functional extends Model {
  readonly className = 'Functional';
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** calls in execution order, input layers excluded */
  private readonly nodes: CallNode[];
  private readonly orderedLayers: Layer[];

  constructor(config: FunctionalConfig) {
    super({ name: config.name, trainable: config.trainable }, 'functional');
    this.inputs = Array.isArray(config.inputs) ? config.inputs : [config.inputs];
    this.outputs = Array.isArray(config.outputs) ? config.outputs : [config.outputs];
    for (const t of [...this.inputs, ...this.outputs]) {
      if (!(t instanceof SymbolicTensor)) throw new ValueError(`${this.name}: inputs and outputs must be symbolic tensors from input() and layer.apply()`);
    }
    for (const t of this.inputs) {
      if (!(t.node?.layer instanceof InputLayer)) throw new ValueError(`${this.name}: every input must come from input(), got ${t}`);
    }
    this.nodes = orderNodes(this.inputs, this.outputs, this.name);
    this.orderedLayers = unique([...this.inputs.map((t) => t.node!.layer), ...this.nodes.map((n) => n.layer)]);
    this.batchInputShape = this.inputs[0].shape;
    this.built = true;
  }

  get layers(): Layer[] {
    return this.orderedLayers;
  }
  get inputShapes(): LayerShape[] {
    return this.inputs.map((t) => t.shape);
  }
  get outputShapes(): LayerShape[] {
    return this.outputs.map((t) => t.shape);
  }
  get outputNames(): string[] {
    const names = this.outputs.map((t) => t.node!.layer.name);
    return names.map((n, i) => (names.indexOf(n) === i ? n : `${n}_${i}`));
  }
  /** The model's own outputs (one tensor, or an array for several), so `model.output` is what it computes. */
  override get output(): SymbolicTensor | SymbolicTensor[] {
    return this.outputs.length === 1 ? this.outputs[0] : this.outputs;
  }
  /** The model's own inputs (one tensor, or an array for several). */
  override get input(): SymbolicTensor | SymbolicTensor[] {
    return this.inputs.length === 1 ? this.inputs[0] : this.inputs;
  }
  /** The calls in execution order (for summaries and exporters). */
  get callNodes(): readonly CallNode[] {
    return this.nodes;
  }

  override computeOutputShape(): LayerShape | LayerShape[] {
    return this.outputs.length === 1 ? this.outputs[0].shape : this.outputs.map((t) => t.shape);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions = {}): Tensor | Tensor[] {
    return this.run(inputs, options, this.outputs);
  }

  /** Runs the graph and returns the values of `targets` (any symbolic tensors of this graph). */
  run(inputs: Tensor | Tensor[], options: CallOptions, targets: SymbolicTensor[]): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.inputs.length) {
      throw new ValueError(`${this.name}: expected ${this.inputs.length} input tensor(s), got ${list.length}`);
    }
    const values = new Map<number, Tensor>();
    this.inputs.forEach((t, i) => {
      checkInputShape(`${this.name} input "${t.node!.layer.name}"`, t.shape, list[i].shape);
      values.set(t.id, list[i]);
    });
    for (const node of this.nodes) {
      const ins = node.inputs.map((t) => {
        const v = values.get(t.id);
        if (!v) throw new DeeptsError(`${this.name}: missing value for ${t}`);
        return v;
      });
      const out = node.layer.call(ins.length === 1 ? ins[0] : ins, options);
      const outs = Array.isArray(out) ? out : [out];
      node.outputs.forEach((t, i) => values.set(t.id, outs[i]));
    }
    const result = targets.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new ValueError(`${this.name}: ${t} is not computed by this model`);
      return v;
    });
    return result.length === 1 ? result[0] : result;
  }

  override getConfig(): Record<string, unknown> {
    const nodeIndex = (n: CallNode): number => n.layer.inboundNodes.indexOf(n);
    const ref = (t: SymbolicTensor): [string, number, number] => [t.node!.layer.name, nodeIndex(t.node!), t.outputIndex];
    const nodesOf = new Map<Layer, CallNode[]>();
    for (const n of this.nodes) nodesOf.set(n.layer, [...(nodesOf.get(n.layer) ?? []), n]);
    return {
      name: this.name,
      trainable: this.trainable,
      layers: this.orderedLayers.map((l) => ({
        ...serializeLayer(l),
        name: l.name,
        inboundNodes: (nodesOf.get(l) ?? []).map((n) => ({ nodeIndex: nodeIndex(n), inputs: n.inputs.map(ref) })),
      })),
      inputLayers: this.inputs.map(ref),
      outputLayers: this.outputs.map(ref),
    };
  }

  static fromConfig(config: Record<string, unknown>, file = '<config>'): Functional {
    const specs = config.layers;
    if (!Array.isArray(specs)) throw new FormatError(file, 'a Functional config needs a "layers" array');
    const byName = new Map<string, { layer: Layer; calls: Map<number, SymbolicTensor[]> }>();
    const pending: { name: string; nodeIndex: number; inputs: [string, number, number][] }[] = [];
    for (const spec of specs) {
      const layer = deserializeLayer(spec, file);
      if (byName.has(layer.name)) throw new FormatError(file, `two layers are named "${layer.name}"`);
      const entry = { layer, calls: new Map<number, SymbolicTensor[]>() };
      byName.set(layer.name, entry);
      if (layer instanceof InputLayer) entry.calls.set(0, [makeInputTensor(layer)]);
      const inbound = (spec as { inboundNodes?: unknown }).inboundNodes ?? [];
      if (!Array.isArray(inbound)) throw new FormatError(file, `layer "${layer.name}": inboundNodes must be an array`);
      for (const n of inbound) {
        const node = n as { nodeIndex?: unknown; inputs?: unknown };
        if (!Array.isArray(node.inputs) || typeof node.nodeIndex !== 'number') throw new FormatError(file, `layer "${layer.name}": malformed inbound node`);
        pending.push({ name: layer.name, nodeIndex: node.nodeIndex, inputs: node.inputs as [string, number, number][] });
      }
    }
    const lookup = ([name, idx, out]: [string, number, number]): SymbolicTensor | undefined => byName.get(name)?.calls.get(idx)?.[out];
    // replay calls whose inputs exist until none is left (bounded: each pass must make progress)
    while (pending.length) {
      const ready = pending.findIndex((p) => p.inputs.every((r) => Array.isArray(r) && lookup(r)));
      if (ready < 0) throw new FormatError(file, `cannot connect layer "${pending[0].name}": its inputs ${JSON.stringify(pending[0].inputs)} are not produced by any layer`);
      const p = pending.splice(ready, 1)[0];
      const entry = byName.get(p.name)!;
      const ins = p.inputs.map((r) => lookup(r)!);
      const out = ins.length === 1 ? entry.layer.apply(ins[0]) : entry.layer.apply(ins);
      entry.calls.set(p.nodeIndex, Array.isArray(out) ? out : [out]);
    }
    const refs = (key: string): SymbolicTensor[] => {
      const list = config[key];
      if (!Array.isArray(list)) throw new FormatError(file, `a Functional config needs "${key}"`);
      return list.map((r) => {
        const t = Array.isArray(r) ? lookup(r as [string, number, number]) : undefined;
        if (!t) throw new FormatError(file, `${key}: ${JSON.stringify(r)} names no layer output`);
        return t;
      });
    };
    return new Functional({ inputs: refs('inputLayers'), outputs: refs('outputLayers'), name: typeof config.name === 'string' ? config.name : undefined, trainable: config.trainable !== false });
  }
}

/** Calls needed to compute `outputs` from `inputs`, in an order where every call's inputs come first. */
function orderNodes(inputs: SymbolicTensor[], outputs: SymbolicTensor[], model: string): CallNode[] {
  const inputIds = new Set(inputs.map((t) => t.id));
  const order: CallNode[] = [];
  const state = new Map<CallNode, 'visiting' | 'done'>();
  const visit = (t: SymbolicTensor): void => {
    if (inputIds.has(t.id)) return;
    const node = t.node;
    if (!node) throw new ValueError(`${model}: ${t} has no producing layer`);
    if (node.layer instanceof InputLayer) {
      throw new ValueError(`${model}: output depends on input "${node.layer.name}", which is not among the model's inputs`);
    }
    const s = state.get(node);
    if (s === 'done') return;
    if (s === 'visiting') throw new ValueError(`${model}: the layer graph has a cycle at ${node.layer.name}`);
    state.set(node, 'visiting');
    for (const x of node.inputs) visit(x);
    state.set(node, 'done');
    order.push(node);
  };
  for (const t of outputs) visit(t);
  return order;
}

/**
 * A model computing the outputs of some layers of `base` (names or indices in `base.layers`) from `base`'s
 * inputs: a feature extractor for transfer learning. It shares the layers, and so the weights, with `base`
 * (freeze them with `extractor.trainable = false`). Works for functional models (each layer's first call in
 * `base`'s graph) and for Sequential ones (whose stack is replayed on a new symbolic input up to the last layer
 * asked for). Several names give a model with several outputs, in the order given.
 */
export function featureExtractor(base: Model, layerNames: string | number | (string | number)[], options: { name?: string } = {}): Functional {
  const wanted = (Array.isArray(layerNames) ? layerNames : [layerNames]).map((n) => base.getLayer(n));
  if (wanted.length === 0) throw new ValueError(`featureExtractor(${base.name}): name at least one layer`);
  const name = options.name ?? uniqueName(`${base.name}_features`);
  const outputsOf = new Map<Layer, SymbolicTensor[]>();
  let inputs: SymbolicTensor[];
  if (base instanceof Functional) {
    inputs = base.inputs;
    for (const l of wanted) {
      const node = l instanceof InputLayer ? base.inputs.find((t) => t.node!.layer === l)!.node! : base.callNodes.find((n) => n.layer === l);
      if (!node) throw new ValueError(`featureExtractor(${base.name}): layer "${l.name}" is not called in the model's graph`);
      outputsOf.set(l, node.outputs);
    }
  } else if (base instanceof Sequential) {
    const shape = base.inputShapes?.[0];
    if (!shape) throw new ValueError(`featureExtractor(${base.name}): the model has no input shape yet (give its first layer an inputShape, or call it on data)`);
    const x = input({ batchShape: shape.slice(), dtype: base.dtype });
    inputs = [x];
    const stack = base.layers;
    const last = Math.max(...wanted.map((l) => stack.indexOf(l)));
    let t: SymbolicTensor = x;
    for (const l of stack.slice(0, last + 1)) {
      t = l.apply(t) as SymbolicTensor;
      outputsOf.set(l, [t]);
    }
  } else {
    throw new ValueError(`featureExtractor: ${base.className} models are not supported (Sequential or Functional)`);
  }
  return new Functional({ inputs, outputs: wanted.flatMap((l) => outputsOf.get(l)!), name });
}

/** `model({inputs, outputs})`: a functional model. */
export function model(config: FunctionalConfig): Functional {
  return new Functional(config);
}

registerLayer('Sequential', (c) => Sequential.fromConfig(c));
registerLayer('Functional', (c) => Functional.fromConfig(c));
