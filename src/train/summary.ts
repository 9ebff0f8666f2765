/** `model.summary()`: the Keras 3 table (layer, output shape, parameter count, totals). */
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Layer } from '../nn/layer.js';
import { InputLayer } from '../nn/layers/core.js';
import { fmtLayerShape, type LayerShape } from '../nn/symbolic.js';
import { Functional, Sequential, type Model } from './model.js';

export interface SummaryOptions {
  lineLength?: number;
  /** also list the layers inside nested models */
  expandNested?: boolean;
  print?: (line: string) => void;
}

interface Row {
  name: string;
  shape: string;
  params: number;
  connected?: string;
  depth: number;
}

const count = (ws: Tensor[]): number => ws.reduce((n, w) => n + sizeOf(w.shape), 0);

function fmtBytes(n: number): string {
  if (n < 1024) return `${n.toFixed(2)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function shapesText(s: LayerShape | LayerShape[] | undefined): string {
  if (!s) return '?';
  return Array.isArray(s[0]) ? (s as LayerShape[]).map(fmtLayerShape).join(', ') : fmtLayerShape(s as LayerShape);
}

function paramsOf(l: Layer): number {
  return l.built ? l.countParams() : 0;
}

function rowsOf(model: Model, depth: number, expand: boolean): Row[] {
  const rows: Row[] = [];
  const push = (l: Layer, shape: string, connected?: string): void => {
    rows.push({ name: `${l.name} (${l.className})`, shape, params: paramsOf(l), connected, depth });
    if (expand && (l instanceof Sequential || l instanceof Functional)) rows.push(...rowsOf(l, depth + 1, expand));
  };
  if (model instanceof Sequential) {
    const shapes = model.layerOutputShapes;
    model.layers.forEach((l, i) => push(l, shapes[i] ? fmtLayerShape(shapes[i]) : '?'));
  } else if (model instanceof Functional) {
    for (const l of model.layers) {
      if (l instanceof InputLayer) {
        push(l, fmtLayerShape(l.batchInputShape!), '-');
        continue;
      }
      const nodes = l.inboundNodes.filter((n) => model.callNodes.includes(n));
      const first = nodes[0];
      const shape = first ? shapesText(first.outputs.length === 1 ? first.outputs[0].shape : first.outputs.map((o) => o.shape)) : '?';
      const connected = nodes.flatMap((n) => n.inputs.map((t) => `${t.node!.layer.name}[${t.node!.layer.inboundNodes.indexOf(t.node!)}][${t.outputIndex}]`)).join(', ');
      push(l, shape, connected);
    }
  } else {
    for (const l of model.layers) push(l, '?');
  }
  return rows;
}

/** Renders the summary and returns it (also printed through `print`, console.log by default). */
export function summary(model: Model, options: SummaryOptions = {}): string {
  const functional = model instanceof Functional;
  const rows = rowsOf(model, 0, options.expandNested ?? false);
  const headers = functional ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const cells = rows.map((r) => {
    const name = `${'  '.repeat(r.depth)}${r.name}`;
    const base = [name, r.shape, r.params.toLocaleString('en-US')];
    return functional ? [...base, r.connected ?? ''] : base;
  });
  const total = options.lineLength ?? (functional ? 98 : 79);
  const fractions = functional ? [0.3, 0.22, 0.13, 0.35] : [0.45, 0.33, 0.22];
  const widths = fractions.map((f, i) => Math.max(Math.floor(f * (total - headers.length - 1)) , headers[i].length + 2, ...cells.map((c) => c[i].length + 2)));
  const pad = (text: string, w: number, right: boolean): string => (right ? ` ${text.padStart(w - 2)} ` : ` ${text.padEnd(w - 2)} `);
  const line = (l: string, m: string, r: string, ch: string): string => l + widths.map((w) => ch.repeat(w)).join(m) + r;
  const out: string[] = [];
  out.push(`Model: "${model.name}"`);
  out.push(line('┏', '┳', '┓', '━'));
  out.push('┃' + headers.map((h, i) => pad(h, widths[i], i === 2)).join('┃') + '┃');
  out.push(line('┡', '╇', '┩', '━'));
  cells.forEach((c, k) => {
    out.push('│' + c.map((t, i) => pad(t, widths[i], i === 2)).join('│') + '│');
    if (k < cells.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  // buffers (PyTorch-style state such as running statistics) are listed apart from the parameters
  const buffers = new Set(model.ownWeights().filter((w) => w.buffer).map((w) => w.value));
  const params = (ws: Tensor[]): Tensor[] => ws.filter((w) => !buffers.has(w));
  const trainable = model.built ? count(params(model.trainableWeights)) : 0;
  const nonTrainable = model.built ? count(params(model.nonTrainableWeights)) : 0;
  const bufferCount = model.built ? count([...buffers]) : 0;
  const bytes = (n: number): string => fmtBytes(n * 4);
  out.push(` Total params: ${(trainable + nonTrainable).toLocaleString('en-US')} (${bytes(trainable + nonTrainable)})`);
  out.push(` Trainable params: ${trainable.toLocaleString('en-US')} (${bytes(trainable)})`);
  out.push(` Non-trainable params: ${nonTrainable.toLocaleString('en-US')} (${bytes(nonTrainable)})`);
  if (bufferCount > 0) out.push(` Buffers (not counted as params): ${bufferCount.toLocaleString('en-US')} (${bytes(bufferCount)})`);
  const text = out.join('\n');
  (options.print ?? console.log)(text);
  return text;
}
