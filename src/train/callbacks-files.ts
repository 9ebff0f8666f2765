/**
 * The built-in callbacks that write files (Node only): ModelCheckpoint and CSVLogger, and the `callbacks` factories
 * with them added.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValueError } from '../core/errors.js';
import { Callback, type Logs } from './callbacks-base.js';
import { callbacks as memoryCallbacks, checkMode, defaultPrint, MissingMonitorWarning, modelOf, monitorDirection, type Mode, type Print } from './callbacks.js';
import { saveWeights } from './saving.js';

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

/** Factories in camelCase (tfjs style): `callbacks.earlyStopping({patience: 2})`, `callbacks.csvLogger('log.csv')`. */
export const callbacks = {
  ...memoryCallbacks,
  modelCheckpoint: (options: ModelCheckpointOptions | string): ModelCheckpoint => new ModelCheckpoint(options),
  csvLogger: (filename: string, options?: CSVLoggerOptions): CSVLogger => new CSVLogger(filename, options),
  ModelCheckpoint,
  CSVLogger,
};
