/**
 * The built-in callbacks that write no files (Keras 3 semantics, camelCase options): EarlyStopping,
 * LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN and LambdaCallback. ModelCheckpoint and CSVLogger are in
 * callbacks-files.ts (Node only).
 *
 * Callbacks that change the learning rate put it into the epoch logs as `learning_rate` (History records it,
 * because fit runs History after the user's callbacks, like Keras). Messages go through `print`
 * (console.log by default), so tests and GUIs can capture them.
 */
import { DeeptsError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Callback, HOOK_NAMES, HookCallback, type CallbackHooks, type Logs } from './callbacks-base.js';
import type { Model } from './model.js';

export type Print = (line: string) => void;
export type Mode = 'auto' | 'min' | 'max';

export const defaultPrint: Print = (line) => console.log(line);

export function modelOf(cb: Callback, who: string): Model {
  if (!cb.model) throw new DeeptsError(`${who}: the callback is not attached to a model (pass it to fit({callbacks}))`);
  return cb.model;
}

function optimizerOf(cb: Callback, who: string): NonNullable<Model['optimizer']> {
  const opt = modelOf(cb, who).optimizer;
  if (!opt) throw new DeeptsError(`${who}: the model has no optimizer; call compile({optimizer, loss}) first`);
  return opt;
}

export function checkMode(who: string, mode: unknown): Mode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new ValueError(`${who}: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  return mode;
}

const MAXIMIZED = /acc|auc|precision|recall|f1|fmeasure|fbeta|iou|r2|top_?k|true_?positives|true_?negatives/i;
const MINIMIZED = /loss|error|mse|mae|mape|msle|crossentropy|hinge|kl|poisson|logcosh|false_?positives|false_?negatives/i;

/**
 * 'min' or 'max' for a monitored quantity. 'auto' decides from the name (without its `val_` prefix): losses and
 * errors are minimized, accuracy-like metrics maximized; any other name needs an explicit mode (Keras 3 raises too).
 */
export function monitorDirection(who: string, monitor: string, mode: Mode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = monitor.replace(/^val_/, '');
  if (/loss/i.test(name)) return 'min';
  if (MAXIMIZED.test(name)) return 'max';
  if (MINIMIZED.test(name)) return 'min';
  throw new ValueError(`${who}: cannot tell whether "${monitor}" should be minimized or maximized; pass mode: 'min' or mode: 'max'`);
}

function checkNonNegative(who: string, name: string, v: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new ValueError(`${who}: ${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${v}`);
  }
  return v;
}

/** Warns once per callback when the monitored key is missing from the logs, naming the keys that exist. */
export class MissingMonitorWarning {
  private warned = false;
  constructor(private readonly who: string, private readonly monitor: string, private readonly print: Print) {}
  check(logs: Logs | undefined): number | undefined {
    const v = logs?.[this.monitor];
    if (v === undefined && !this.warned) {
      this.warned = true;
      this.print(`${this.who}: "${this.monitor}" is not in the logs, so it is ignored (available: ${Object.keys(logs ?? {}).join(', ') || 'none'})`);
    }
    return v;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface EarlyStoppingOptions {
  /** the log key to watch (default 'val_loss') */
  monitor?: string;
  /** an improvement must be larger than this (default 0) */
  minDelta?: number;
  /** epochs without improvement before stopping (default 0) */
  patience?: number;
  verbose?: 0 | 1;
  mode?: Mode;
  /** training stops unless the monitored value beats this within `patience` epochs */
  baseline?: number | null;
  /** at the end of training, set the weights of the best epoch (default false) */
  restoreBestWeights?: boolean;
  /** epochs to wait before watching at all (warm-up; default 0) */
  startFromEpoch?: number;
  print?: Print;
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs (Keras 3 semantics). With
 * `restoreBestWeights`, the weights of the best epoch are put back when training ends.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: Mode;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  private readonly direction: 'min' | 'max';
  private readonly print: Print;
  private readonly missing: MissingMonitorWarning;
  /** epochs since the last improvement */
  wait = 0;
  /** the epoch (0-based) at which training was stopped; 0 when it was not */
  stoppedEpoch = 0;
  /** best monitored value so far (null before the first) */
  best: number | null = null;
  /** the epoch (0-based) of `best` */
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const who = 'EarlyStopping';
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = checkNonNegative(who, 'patience', options.patience ?? 0, true);
    this.verbose = options.verbose ?? 0;
    this.mode = checkMode(who, options.mode ?? 'auto');
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = checkNonNegative(who, 'startFromEpoch', options.startFromEpoch ?? 0, true);
    this.direction = monitorDirection(who, this.monitor, this.mode);
    this.print = options.print ?? defaultPrint;
    this.missing = new MissingMonitorWarning(who, this.monitor, this.print);
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.direction === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  private saveBest(): void {
    this.releaseBest();
    this.bestWeights = modelOf(this, 'EarlyStopping').getWeights();
  }
  private releaseBest(): void {
    for (const t of this.bestWeights ?? []) t.dispose();
    this.bestWeights = null;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    this.releaseBest();
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const current = this.missing.check(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    // if no epoch ever improves, the first watched epoch's weights are the best
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.saveBest();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.saveBest();
      // the wait restarts only when the value beats both the previous best and the baseline
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      modelOf(this, 'EarlyStopping').stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) this.print(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) this.print(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      modelOf(this, 'EarlyStopping').setWeights(this.bestWeights);
    }
    this.releaseBest();
  }
}

// ---------------------------------------------------------------------------------------------------------------


/**
 * Sets the learning rate at the start of every epoch to `schedule(epoch, currentLr)` (epoch is 0-based) and
 * logs it as `learning_rate`. The optimizer must have a number learning rate (not a schedule object).
 */
export class LearningRateScheduler extends Callback {
  private readonly print: Print;
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly options: { verbose?: 0 | 1; print?: Print } = {},
  ) {
    super();
    if (typeof schedule !== 'function') throw new ValueError('LearningRateScheduler: schedule must be a function (epoch, lr) => lr');
    this.print = options.print ?? defaultPrint;
  }
  override onEpochBegin(epoch: number): void {
    const opt = optimizerOf(this, 'LearningRateScheduler');
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new ValueError(`LearningRateScheduler: the schedule returned ${String(lr)} for epoch ${epoch}; it must return a non-negative number`);
    }
    opt.learningRate = lr;
    if ((this.options.verbose ?? 0) > 0) this.print(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = optimizerOf(this, 'LearningRateScheduler').learningRate;
  }
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** new lr = lr * factor (default 0.1; must be < 1) */
  factor?: number;
  /** epochs without improvement before reducing (default 10) */
  patience?: number;
  verbose?: 0 | 1;
  mode?: Mode;
  /** an improvement must be larger than this (default 1e-4) */
  minDelta?: number;
  /** epochs to wait after a reduction before counting again (default 0) */
  cooldown?: number;
  /** the learning rate never goes below this (default 0) */
  minLr?: number;
  print?: Print;
}

/** Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs (Keras 3). */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: Mode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly direction: 'min' | 'max';
  private readonly print: Print;
  private readonly missing: MissingMonitorWarning;
  best = Infinity;
  wait = 0;
  cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    const who = 'ReduceLROnPlateau';
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor >= 0 && this.factor < 1)) throw new ValueError(`${who}: factor must be in [0, 1), got ${this.factor}`);
    this.patience = checkNonNegative(who, 'patience', options.patience ?? 10, true);
    this.verbose = options.verbose ?? 0;
    this.mode = checkMode(who, options.mode ?? 'auto');
    this.minDelta = checkNonNegative(who, 'minDelta', options.minDelta ?? 1e-4);
    this.cooldown = checkNonNegative(who, 'cooldown', options.cooldown ?? 0, true);
    this.minLr = checkNonNegative(who, 'minLr', options.minLr ?? 0);
    this.direction = monitorDirection(who, this.monitor, this.mode);
    this.print = options.print ?? defaultPrint;
    this.missing = new MissingMonitorWarning(who, this.monitor, this.print);
    this.reset();
  }

  private reset(): void {
    this.best = this.direction === 'min' ? Infinity : -Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  private improved(current: number): boolean {
    return this.direction === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
  }

  override onTrainBegin(): void {
    this.reset();
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const opt = optimizerOf(this, 'ReduceLROnPlateau');
    if (logs) logs.learning_rate = opt.learningRate;
    const current = this.missing.check(logs);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate;
        if (old > Math.fround(this.minLr)) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          if (this.verbose > 0) this.print(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Stops training at the first batch whose loss is NaN or infinite, printing
 * `Batch 11: Invalid loss, terminating training (epoch 2, step 12/47, loss NaN)`.
 */
export class TerminateOnNaN extends Callback {
  private readonly print: Print;
  private epoch = 0;
  /** where training stopped (0-based epoch and batch), or null */
  stoppedAt: { epoch: number; batch: number; loss: number } | null = null;
  constructor(options: { print?: Print } = {}) {
    super();
    this.print = options.print ?? defaultPrint;
  }
  override onTrainBegin(): void {
    this.stoppedAt = null;
  }
  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }
  override onBatchEnd(batch: number, logs?: Logs): void {
    // `loss` in batch logs is the epoch's running mean: it turns NaN/Inf at the first bad batch and stays so
    const loss = logs?.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    const steps = this.params.steps;
    this.print(`Batch ${batch}: Invalid loss, terminating training (epoch ${this.epoch + 1}, step ${batch + 1}${steps ? `/${steps}` : ''}, loss ${loss})`);
    this.stoppedAt = { epoch: this.epoch, batch, loss };
    modelOf(this, 'TerminateOnNaN').stopTraining = true;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** A callback from functions: `new LambdaCallback({onEpochEnd: (epoch, logs) => ...})` (Keras's LambdaCallback). */
export class LambdaCallback extends HookCallback {
  constructor(hooks: CallbackHooks) {
    if (!hooks || typeof hooks !== 'object') throw new ValueError('LambdaCallback: expected an object of hook functions, e.g. {onEpochEnd: (epoch, logs) => ...}');
    for (const [k, f] of Object.entries(hooks)) {
      if (!(HOOK_NAMES as readonly string[]).includes(k)) throw new ValueError(`LambdaCallback: unknown hook "${k}" (known: ${HOOK_NAMES.join(', ')})`);
      if (typeof f !== 'function') throw new ValueError(`LambdaCallback: ${k} must be a function`);
    }
    super(hooks);
  }
}

/** Factories in camelCase (tfjs style): `callbacks.earlyStopping({patience: 2})`; the Node entry adds the file-writing ones (callbacks-files.ts). */
export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions): EarlyStopping => new EarlyStopping(options),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number, options?: { verbose?: 0 | 1; print?: Print }): LearningRateScheduler =>
    new LearningRateScheduler(schedule, options),
  reduceLROnPlateau: (options?: ReduceLROnPlateauOptions): ReduceLROnPlateau => new ReduceLROnPlateau(options),
  terminateOnNaN: (options?: { print?: Print }): TerminateOnNaN => new TerminateOnNaN(options),
  lambdaCallback: (hooks: CallbackHooks): LambdaCallback => new LambdaCallback(hooks),
  EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, LambdaCallback,
};
