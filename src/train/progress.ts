/**
 * The Keras-style progress bar: `469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9245 - loss: 0.2671`.
 * On a TTY it redraws one line (at most every 50 ms) with an ETA; otherwise it prints one line per epoch.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

let consoleStream: ProgressStream | null = null;

/**
 * Where progress goes by default: process.stdout in Node; elsewhere (a browser) console.log, one call
 * per completed line.
 */
export function defaultStream(): ProgressStream {
  if (typeof process !== 'undefined' && process.stdout) return process.stdout;
  if (!consoleStream) {
    let line = '';
    consoleStream = {
      write(s: string) {
        line += s;
        const nl = line.lastIndexOf('\n');
        if (nl >= 0) {
          for (const l of line.slice(0, nl).split('\n')) console.log(l);
          line = line.slice(nl + 1);
        }
        return true;
      },
    };
  }
  return consoleStream;
}

export function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

export function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

export function formatLogs(logs: Record<string, number>): string {
  return Object.keys(logs)
    .sort()
    .map((k) => ` - ${k}: ${formatValue(logs[k])}`)
    .join('');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(4) : v.toFixed(4);
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly width = 20;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream = defaultStream(),
    private readonly interactive = Boolean(stream.isTTY),
  ) {}

  private bar(done: number): string {
    const filled = this.total > 0 ? Math.round((done / this.total) * this.width) : this.width;
    return '━'.repeat(filled) + (filled < this.width ? '\x1b[2m' + '━'.repeat(this.width - filled) + '\x1b[0m' : '');
  }

  private plainBar(): string {
    return '━'.repeat(this.width);
  }

  /** Steps done so far (the final line shows it when training stopped early). */
  private done = 0;

  /** Called after each step with the running logs. */
  update(done: number, logs: Record<string, number>): void {
    this.done = done;
    if (!this.interactive) return;
    const now = performance.now();
    if (done < this.total && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const counter = `${String(done).padStart(String(this.total).length)}/${this.total}`;
    const line = `${counter} ${this.bar(done)} ${formatDuration(eta)}${formatLogs(logs)}`;
    this.stream.write(`\r${line}\x1b[K`);
  }

  /** Final line of the epoch, with total time and time per step (and validation logs). */
  finish(logs: Record<string, number>): void {
    const elapsed = (performance.now() - this.start) / 1000;
    // a run stopped early (TerminateOnNaN, stopTraining in a batch callback) shows where it stopped: 12/469
    const done = this.done > 0 && this.done < this.total ? this.done : this.total;
    const perStep = done > 0 ? elapsed / done : 0;
    const counter = done === this.total ? `${this.total}/${this.total}` : `${String(done).padStart(String(this.total).length)}/${this.total}`;
    const line = `${counter} ${this.interactive ? this.bar(done) : this.plainBar()} ${formatDuration(elapsed)} ${formatPerStep(perStep)}${formatLogs(logs)}`;
    this.stream.write(this.interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
