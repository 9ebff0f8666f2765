/** The callback protocol of fit/evaluate/predict (Keras names, camelCase). */
import type { Model } from './model.js';

export type Logs = Record<string, number>;

export abstract class Callback {
  model?: Model;
  params: { epochs?: number; steps?: number; verbose?: number } = {};
  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: Callback['params']): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
}

/** The hooks a callback can implement. */
export const HOOK_NAMES = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTestBegin', 'onTestEnd'] as const;

/** A plain object with any of the hooks works as a callback too (like tfjs's CustomCallback). */
export type CallbackHooks = Partial<Pick<Callback, (typeof HOOK_NAMES)[number]>>;

/** A callback whose hooks are the given functions. */
export class HookCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
  }
  override onTrainBegin(logs?: Logs) { return this.hooks.onTrainBegin?.(logs); }
  override onTrainEnd(logs?: Logs) { return this.hooks.onTrainEnd?.(logs); }
  override onEpochBegin(e: number, logs?: Logs) { return this.hooks.onEpochBegin?.(e, logs); }
  override onEpochEnd(e: number, logs?: Logs) { return this.hooks.onEpochEnd?.(e, logs); }
  override onBatchBegin(b: number, logs?: Logs) { return this.hooks.onBatchBegin?.(b, logs); }
  override onBatchEnd(b: number, logs?: Logs) { return this.hooks.onBatchEnd?.(b, logs); }
  override onTestBegin(logs?: Logs) { return this.hooks.onTestBegin?.(logs); }
  override onTestEnd(logs?: Logs) { return this.hooks.onTestEnd?.(logs); }
}

export function toCallback(c: Callback | CallbackHooks): Callback {
  return c instanceof Callback ? c : new HookCallback(c);
}

/** Runs a hook on every callback in order, awaiting the asynchronous ones. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  async call<K extends keyof CallbackHooks>(hook: K, ...args: Parameters<Callback[K]>): Promise<void> {
    for (const c of this.callbacks) {
      const r = (c[hook] as (...a: unknown[]) => void | Promise<void>).apply(c, args);
      if (r instanceof Promise) await r;
    }
  }
}

/** Records the logs of every epoch: `history.history.loss[epoch]`. */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
