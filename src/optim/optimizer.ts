/**
 * The Optimizer base class (Keras 3 semantics). An optimizer owns per-variable slot tensors (momentum,
 * velocity, ...) created lazily the first time a variable gets a gradient, and applies each update in place
 * through the backend's fused `step` kernel — never a JS loop over elements — so every backend (CPU, wasm)
 * runs the same update with its own kernel.
 *
 * One `applyGradients` call, as in Keras: drop null gradients -> cast each gradient to its variable's dtype ->
 * clip (clipnorm | globalClipnorm | clipvalue) -> decoupled weight decay `p -= lr * wd * p` -> the update rule
 * -> `iterations += 1`. The learning rate (a number or a schedule evaluated at `iterations`) is read once per call.
 */
import type { Backend, UpdateHyper, UpdateKind } from '../backends/backend.js';
import { gradients } from '../autograd/backward.js';
import { arrayFor, isFloat, type DataArray, type DType } from '../core/dtype.js';
import { detach, enableGrad, fromStorage, noGrad, withBackend } from '../core/engine.js';
import { DeeptsError, DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { keep, scope } from '../core/memory.js';
import { fmtShape, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { full, tensor } from '../ops/create.js';
import { cast, clone } from '../ops/movement.js';
import { clipByGlobalNorm, clipByNorm, clipByValue } from './clip.js';
import { camelConfig, checkKeys, checkNumber, isPlainObject } from './config.js';
import { FunctionSchedule, LearningRateSchedule, deserialize as deserializeSchedule, serialize as serializeSchedule, type SerializedSchedule } from './schedules.js';

/** A learning rate: a number, a schedule evaluated at `iterations`, or a plain `(step) => lr` function. */
export type LearningRate = number | LearningRateSchedule | ((step: number) => number);

/** Options every optimizer takes (Keras 3 base-optimizer arguments, camelCase). */
export interface OptimizerOptions {
  learningRate?: LearningRate;
  /** Decoupled weight decay, applied to every variable before its update: `p -= lr * weightDecay * p`. */
  weightDecay?: number | null;
  /** Clip each variable's gradient to this L2 norm. At most one of clipnorm / clipvalue / globalClipnorm. */
  clipnorm?: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Rescale all gradients together so their global L2 norm is at most this. */
  globalClipnorm?: number | null;
  name?: string;
}

const BASE_KEYS = ['learningRate', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'name'] as const;

/** What checkpoints save: enough to resume training bit for bit. */
export interface OptimizerState {
  /** updates applied so far; also the position of a learning-rate schedule */
  iterations: number;
  /** slot tensors by variable name, then slot name (e.g. `{'dense/kernel': {momentum, velocity}}`) */
  slots: Record<string, Record<string, Tensor>>;
  /** the current learning rate when it is a plain number (it may have been changed by a callback) */
  learningRate?: number;
}

/** Slot tensors may also be given as flat typed arrays to `setState`. */
export interface OptimizerStateInput {
  iterations: number;
  slots?: Record<string, Record<string, Tensor | DataArray | number[]>>;
  learningRate?: number;
}

export interface OptimizerConfig {
  name: string;
  learningRate: number | SerializedSchedule;
  weightDecay: number | null;
  clipnorm: number | null;
  globalClipnorm: number | null;
  clipvalue: number | null;
  [key: string]: unknown;
}

/** A gradient paired with the variable it updates (Keras' `zip(grads, vars)`); null gradients are skipped. */
export type GradientPair = readonly [grad: Tensor | null | undefined, variable: Tensor];

/** One slot per variable: its name in checkpoints and its initial value. */
export interface SlotSpec {
  name: string;
  init: number;
}

interface PendingSlot {
  data: DataArray;
  shape: number[] | null;
}

/** Keras config keys that describe features deepts does not have; accepted in configs only at their defaults. */
const KERAS_ONLY_KEYS: Record<string, (v: unknown) => boolean> = {
  useEma: (v) => v === false || v == null,
  emaMomentum: () => true,
  emaOverwriteFrequency: (v) => v == null,
  lossScaleFactor: (v) => v == null || v === 1,
  gradientAccumulationSteps: (v) => v == null,
  isLegacyOptimizer: (v) => v === false || v == null,
  jitCompile: () => true,
  decay: (v) => v == null || v === 0,
};

/**
 * Turns a config (ours, camelCase, or Keras' snake_case JSON) into constructor options: learning-rate
 * schedules are deserialized, Keras-only keys at their default values are dropped.
 */
export function optimizerOptionsFromConfig(where: string, config: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(config)) throw new ValueError(`${where}.fromConfig: expected a config object, received ${JSON.stringify(config)}`);
  const c = camelConfig(config);
  for (const [k, ok] of Object.entries(KERAS_ONLY_KEYS)) {
    if (!(k in c)) continue;
    if (!ok(c[k])) throw new ValueError(`${where}.fromConfig: "${k}" = ${JSON.stringify(c[k])} is not supported by deepts`);
    delete c[k];
  }
  if (isPlainObject(c.learningRate)) c.learningRate = deserializeSchedule(c.learningRate);
  for (const k of Object.keys(c)) if (c[k] === null && k !== 'weightDecay') delete c[k];
  return c;
}

function optionalPositive(where: string, name: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  return checkNumber(where, name, v, { min: 0 });
}

function checkLearningRate(where: string, lr: unknown): number | LearningRateSchedule {
  if (lr instanceof LearningRateSchedule) return lr;
  if (typeof lr === 'function') return new FunctionSchedule(lr as (step: number) => number);
  return checkNumber(where, 'learningRate', lr, { min: 0 });
}

function describeVariable(v: Tensor): string {
  return v.name !== undefined ? `"${v.name}"` : `#${v.id}`;
}

export abstract class Optimizer {
  /** The registered class name used in configs (e.g. 'Adam'). */
  readonly className: string;
  readonly name: string;
  /** Number of updates applied (`applyGradients` calls); a schedule is evaluated at this step. */
  iterations = 0;
  /** Decoupled weight decay (null or 0: none). */
  weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;

  private lr: number | LearningRateSchedule;
  private readonly slotMap = new Map<Tensor, Map<string, Tensor>>();
  private pending = new Map<string, Map<string, PendingSlot>>();
  private readonly excludedVars = new Set<Tensor>();
  private excludedPattern: RegExp | null = null;

  protected constructor(className: string, options: OptimizerOptions, defaults: { learningRate: number; name: string }, extraKeys: readonly string[]) {
    const raw: unknown = options;
    if (!isPlainObject(raw)) throw new ValueError(`${className}: options must be an object, received ${JSON.stringify(raw)}`);
    checkKeys(className, options, [...BASE_KEYS, ...extraKeys]);
    this.className = className;
    this.name = options.name ?? defaults.name;
    this.lr = checkLearningRate(className, options.learningRate ?? defaults.learningRate);
    this.weightDecay = optionalPositive(className, 'weightDecay', options.weightDecay);
    this.clipnorm = optionalPositive(className, 'clipnorm', options.clipnorm);
    this.clipvalue = optionalPositive(className, 'clipvalue', options.clipvalue);
    this.globalClipnorm = optionalPositive(className, 'globalClipnorm', options.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((v) => v !== null).length;
    if (clips > 1) {
      throw new ValueError(
        `${className}: only one of clipnorm, clipvalue and globalClipnorm can be set; received clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    }
  }

  // ---- what each optimizer defines ----

  /** The backend update kernel this optimizer runs. */
  protected abstract get updateKind(): UpdateKind;
  /** The slots each variable gets, in the order the kernel expects them. */
  protected abstract slotSpecs(): SlotSpec[];
  /** Hyperparameters for this step (lr and weightDecay are added by the base class). */
  protected abstract stepHyper(): Omit<UpdateHyper, 'lr' | 'weightDecay'>;
  /** The optimizer-specific part of the config. */
  protected abstract ownConfig(): Record<string, unknown>;

  // ---- learning rate ----

  /**
   * The learning rate the next update uses (a schedule is evaluated at `iterations`). Assign a number to change
   * it at run time (LR-scheduler callbacks, ReduceLROnPlateau), or a schedule / `(step) => lr` to replace it.
   * As in Keras, a number cannot replace a schedule (that would silently drop it): assign a schedule instead.
   */
  get learningRate(): number {
    return this.learningRateAt(this.iterations);
  }
  set learningRate(value: LearningRate) {
    const lr = checkLearningRate(`${this.className}.learningRate`, value);
    if (typeof lr === 'number' && this.lr instanceof LearningRateSchedule) {
      throw new ValueError(
        `${this.className}.learningRate: this optimizer uses the schedule ${this.lr.className}, so its learning rate cannot be set to a number; create the optimizer with a number learning rate, or assign a new schedule`,
      );
    }
    this.lr = lr;
  }
  /** The learning rate at any step (without changing the optimizer). */
  learningRateAt(step: number): number {
    if (typeof this.lr === 'number') return this.lr;
    const v = this.lr.call(step);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${this.className}: the schedule ${this.lr.className} returned ${v} at step ${step}`);
    return v;
  }
  /** The schedule, when the learning rate is one (else null). */
  get schedule(): LearningRateSchedule | null {
    return this.lr instanceof LearningRateSchedule ? this.lr : null;
  }

  // ---- weight decay ----

  /**
   * Excludes variables from weight decay (Keras' `exclude_from_weight_decay`): the given tensors, and every
   * variable whose name matches one of `varNames` (regular expressions searched in the name, e.g. 'bias').
   */
  excludeFromWeightDecay(options: { variables?: readonly Tensor[]; varNames?: readonly string[] }): void {
    for (const v of options.variables ?? []) this.excludedVars.add(v);
    const names = options.varNames ?? [];
    if (names.length) this.excludedPattern = new RegExp([...(this.excludedPattern ? [this.excludedPattern.source] : []), ...names].join('|'));
  }

  private decayFor(v: Tensor): number {
    const wd = this.weightDecay ?? 0;
    if (wd === 0 || this.excludedVars.has(v)) return 0;
    if (this.excludedPattern && v.name !== undefined && this.excludedPattern.test(v.name)) return 0;
    return wd;
  }

  // ---- slots ----

  /** Slot names each variable gets, e.g. ['momentum', 'velocity'] for Adam. */
  get slotNames(): string[] {
    return this.slotSpecs().map((s) => s.name);
  }

  /** The slot tensor `slotName` of `variable` (null until the variable's first update). Owned by the optimizer. */
  getSlot(variable: Tensor, slotName: string): Tensor | null {
    return this.slotMap.get(variable)?.get(slotName) ?? null;
  }

  /** Creates the slots of these variables now (they are otherwise created at their first update). */
  build(variables: readonly Tensor[]): void {
    for (const v of variables) {
      this.checkVariable('build', v);
      this.slotsFor(v);
    }
  }

  private checkVariable(where: string, v: Tensor): void {
    if (!(v instanceof Tensor)) throw new ValueError(`${this.className}.${where}: expected a variable Tensor, received ${String(v)}`);
    v.assertLive('update');
    if (!isFloat(v.dtype)) throw new DTypeError(`${this.className}.${where}: variable ${describeVariable(v)} has dtype ${v.dtype}; only float variables can be trained`);
    if (!v.isContiguous) {
      throw new ValueError(`${this.className}.${where}: variable ${describeVariable(v)} ${fmtShape(v.shape)} is a view; optimizers update whole variables that own their storage`);
    }
  }

  private slotsFor(v: Tensor): Tensor[] {
    const specs = this.slotSpecs();
    let slots = this.slotMap.get(v);
    if (!slots) {
      const made = new Map<string, Tensor>();
      const pend = v.name !== undefined ? this.pending.get(v.name) : undefined;
      if (pend) for (const spec of specs) checkPendingFits(this.className, v, spec.name, pend.get(spec.name));
      for (const spec of specs) {
        const s = keep(noGrad(() => withBackend(v.backend.name, () => full(v.shape, spec.init, v.dtype))));
        s.name = `${v.name ?? `variable_${v.id}`}/${spec.name}`;
        const p = pend?.get(spec.name);
        if (p) writeData(s, p.data);
        made.set(spec.name, s);
      }
      if (pend) this.pending.delete(v.name as string);
      this.slotMap.set(v, made);
      slots = made;
    }
    const m = slots;
    return specs.map((spec) => m.get(spec.name) as Tensor);
  }

  // ---- updates ----

  /**
   * Applies one update to every variable with a gradient, in place and without recording for autograd.
   * Gradients may be views, of another float dtype or on another backend; null gradients are skipped (and an
   * empty list is a no-op), but a non-empty list where every gradient is null is an error, as in Keras.
   */
  applyGradients(pairs: Iterable<GradientPair>): void {
    const all = [...pairs];
    if (all.length === 0) return;
    for (const pair of all) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new ValueError(`${this.className}.applyGradients: expected [gradient, variable] pairs`);
    }
    const live = all.filter(([g]) => g != null) as (readonly [Tensor, Tensor])[];
    if (live.length === 0) {
      throw new ValueError(`${this.className}.applyGradients: no gradients provided for any variable (${all.map(([, v]) => describeVariable(v)).join(', ')})`);
    }
    const seen = new Set<Tensor>();
    for (const [g, v] of live) {
      this.checkVariable('applyGradients', v);
      if (seen.has(v)) throw new ValueError(`${this.className}.applyGradients: variable ${describeVariable(v)} appears twice`);
      seen.add(v);
      if (!(g instanceof Tensor)) throw new ValueError(`${this.className}.applyGradients: the gradient of ${describeVariable(v)} is not a Tensor`);
      g.assertLive('apply');
      if (!isFloat(g.dtype)) throw new DTypeError(`${this.className}.applyGradients: the gradient of ${describeVariable(v)} has dtype ${g.dtype}, expected a float dtype`);
      if (!shapesEqual(g.shape, v.shape)) {
        throw new ShapeError(`${this.className}.applyGradients: gradient ${fmtShape(g.shape)} does not match variable ${describeVariable(v)} ${fmtShape(v.shape)}`);
      }
    }
    const lr = this.learningRate;
    const kind = this.updateKind;
    const base = this.stepHyper();
    // slots first: a saved slot that does not fit fails before any variable changes
    const slotLists = live.map(([, v]) => this.slotsFor(v));
    noGrad(() =>
      scope(() => {
        let grads = live.map(([g, v]) => withBackend(v.backend.name, () => cast(g, v.dtype)));
        grads = this.clipGradients(grads);
        live.forEach(([, v], i) => {
          const slots = slotLists[i];
          const g = gradStorageFor(grads[i], v);
          const h: UpdateHyper = { ...base, lr, weightDecay: this.decayFor(v) };
          v.backend.step(kind, v.storage, g.storage, slots.map((s) => s.storage), h);
        });
      }),
    );
    this.iterations++;
  }

  /** The clipping configured on this optimizer, applied to a list of gradients. */
  protected clipGradients(grads: Tensor[]): Tensor[] {
    if (this.clipnorm !== null && this.clipnorm > 0) {
      const c = this.clipnorm;
      return grads.map((g) => clipByNorm(g, c));
    }
    if (this.globalClipnorm !== null && this.globalClipnorm > 0) return clipByGlobalNorm(grads, this.globalClipnorm).grads as Tensor[];
    if (this.clipvalue !== null && this.clipvalue > 0) {
      const c = this.clipvalue;
      return grads.map((g) => clipByValue(g, -c, c));
    }
    return grads;
  }

  /**
   * Computes `lossFn()`, its gradients with respect to `variables`, and applies them. Returns the loss value
   * (a detached tensor; intermediates are freed).
   */
  minimize(lossFn: () => Tensor, variables: readonly Tensor[]): Tensor {
    if (typeof lossFn !== 'function') throw new ValueError(`${this.className}.minimize: expected a function returning the loss`);
    if (!Array.isArray(variables) || variables.length === 0) throw new ValueError(`${this.className}.minimize: pass the variables to train`);
    return scope(() => {
      const loss = enableGrad(lossFn);
      if (!(loss instanceof Tensor)) throw new ValueError(`${this.className}.minimize: the loss function must return a Tensor`);
      const grads = loss.requiresGrad ? gradients(loss, variables) : variables.map(() => null);
      this.applyGradients(grads.map((g, i) => [g, variables[i]] as const));
      return detach(loss);
    });
  }

  // ---- config ----

  getConfig(): OptimizerConfig {
    let learningRate: number | SerializedSchedule;
    if (typeof this.lr === 'number') learningRate = this.lr;
    else learningRate = serializeSchedule(this.lr);
    return {
      name: this.name,
      learningRate,
      weightDecay: this.weightDecay,
      clipnorm: this.clipnorm,
      globalClipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      ...this.ownConfig(),
    };
  }

  /** Rebuilds an optimizer from `getConfig()` output (or a Keras optimizer config, snake_case keys). */
  static fromConfig<T extends Optimizer>(this: new (options: never) => T, config: Record<string, unknown>): T {
    return new this(optimizerOptionsFromConfig(this.name, config) as never);
  }

  // ---- state ----

  /**
   * A copy of the optimizer's state: `iterations` (the schedule position), every slot by variable name and slot
   * name, and the learning rate when it is a number. The tensors are fresh copies owned by the caller (they are
   * freed by an enclosing scope, or dispose them). Variables must have unique names.
   */
  getState(): OptimizerState {
    const slots: Record<string, Record<string, Tensor>> = {};
    const take = (name: string): Record<string, Tensor> => {
      if (Object.prototype.hasOwnProperty.call(slots, name)) {
        throw new DeeptsError(`${this.className}.getState: two variables are named "${name}"; give variables unique names`);
      }
      return (slots[name] = {});
    };
    for (const [v, m] of this.slotMap) {
      if (v.isDisposed || m.size === 0) continue;
      if (v.name === undefined) throw new DeeptsError(`${this.className}.getState: variable #${v.id} ${fmtShape(v.shape)} has no name; name variables (variable(t, {name})) to save optimizer state`);
      const entry = take(v.name);
      for (const [slotName, s] of m) entry[slotName] = noGrad(() => withBackend(s.backend.name, () => clone(s)));
    }
    for (const [name, m] of this.pending) {
      const entry = take(name);
      for (const [slotName, p] of m) entry[slotName] = tensor(p.data.slice(), { shape: p.shape ?? [p.data.length], dtype: dtypeOfData(p.data) });
    }
    const state: OptimizerState = { iterations: this.iterations, slots };
    if (typeof this.lr === 'number') state.learningRate = this.lr;
    return state;
  }

  /**
   * Restores a state from `getState()` (of this or another optimizer of the same kind and hyperparameters):
   * the optimizer then continues exactly as the saved one would. Slots of variables seen already are
   * overwritten; the others are kept until a variable of that name first gets a gradient. Variables absent from
   * the state start from fresh slots. The given tensors are copied, not taken.
   */
  setState(state: OptimizerStateInput): void {
    if (!isPlainObject(state)) throw new ValueError(`${this.className}.setState: expected {iterations, slots}`);
    const iterations = checkNumber(`${this.className}.setState`, 'iterations', state.iterations, { min: 0, integer: true });
    const slotsIn = state.slots ?? {};
    if (!isPlainObject(slotsIn)) throw new ValueError(`${this.className}.setState: \`slots\` must be an object {variableName: {slotName: tensor}}`);
    if (state.learningRate !== undefined) checkNumber(`${this.className}.setState`, 'learningRate', state.learningRate, { min: 0 });
    const specs = this.slotSpecs();
    const expected = specs.map((s) => s.name);
    const byName = new Map<string, Tensor>();
    for (const v of this.slotMap.keys()) if (!v.isDisposed && v.name !== undefined) byName.set(v.name, v);

    // validate everything first, so a bad state leaves the optimizer untouched
    const incoming = new Map<string, Map<string, PendingSlot>>();
    for (const [varName, entry] of Object.entries(slotsIn)) {
      if (!isPlainObject(entry)) throw new ValueError(`${this.className}.setState: slots of "${varName}" must be an object {slotName: tensor}`);
      for (const k of Object.keys(entry)) {
        if (!expected.includes(k)) {
          throw new ValueError(`${this.className}.setState: variable "${varName}" has a slot "${k}" this optimizer does not use (it expects: ${expected.join(', ') || 'no slots'})`);
        }
      }
      const m = new Map<string, PendingSlot>();
      for (const name of expected) {
        const value = entry[name];
        if (value === undefined) throw new ValueError(`${this.className}.setState: variable "${varName}" lacks the slot "${name}" (expected: ${expected.join(', ')})`);
        m.set(name, toPending(`${this.className}.setState`, `${varName}/${name}`, value));
      }
      const v = byName.get(varName);
      if (v) for (const name of expected) checkPendingFits(this.className, v, name, m.get(name));
      incoming.set(varName, m);
    }

    // apply
    for (const [v, m] of [...this.slotMap]) {
      const entry = v.name !== undefined ? incoming.get(v.name) : undefined;
      if (entry && !v.isDisposed) {
        for (const [name, p] of entry) writeData(m.get(name) as Tensor, p.data);
        incoming.delete(v.name as string);
      } else {
        for (const s of m.values()) s.dispose();
        this.slotMap.delete(v);
      }
    }
    this.pending = incoming;
    this.iterations = iterations;
    if (state.learningRate !== undefined && typeof this.lr === 'number') this.lr = state.learningRate;
  }

  /** Frees every slot tensor. The optimizer stays usable (slots are recreated from zero state). */
  dispose(): void {
    for (const m of this.slotMap.values()) for (const s of m.values()) s.dispose();
    this.slotMap.clear();
    this.pending.clear();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `${this.className}(${JSON.stringify(this.getConfig())})`;
  }
}

function dtypeOfData(data: DataArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

function toPending(where: string, what: string, value: Tensor | DataArray | number[]): PendingSlot {
  if (value instanceof Tensor) {
    value.assertLive('read');
    if (!isFloat(value.dtype)) throw new DTypeError(`${where}: slot ${what} has dtype ${value.dtype}, expected a float dtype`);
    return { data: value.dataSync(), shape: value.shape.slice() };
  }
  if (value instanceof Float32Array || value instanceof Float64Array) return { data: value.slice(), shape: null };
  if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return { data: Float64Array.from(value), shape: null };
  throw new ValueError(`${where}: slot ${what} must be a Tensor, Float32Array, Float64Array or number[]`);
}

function checkPendingFits(className: string, v: Tensor, slotName: string, p: PendingSlot | undefined): void {
  if (!p) return;
  const ok = p.shape ? shapesEqual(p.shape, v.shape) : p.data.length === sizeOf(v.shape);
  if (!ok) {
    throw new ShapeError(
      `${className}: the saved slot ${v.name}/${slotName} ${p.shape ? fmtShape(p.shape) : `(${p.data.length} values)`} does not fit variable ${describeVariable(v)} ${fmtShape(v.shape)}`,
    );
  }
}

/** Overwrites a slot's storage with host data (converted to the slot's dtype). */
function writeData(slot: Tensor, data: DataArray): void {
  const arr = arrayFor(slot.dtype, data.length);
  arr.set(data);
  slot.backend.write(slot.storage, arr);
}

/** The gradient as a contiguous tensor on the variable's backend that does not alias the variable. */
function gradStorageFor(g: Tensor, v: Tensor): Tensor {
  const b: Backend = v.backend;
  let t = g;
  if (t.backend !== b) t = fromStorage(b.upload(t.dataSync(), t.dtype), t.shape, t.dtype);
  if (!t.isContiguous || t.storage === v.storage) {
    const src = t;
    t = withBackend(b.name, () => clone(src));
  }
  return t;
}
