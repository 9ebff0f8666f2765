/**
 * The built-in callbacks (Keras 3 semantics, camelCase options): EarlyStopping, ModelCheckpoint,
 * LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, CSVLogger and LambdaCallback.
 *
 * Callbacks that change the learning rate put it into the epoch logs as `learning_rate` (History records it,
 * because fit runs History after the user's callbacks, like Keras). Messages go through `print`
 * (console.log by default), so tests and GUIs can capture them.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DeeptsError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Callback, HOOK_NAMES, HookCallback, type CallbackHooks, type Logs } from './callbacks-base.js';
import type { Model } from './model.js';
import { saveWeights } from './saving.js';

type Print = (line: string) => void;
type Mode = 'auto' | 'min' | 'max';

const defaultPrint: Print = (line) => console.log(line);

function modelOf(cb: Callback, who: string): Model {
  if (!cb.model) throw new DeeptsError(`${who}: the callback is not attached to a model (pass it to fit({callbacks}))`);
  return cb.model;
}

function optimizerOf(cb: Callback, who: string): NonNullable<Model['optimizer']> {
  const opt = modelOf(cb, who).optimizer;
  if (!opt) throw new DeeptsError(`${who}: the model has no optimizer; call compile({optimizer, loss}) first`);
  return opt;
}

function checkMode(who: string, mode: unknown): Mode {
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
class MissingMonitorWarning {
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
 * Fills a Python-style template: `{epoch}`, `{epoch:02d}`, `{val_loss:.2f}`, `{loss:.3e}`; `{{` and `}}` are
 * literal braces. An unknown key is a ValueError naming the available ones.
 */
export function formatFilepath(template: string, values: Record<string, number>): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}/g, (whole, key: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const v = values[key!];
    if (v === undefined) throw new ValueError(`ModelCheckpoint: the filepath ${JSON.stringify(template)} uses {${key}}, which is not in the logs (available: ${Object.keys(values).join(', ')})`);
    return formatNumber(v, spec ?? '', template);
  });
}

function formatNumber(v: number, spec: string, template: string): string {
  if (spec === '') return String(v);
  const m = /^(0)?(\d+)?(?:\.(\d+))?([dfeEgG%])?$/.exec(spec);
  if (!m) throw new ValueError(`ModelCheckpoint: unsupported format "${spec}" in ${JSON.stringify(template)} (use d, f, e, g or %, e.g. {epoch:02d} or {val_loss:.2f})`);
  const [, zero, widthText, precText, type] = m;
  const prec = precText === undefined ? 6 : Number(precText);
  let s: string;
  if (!Number.isFinite(v)) s = Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  else {
    switch (type) {
      case 'd': s = String(Math.trunc(v)); break;
      case 'f': s = v.toFixed(prec); break;
      case 'e': case 'E': {
        // Python writes two exponent digits: 1.50e-04
        s = v.toExponential(prec).replace(/e([+-])(\d)$/, 'e$10$2');
        if (type === 'E') s = s.toUpperCase();
        break;
      }
      case '%': s = `${(v * 100).toFixed(prec)}%`; break;
      case 'g': case 'G': s = String(Number(v.toPrecision(prec || 1))); break;
      default: s = precText === undefined ? String(v) : v.toFixed(prec);
    }
  }
  const width = widthText === undefined ? 0 : Number(widthText);
  if (s.length < width) {
    if (zero && /^-?\d/.test(s)) s = s.startsWith('-') ? '-' + s.slice(1).padStart(width - 1, '0') : s.padStart(width, '0');
    else s = s.padStart(width);
  }
  return s;
}

export interface ModelCheckpointOptions {
  /**
   * Where to save, formatted each epoch with `epoch` (1-based) and the epoch logs: `ckpt/epoch{epoch:02d}` or
   * `best-{val_loss:.2f}`. A folder for `model.save`, or a `.safetensors` file with `saveWeightsOnly`.
   */
  filepath: string;
  /** the log key compared with `saveBestOnly` (default 'val_loss') */
  monitor?: string;
  verbose?: 0 | 1;
  /** save only when `monitor` improves on the best so far (default false: every epoch) */
  saveBestOnly?: boolean;
  /** write only the weights (one safetensors file) instead of the whole model (default false) */
  saveWeightsOnly?: boolean;
  mode?: Mode;
  /** with saveBestOnly: a value the first save must already beat */
  initialValueThreshold?: number | null;
  print?: Print;
}

/**
 * Saves the model (model.json + weights.safetensors + optimizer state, see model.save) or only its weights (one
 * safetensors file) at the end of every epoch, or only when `monitor` improves. Every write is atomic.
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: Mode;
  private readonly direction: 'min' | 'max';
  private readonly print: Print;
  private readonly missing: MissingMonitorWarning;
  /** best monitored value so far (±Infinity before the first save, or the initial threshold) */
  best: number;
  /** the paths written, in order */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions | string) {
    super();
    const o = typeof options === 'string' ? { filepath: options } : options;
    const who = 'ModelCheckpoint';
    if (typeof o.filepath !== 'string' || o.filepath === '') throw new ValueError(`${who}: filepath must be a non-empty string`);
    this.filepath = o.filepath;
    this.monitor = o.monitor ?? 'val_loss';
    this.verbose = o.verbose ?? 0;
    this.saveBestOnly = o.saveBestOnly ?? false;
    this.saveWeightsOnly = o.saveWeightsOnly ?? false;
    if (this.saveWeightsOnly && !this.filepath.endsWith('.safetensors')) {
      throw new ValueError(`${who}: with saveWeightsOnly the filepath must end in ".safetensors", got ${JSON.stringify(this.filepath)}`);
    }
    this.mode = checkMode(who, o.mode ?? 'auto');
    this.direction = this.saveBestOnly ? monitorDirection(who, this.monitor, this.mode) : this.mode === 'max' ? 'max' : 'min';
    this.best = o.initialValueThreshold ?? (this.direction === 'min' ? Infinity : -Infinity);
    this.print = o.print ?? defaultPrint;
    this.missing = new MissingMonitorWarning(who, this.monitor, this.print);
  }

  private async write(path: string): Promise<void> {
    const model = modelOf(this, 'ModelCheckpoint');
    if (this.saveWeightsOnly) await saveWeights(model, path);
    else await model.save(path);
    this.saved.push(path);
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const path = formatFilepath(this.filepath, { ...logs, epoch: epoch + 1 });
    if (!this.saveBestOnly) {
      if (this.verbose > 0) this.print(`Epoch ${epoch + 1}: saving model to ${path}`);
      await this.write(path);
      return;
    }
    const current = this.missing.check(logs);
    if (current === undefined) return;
    const better = this.direction === 'min' ? current < this.best : current > this.best;
    if (better) {
      if (this.verbose > 0) this.print(`Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`);
      this.best = current;
      await this.write(path);
    } else if (this.verbose > 0) {
      this.print(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
    }
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

export interface CSVLoggerOptions {
  /** column separator (default ',') */
  separator?: string;
  /** add to an existing file instead of overwriting it (no second header) */
  append?: boolean;
}

/**
 * Writes the epoch logs to a CSV file, one line per epoch as soon as the epoch ends: a header `epoch,<keys>` (keys
 * sorted, from the first epoch) then `0,0.93,0.25,...`. A key missing in a later epoch is written as NA.
 */
export class CSVLogger extends Callback {
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private writeHeader = true;

  constructor(readonly filename: string, options: CSVLoggerOptions = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') throw new ValueError('CSVLogger: filename must be a non-empty string');
    this.separator = options.separator ?? ',';
    if (this.separator === '' || /["\r\n]/.test(this.separator)) throw new ValueError(`CSVLogger: invalid separator ${JSON.stringify(this.separator)}`);
    this.append = options.append ?? false;
  }

  private cell(v: string): string {
    return v.includes(this.separator) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }

  override onTrainBegin(): void {
    this.keys = null;
    const dir = dirname(this.filename);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    if (this.append && existsSync(this.filename)) {
      this.writeHeader = readFileSync(this.filename, 'utf8').length === 0;
    } else {
      writeFileSync(this.filename, '');
      this.writeHeader = true;
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      if (this.writeHeader) appendFileSync(this.filename, ['epoch', ...this.keys].map((k) => this.cell(k)).join(this.separator) + '\n');
    }
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))];
    appendFileSync(this.filename, row.map((c) => this.cell(c)).join(this.separator) + '\n');
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

/** Factories in camelCase (tfjs style): `callbacks.earlyStopping({patience: 2})`. */
export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions): EarlyStopping => new EarlyStopping(options),
  modelCheckpoint: (options: ModelCheckpointOptions | string): ModelCheckpoint => new ModelCheckpoint(options),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number, options?: { verbose?: 0 | 1; print?: Print }): LearningRateScheduler =>
    new LearningRateScheduler(schedule, options),
  reduceLROnPlateau: (options?: ReduceLROnPlateauOptions): ReduceLROnPlateau => new ReduceLROnPlateau(options),
  terminateOnNaN: (options?: { print?: Print }): TerminateOnNaN => new TerminateOnNaN(options),
  csvLogger: (filename: string, options?: CSVLoggerOptions): CSVLogger => new CSVLogger(filename, options),
  lambdaCallback: (hooks: CallbackHooks): LambdaCallback => new LambdaCallback(hooks),
  EarlyStopping, ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, CSVLogger, LambdaCallback,
};
