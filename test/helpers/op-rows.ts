/**
 * THE op table: one row per op (and parameter setting). Each row: the public functions it exercises, how to call
 * them, sample inputs (broadcasting, rank 0, size-0 dims, negative axes, keepDims), a float64 reference from
 * ref.ts (plain JS, never deepts) and whether it is differentiable. The runner (op-table.ts) also feeds every
 * sample as non-contiguous views. Adding an op = adding a row here.
 */
import type { DType, Tensor } from '../../src/index.js';
import type { InputSpec, Kind, OpRow, Sample } from './op-table.js';
import * as R from './ref.js';
import * as conv from '../../src/ops/conv.js';
import type { Nd } from './ref.js';

type Shape = number[];
type In = Shape | InputSpec;
const spec = (x: In, kind?: Kind): InputSpec => (Array.isArray(x) ? { shape: x, kind } : { kind, ...x });
/** A sample from shapes (given the row's kinds per input position) or full input specs. */
const S = (kinds: (Kind | undefined)[], ...inputs: In[]): Sample => ({ inputs: inputs.map((x, i) => spec(x, kinds[i])) });
const noGradS = (s: Sample, label?: string): Sample => ({ ...s, grad: false, label });

export const UNARY_SHAPES: Shape[] = [[], [5], [2, 3], [2, 3, 4], [0], [3, 0, 2]];
export const BINARY_PAIRS: [Shape, Shape][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[3, 1], [1, 4]],
  [[], [2, 3]],
  [[2, 3], []],
  [[2, 1, 3], [4, 1]],
  [[0, 3], [1, 3]],
  [[], []],
];
const FLOATS: DType[] = ['float32', 'float64'];

const rows: OpRow[] = [];
function row(r: OpRow): void {
  if (rows.some((x) => x.name === r.name)) throw new Error(`op table: duplicate row ${r.name}`);
  rows.push(r);
}

interface UnaryOpts {
  kind?: Kind;
  range?: [number, number];
  grad?: boolean;
  ops?: string[];
  dtypes?: DType[];
  out?: OpRow['out'];
  shapes?: Shape[];
  extra?: Sample[];
  tol?: OpRow['tol'];
}
function unaryRow(name: string, fn: (dt: Parameters<OpRow['fn']>[0], x: Tensor) => Tensor, f: (v: number) => number, o: UnaryOpts = {}): void {
  const shapes = o.shapes ?? UNARY_SHAPES;
  row({
    name,
    ops: o.ops ?? [name.replace(/\(.*$/, '')],
    fn: (dt, x) => fn(dt, x),
    ref: (x) => R.map(x, f),
    samples: [...shapes.map((s) => ({ inputs: [{ shape: s, kind: o.kind, range: o.range }] })), ...(o.extra ?? [])],
    grad: o.grad ?? true,
    dtypes: o.dtypes,
    out: o.out,
    tol: o.tol,
  });
}

interface BinaryOpts {
  kinds?: [Kind?, Kind?];
  grad?: boolean;
  ops?: string[];
  dtypes?: DType[];
  out?: OpRow['out'];
  pairs?: [Shape, Shape][];
  extra?: Sample[];
}
function binaryRow(name: string, fn: (dt: Parameters<OpRow['fn']>[0], a: Tensor, b: Tensor) => Tensor, f: (a: number, b: number) => number, o: BinaryOpts = {}): void {
  const kinds = o.kinds ?? [];
  row({
    name,
    ops: o.ops ?? [name.replace(/\(.*$/, '')],
    fn: (dt, a, b) => fn(dt, a, b),
    ref: (a, b) => R.zip2(a, b, f),
    samples: [...(o.pairs ?? BINARY_PAIRS).map(([a, b]) => S(kinds, a, b)), ...(o.extra ?? [])],
    grad: o.grad ?? true,
    dtypes: o.dtypes,
    out: o.out,
  });
}

// ================================================================ binary arithmetic

binaryRow('add', (dt, a, b) => dt.add(a, b), (a, b) => a + b);
binaryRow('sub', (dt, a, b) => dt.sub(a, b), (a, b) => a - b);
binaryRow('mul', (dt, a, b) => dt.mul(a, b), (a, b) => a * b);
binaryRow('div', (dt, a, b) => dt.div(a, b), (a, b) => a / b, { kinds: ['any', 'nz'] });
binaryRow('pow', (dt, a, b) => dt.pow(a, b), (a, b) => a ** b, { kinds: ['pos', 'any'] });
binaryRow('maximum', (dt, a, b) => dt.maximum(a, b), Math.max, {
  extra: [noGradS(S(['smallint', 'smallint'], [4, 3], [3]), 'ties')],
});
binaryRow('minimum', (dt, a, b) => dt.minimum(a, b), Math.min, {
  extra: [noGradS(S(['smallint', 'smallint'], [4, 3], [3]), 'ties')],
});
// method forms and JS scalars on either side (weak scalars keep the tensor's dtype)
unaryRow('add(x, 2.5)', (_dt, x) => x.add(2.5), (v) => v + Math.fround(2.5), { ops: ['add'] });
unaryRow('sub(3, x)', (dt, x) => dt.sub(3, x), (v) => 3 - v, { ops: ['sub'] });
unaryRow('mul(x, -1.5)', (_dt, x) => x.mul(-1.5), (v) => v * -1.5, { ops: ['mul'] });
unaryRow('div(x, 4)', (_dt, x) => x.div(4), (v) => v / 4, { ops: ['div'] });
unaryRow('div(1, x)', (dt, x) => dt.div(1, x), (v) => 1 / v, { ops: ['div'], kind: 'nz' });
unaryRow('pow(x, 3)', (dt, x) => dt.pow(x, 3), (v) => v ** 3, { ops: ['pow'] });
unaryRow('pow(x, 0.5)', (_dt, x) => x.pow(0.5), (v) => Math.sqrt(v), { ops: ['pow'], kind: 'pos' });
unaryRow('pow(2, x)', (dt, x) => dt.pow(2, x), (v) => 2 ** v, { ops: ['pow'] });
unaryRow('maximum(x, 0.5)', (dt, x) => dt.maximum(x, 0.5), (v) => Math.max(v, 0.5), { ops: ['maximum'] });
unaryRow('minimum(x, -0.5)', (_dt, x) => x.minimum(-0.5), (v) => Math.min(v, -0.5), { ops: ['minimum'] });

// integer arithmetic (no gradients) and promotion
const INT: DType[] = ['int32'];
binaryRow('add[int32]', (dt, a, b) => dt.add(a, b), (a, b) => a + b, { ops: ['add'], dtypes: INT, grad: false, kinds: ['smallint', 'smallint'] });
binaryRow('sub[int32]', (dt, a, b) => dt.sub(a, b), (a, b) => a - b, { ops: ['sub'], dtypes: INT, grad: false, kinds: ['smallint', 'smallint'] });
binaryRow('mul[int32]', (dt, a, b) => dt.mul(a, b), (a, b) => a * b, { ops: ['mul'], dtypes: INT, grad: false, kinds: ['smallint', 'smallint'] });
binaryRow('maximum[int32]', (dt, a, b) => dt.maximum(a, b), Math.max, { ops: ['maximum'], dtypes: INT, grad: false, kinds: ['smallint', 'smallint'] });
binaryRow('minimum[int32]', (dt, a, b) => dt.minimum(a, b), Math.min, { ops: ['minimum'], dtypes: INT, grad: false, kinds: ['smallint', 'smallint'] });
row({
  name: 'div[int32] -> float32',
  ops: ['div'],
  fn: (dt, a, b) => dt.div(a, b),
  ref: (a, b) => R.zip2(a, b, (x, y) => x / y),
  samples: [S([], { shape: [2, 3], values: [1, -7, 4, 0, 9, -3] }, { shape: [3], values: [2, 3, -4] })],
  grad: false,
  dtypes: INT,
  out: 'float32',
});
row({
  name: 'add(int32, float) promotes',
  ops: ['add'],
  fn: (dt, a, b) => dt.add(a, b),
  ref: (a, b) => R.zip2(a, b, (x, y) => x + y),
  samples: [S([], { shape: [2, 3], dtype: 'int32', kind: 'smallint' }, [3]), S([], { shape: [], dtype: 'bool', kind: 'bool' }, [2, 2])],
  grad: true,
});
row({
  name: 'mul(int32, 2.5) -> float32',
  ops: ['mul'],
  fn: (dt, a) => dt.mul(a, 2.5),
  ref: (a) => R.map(a, (v) => v * 2.5),
  samples: [S(['smallint'], [2, 3])],
  grad: false,
  dtypes: INT,
  out: 'float32',
});

// ================================================================ unary math

unaryRow('neg', (dt, x) => dt.neg(x), (v) => -v);
unaryRow('abs', (dt, x) => dt.abs(x), Math.abs, { kind: 'nz' });
unaryRow('sign', (dt, x) => dt.sign(x), Math.sign, { kind: 'smallint', grad: false });
unaryRow('exp', (dt, x) => dt.exp(x), Math.exp, { range: [-4, 4] });
unaryRow('log', (dt, x) => dt.log(x), Math.log, { kind: 'pos' });
unaryRow('log1p', (dt, x) => dt.log1p(x), Math.log1p, { kind: 'gtm1' });
unaryRow('expm1', (dt, x) => dt.expm1(x), Math.expm1, { tol: { float32: [1e-5, 1e-6] } });
unaryRow('sqrt', (dt, x) => dt.sqrt(x), Math.sqrt, { kind: 'pos' });
unaryRow('rsqrt', (dt, x) => dt.rsqrt(x), (v) => 1 / Math.sqrt(v), { kind: 'pos' });
unaryRow('square', (dt, x) => dt.square(x), (v) => v * v);
unaryRow('reciprocal', (dt, x) => dt.reciprocal(x), (v) => 1 / v, { kind: 'nz' });
unaryRow('sin', (dt, x) => dt.sin(x), Math.sin, { range: [-4, 4] });
unaryRow('cos', (dt, x) => dt.cos(x), Math.cos, { range: [-4, 4] });
unaryRow('tanh', (dt, x) => dt.tanh(x), Math.tanh, { range: [-3, 3] });
unaryRow('sigmoid', (dt, x) => dt.sigmoid(x), R.sigmoid, { range: [-6, 6] });
unaryRow('erf', (dt, x) => dt.erf(x), R.erf, { range: [-3, 3] });
unaryRow('floor', (dt, x) => dt.floor(x), Math.floor, { range: [-3, 3], grad: false });
unaryRow('ceil', (dt, x) => dt.ceil(x), Math.ceil, { range: [-3, 3], grad: false });
unaryRow('round', (dt, x) => dt.round(x), R.roundHalfEven, {
  range: [-3, 3],
  grad: false,
  extra: [{ inputs: [{ shape: [8], values: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6] }], label: 'halves to even' }],
});
unaryRow('clip(x, -1, 1.5)', (dt, x) => dt.clip(x, -1, 1.5), (v) => Math.min(Math.max(v, -1), 1.5), { ops: ['clip'], range: [-3, 3] });
// integer unary ops stay int32; float-only ones promote to float32
unaryRow('neg[int32]', (dt, x) => dt.neg(x), (v) => -v, { ops: ['neg'], dtypes: INT, kind: 'smallint', grad: false });
unaryRow('abs[int32]', (dt, x) => dt.abs(x), Math.abs, { ops: ['abs'], dtypes: INT, kind: 'smallint', grad: false });
unaryRow('sign[int32]', (dt, x) => dt.sign(x), Math.sign, { ops: ['sign'], dtypes: INT, kind: 'smallint', grad: false });
unaryRow('exp[int32] -> float32', (dt, x) => dt.exp(x), Math.exp, { ops: ['exp'], dtypes: INT, kind: 'smallint', grad: false, out: 'float32' });
unaryRow('isNaN', (dt, x) => dt.isNaN(x), (v) => +Number.isNaN(v), {
  grad: false,
  out: 'bool',
  extra: [{ inputs: [{ shape: [2, 3], values: [1, NaN, Infinity, -Infinity, 0, -2.5] }], label: 'specials' }],
});
unaryRow('isFinite', (dt, x) => dt.isFinite(x), (v) => +Number.isFinite(v), {
  grad: false,
  out: 'bool',
  extra: [{ inputs: [{ shape: [2, 3], values: [1, NaN, Infinity, -Infinity, 0, -2.5] }], label: 'specials' }],
});

// ================================================================ activations

const gelu = (v: number): number => 0.5 * v * (1 + R.erf(v / Math.SQRT2));
const geluTanh = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const elu = (v: number, a: number): number => (v > 0 ? v : a * Math.expm1(v));
unaryRow('relu', (dt, x) => dt.relu(x), (v) => Math.max(v, 0), { kind: 'nz' });
unaryRow('relu6', (dt, x) => dt.relu6(x), (v) => Math.min(Math.max(v, 0), 6), { range: [-8, 8] });
unaryRow('leakyRelu', (dt, x) => dt.leakyRelu(x), (v) => (v > 0 ? v : 0.3 * v), { kind: 'nz' });
unaryRow('leakyRelu(x, 0.1)', (_dt, x) => x.leakyRelu(0.1), (v) => (v > 0 ? v : 0.1 * v), { ops: ['leakyRelu'], kind: 'nz' });
unaryRow('elu', (dt, x) => dt.elu(x), (v) => elu(v, 1), { kind: 'nz' });
unaryRow('elu(x, 0.5)', (dt, x) => dt.elu(x, 0.5), (v) => elu(v, 0.5), { ops: ['elu'], kind: 'nz' });
unaryRow('selu', (dt, x) => dt.selu(x), (v) => 1.0507009873554805 * elu(v, 1.6732632423543772), { kind: 'nz' });
unaryRow('gelu', (dt, x) => dt.gelu(x), gelu, { range: [-3, 3] });
unaryRow('gelu(approximate)', (dt, x) => dt.gelu(x, true), geluTanh, { ops: ['gelu'], range: [-3, 3] });
unaryRow('softplus', (dt, x) => dt.softplus(x), (v) => Math.log1p(Math.exp(v)), { range: [-5, 5], kind: 'nz', extra: [noGradS(S([], { shape: [3], values: [-40, 0, 40] }), 'extremes')] });
unaryRow('softsign', (dt, x) => dt.softsign(x), (v) => v / (1 + Math.abs(v)), { kind: 'nz' });
unaryRow('silu', (dt, x) => dt.silu(x), (v) => v * R.sigmoid(v), { ops: ['silu', 'swish'], range: [-4, 4] });
unaryRow('hardSigmoid', (dt, x) => dt.hardSigmoid(x), (v) => Math.min(Math.max((v + 3) / 6, 0), 1), { range: [-5, 5] });

// ================================================================ comparisons and logic

const CMP: [string, (a: number, b: number) => boolean][] = [
  ['equal', (a, b) => a === b],
  ['notEqual', (a, b) => a !== b],
  ['less', (a, b) => a < b],
  ['lessEqual', (a, b) => a <= b],
  ['greater', (a, b) => a > b],
  ['greaterEqual', (a, b) => a >= b],
];
for (const [name, f] of CMP) {
  binaryRow(name, (dt, a, b) => (dt[name as 'equal'])(a, b), (a, b) => +f(a, b), {
    kinds: ['smallint', 'smallint'],
    grad: false,
    dtypes: ['float32', 'float64', 'int32'],
    out: 'bool',
  });
}
unaryRow('greater(x, 0)', (_dt, x) => x.greater(0), (v) => +(v > 0), { ops: ['greater'], kind: 'smallint', grad: false, out: 'bool' });
unaryRow('equal(x, 1)', (dt, x) => dt.equal(x, 1), (v) => +(v === 1), { ops: ['equal'], kind: 'smallint', grad: false, out: 'bool', dtypes: ['float32', 'int32'] });

const LOGIC: [string, (a: boolean, b: boolean) => boolean][] = [
  ['logicalAnd', (a, b) => a && b],
  ['logicalOr', (a, b) => a || b],
  ['logicalXor', (a, b) => a !== b],
];
for (const [name, f] of LOGIC) {
  binaryRow(name, (dt, a, b) => (dt[name as 'logicalAnd'])(a, b), (a, b) => +f(a !== 0, b !== 0), {
    kinds: ['smallint', 'smallint'],
    grad: false,
    dtypes: ['bool', 'float32', 'int32'],
    out: 'bool',
  });
}
unaryRow('logicalNot', (dt, x) => dt.logicalNot(x), (v) => +(v === 0), { kind: 'smallint', grad: false, dtypes: ['bool', 'float32', 'int32'], out: 'bool' });

row({
  name: 'where',
  ops: ['where'],
  fn: (dt, c, a, b) => dt.where(c, a, b),
  ref: (c, a, b) => R.zip([c, a, b], (cc, x, y) => (cc !== 0 ? x : y)),
  samples: [
    S([], { shape: [2, 3], dtype: 'bool', kind: 'bool' }, [2, 3], [2, 3]),
    S([], { shape: [3], dtype: 'bool', kind: 'bool' }, [2, 3], []),
    S([], { shape: [2, 1], dtype: 'bool', kind: 'bool' }, [1, 3], [2, 3]),
    S([], { shape: [], dtype: 'bool', values: [1] }, [4], [4]),
    S([], { shape: [0, 2], dtype: 'bool', kind: 'bool' }, [0, 2], [2]),
    S([], { shape: [2, 3], dtype: 'int32', kind: 'smallint' }, [2, 3], [2, 3]),
  ],
  grad: true,
});
row({
  name: 'where(c, x, 0)',
  ops: ['where'],
  fn: (dt, c, a) => dt.where(c, a, 0),
  ref: (c, a) => R.zip([c, a], (cc, x) => (cc !== 0 ? x : 0)),
  samples: [S([], { shape: [2, 3], dtype: 'bool', kind: 'bool' }, [2, 3]), S([], { shape: [3, 1], dtype: 'bool', kind: 'bool' }, [4])],
  grad: true,
});

// ================================================================ reductions

interface RCfg {
  axes?: number | number[];
  keepDims: boolean;
  shapes: Shape[];
}
const R_CONFIGS: RCfg[] = [
  { axes: undefined, keepDims: false, shapes: [[2, 3, 4], [], [5], [0, 3]] },
  { axes: 0, keepDims: false, shapes: [[2, 3, 4], [4], [0, 3], [3, 0]] },
  { axes: -1, keepDims: true, shapes: [[2, 3, 4], [3, 0], [0, 3]] },
  { axes: [0, 2], keepDims: false, shapes: [[2, 3, 4]] },
  { axes: [-1, 0], keepDims: true, shapes: [[2, 3, 4], [2, 0, 2]] },
];
const axesLabel = (c: RCfg): string => `${c.axes === undefined ? 'all' : `axes=${JSON.stringify(c.axes)}`}${c.keepDims ? ',keepDims' : ''}`;
const reducesEmpty = (shape: Shape, axes: number | number[] | undefined): boolean => {
  const r = shape.length;
  const list = axes === undefined ? shape.map((_, i) => i) : (typeof axes === 'number' ? [axes] : axes).map((a) => R.normAxis(a, r));
  return list.some((a) => shape[a] === 0);
};

interface ReduceOpts {
  kind?: Kind;
  grad?: boolean;
  /** no identity: empty reductions throw (max, min) */
  noEmpty?: boolean;
  /** empty reductions give NaN: forward only */
  emptyIsNaN?: boolean;
  /** samples whose gradient is undefined (std of one element: sqrt at 0): forward only */
  noGradIf?: (shape: Shape, c: RCfg) => boolean;
  dtypes?: DType[];
  out?: OpRow['out'];
  extra?: (c: RCfg) => Sample[];
  configs?: RCfg[];
  /** appended to the row name: '[int32]', ',ddof=1' */
  suffix?: string;
}
function reduceRows(
  op: string,
  fn: (dt: Parameters<OpRow['fn']>[0], x: Tensor, axes: number | number[] | undefined, keepDims: boolean) => Tensor,
  fold: (v: number[]) => number,
  o: ReduceOpts = {},
): void {
  for (const c of o.configs ?? R_CONFIGS) {
    const shapes = c.shapes.filter((s) => !(o.noEmpty && reducesEmpty(s, c.axes)));
    row({
      name: `${op}(${axesLabel(c)}${o.suffix?.startsWith(',') ? o.suffix : ''})${o.suffix && !o.suffix.startsWith(',') ? o.suffix : ''}`,
      ops: [op],
      fn: (dt, x) => fn(dt, x, c.axes, c.keepDims),
      ref: (x) => R.reduce(x, c.axes, c.keepDims, fold),
      samples: [
        ...shapes.map((s) => {
          const sample: Sample = { inputs: [{ shape: s, kind: o.kind }] };
          if (o.emptyIsNaN && reducesEmpty(s, c.axes)) return noGradS(sample, 'empty: NaN');
          return o.noGradIf?.(s, c) ? noGradS(sample, 'gradient undefined') : sample;
        }),
        ...(o.extra?.(c) ?? []),
      ],
      grad: o.grad ?? true,
      dtypes: o.dtypes,
      out: o.out,
    });
  }
}

reduceRows('sum', (dt, x, a, k) => dt.sum(x, a, k), R.sumOf);
reduceRows('sum', (_dt, x, a, k) => x.sum(a, k), R.sumOf, { configs: [{ axes: [], keepDims: false, shapes: [[2, 3]] }] });
reduceRows('sum', (dt, x, a, k) => dt.sum(x, a, k), R.sumOf, { configs: [{ axes: 1, keepDims: false, shapes: [[2, 3]] }], kind: 'smallint', dtypes: ['int32', 'bool'], out: 'int32', grad: false, suffix: '[int32,bool]' });
reduceRows('mean', (dt, x, a, k) => dt.mean(x, a, k), R.meanOf, { emptyIsNaN: true });
reduceRows('mean', (dt, x, a, k) => dt.mean(x, a, k), R.meanOf, { configs: [{ axes: -1, keepDims: false, shapes: [[2, 3]] }], kind: 'smallint', dtypes: ['int32'], out: 'float32', grad: false, suffix: '[int32]' });
reduceRows('max', (dt, x, a, k) => dt.max(x, a, k), R.maxOf, {
  noEmpty: true,
  extra: (c) => (c.axes === -1 ? [noGradS(S(['smallint'], [4, 5]), 'ties'), noGradS(S([], { shape: [2, 2], values: [1, -Infinity, Infinity, 0] }), 'infinities')] : []),
});
reduceRows('max', (dt, x, a, k) => dt.max(x, a, k), R.maxOf, { configs: [R_CONFIGS[1]], noEmpty: true, kind: 'smallint', dtypes: ['int32'], grad: false, suffix: '[int32]' });
reduceRows('min', (dt, x, a, k) => dt.min(x, a, k), R.minOf, {
  noEmpty: true,
  extra: (c) => (c.axes === -1 ? [noGradS(S(['smallint'], [4, 5]), 'ties')] : []),
});
reduceRows('prod', (dt, x, a, k) => dt.prod(x, a, k), R.prodOf, { kind: 'nz' });
reduceRows('prod', (dt, x, a, k) => dt.prod(x, a, k), R.prodOf, { configs: [R_CONFIGS[1]], kind: 'smallint', dtypes: ['int32'], grad: false, suffix: '[int32]' });
// zeros: the gradient at a lone zero is the product of the others; with two zeros in a group it is 0
reduceRows('prod', (dt, x, a, k) => dt.prod(x, a, k), R.prodOf, {
  configs: [{ axes: -1, keepDims: false, shapes: [] }, { axes: undefined, keepDims: false, shapes: [] }],
  suffix: ',zeros',
  extra: (c) => [
    { inputs: [{ shape: [3, 3], values: [0, 1.5, -2, 0.5, 0, 0, 1.25, -0.75, 2] }] },
    { inputs: [{ shape: [4], values: [0, 0.5, 0, 3] }] },
    ...(c.axes === undefined ? [{ inputs: [{ shape: [], values: [0] }] }] : []),
  ],
});
reduceRows('variance', (dt, x, a, k) => dt.variance(x, a, k), (v) => R.varOf(v), { emptyIsNaN: true });
reduceRows('variance', (dt, x, a, k) => dt.variance(x, a, k, 1), (v) => R.varOf(v, 1), {
  configs: [{ axes: -1, keepDims: false, shapes: [[3, 4], [5]] }, { axes: undefined, keepDims: true, shapes: [[2, 3]] }],
  suffix: ',ddof=1',
});
reduceRows('std', (dt, x, a, k) => dt.std(x, a, k), (v) => Math.sqrt(R.varOf(v)), { emptyIsNaN: true, noGradIf: (s) => R.size(s) === 1 });
reduceRows('std', (_dt, x, a, k) => x.std(a, k, 1), (v) => Math.sqrt(R.varOf(v, 1)), { configs: [{ axes: 0, keepDims: true, shapes: [[4, 3]] }], suffix: ',ddof=1' });
reduceRows('logSumExp', (dt, x, a, k) => dt.logSumExp(x, a, k), R.logSumExpOf, {
  noEmpty: true,
  extra: (c) => (c.axes === -1 ? [S([], { shape: [2, 3], range: [60, 90] }), S([], { shape: [2, 3], range: [-90, -60] })] : []),
});
const anyOf = (v: number[]): number => +v.some((x) => x !== 0);
const allOf = (v: number[]): number => +v.every((x) => x !== 0);
const fracs = (c: RCfg): Sample[] => (c.axes === undefined ? [{ inputs: [{ shape: [4], values: [0.5, -0.25, 0, 0] }], label: 'fractions' }, { inputs: [{ shape: [3], values: [0.5, -0.25, NaN] }], label: 'nan is true' }] : []);
reduceRows('any', (dt, x, a, k) => dt.any(x, a, k), anyOf, { kind: 'smallint', grad: false, dtypes: ['bool', 'float32', 'int32'], out: 'bool', extra: fracs });
reduceRows('all', (dt, x, a, k) => dt.all(x, a, k), allOf, { kind: 'smallint', grad: false, dtypes: ['bool', 'float32', 'int32'], out: 'bool', extra: fracs });

const ARG_CONFIGS: { axis?: number; keepDims: boolean; shapes: Shape[] }[] = [
  { axis: undefined, keepDims: false, shapes: [[2, 3, 4], [5], []] },
  { axis: undefined, keepDims: true, shapes: [[2, 3]] },
  { axis: 0, keepDims: false, shapes: [[2, 3, 4], [5], [4, 0]] },
  { axis: -1, keepDims: true, shapes: [[2, 3, 4], [0, 3]] },
];
for (const [op, better] of [['argmax', (a: number, b: number) => a > b], ['argmin', (a: number, b: number) => a < b]] as const) {
  for (const c of ARG_CONFIGS) {
    row({
      name: `${op}(${c.axis === undefined ? 'flat' : `axis=${c.axis}`}${c.keepDims ? ',keepDims' : ''})`,
      ops: [op],
      fn: (dt, x) => (dt[op])(x, c.axis, c.keepDims),
      ref: (x) => R.argReduce(x, c.axis, c.keepDims, better),
      samples: [...c.shapes.map((s) => S(['any'], s)), S(['smallint'], [3, 5])],
      grad: false,
      dtypes: ['float32', 'float64', 'int32'],
      out: 'int32',
    });
  }
}

// ================================================================ linear algebra

row({
  name: 'matmul',
  ops: ['matmul'],
  fn: (dt, a, b) => dt.matmul(a, b),
  ref: R.matmul,
  samples: [
    S([], [2, 3], [3, 4]),
    S([], [4], [4]),
    S([], [3], [3, 2]),
    S([], [2, 3], [3]),
    S([], [2, 2, 3], [2, 3, 4]),
    S([], [2, 1, 2, 3], [3, 3, 2]),
    S([], [3], [2, 3, 4]),
    S([], [2, 2, 3], [3]),
    S([], [1, 1], [1, 5]),
    S([], [2, 0], [0, 3]),
    S([], [0, 3], [3, 2]),
  ],
  grad: true,
});
row({
  name: 'matmul[int32]',
  ops: ['matmul'],
  fn: (_dt, a, b) => a.matmul(b),
  ref: R.matmul,
  samples: [S(['smallint', 'smallint'], [2, 3], [3, 4])],
  grad: false,
  dtypes: INT,
});
row({
  name: 'dot',
  ops: ['dot'],
  fn: (dt, a, b) => dt.dot(a, b),
  ref: R.matmul,
  samples: [S([], [4], [4]), S([], [2, 3], [3, 2]), S([], [0], [0])],
  grad: true,
});
row({
  name: 'outer',
  ops: ['outer'],
  fn: (dt, a, b) => dt.outer(a, b),
  ref: (a, b) => R.build([a.shape[0], b.shape[0]], ([i, j]) => a.data[i] * b.data[j]),
  samples: [S([], [3], [4]), S([], [1], [2]), S([], [0], [3])],
  grad: true,
});

// ================================================================ softmax

const softmaxLane = (v: number[]): number[] => {
  const m = R.maxOf(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = R.sumOf(e);
  return e.map((x) => x / s);
};
const logSoftmaxLane = (v: number[]): number[] => {
  const l = R.logSumExpOf(v);
  return v.map((x) => x - l);
};
for (const [op, lane] of [['softmax', softmaxLane], ['logSoftmax', logSoftmaxLane]] as const) {
  for (const axis of [-1, 0, 1]) {
    row({
      name: `${op}(axis=${axis})`,
      ops: [op],
      fn: (dt, x) => (dt[op])(x, axis),
      ref: (x) => R.alongAxis(x, axis, lane),
      samples: [
        S([], axis === -1 ? [5] : [2, 3]),
        S([], [2, 3, 4]),
        S([], { shape: [2, 3], range: [50, 100] }),
        ...(axis === -1 ? [S([], [0, 3]), S([], [1])] : []),
      ],
      grad: true,
      // x - logSumExp(x) cancels: float32 keeps ~1 ulp of |x| (large-value samples)
      tol: op === 'logSoftmax' ? { float32: [1e-5, 1e-5] } : undefined,
    });
  }
}

row({
  name: 'sparseSoftmaxCrossEntropy',
  ops: ['sparseSoftmaxCrossEntropy'],
  fn: (dt, logits, labels) => dt.sparseSoftmaxCrossEntropy(logits, labels),
  ref: (logits, labels) => {
    const [b, c] = logits.shape;
    return R.build([b], ([i]) => {
      const lane = logits.data.slice(i * c, (i + 1) * c);
      return R.logSumExpOf(lane) - lane[labels.data[i]];
    });
  },
  samples: [
    S([], [4, 3], { shape: [4], dtype: 'int32', values: [0, 2, 1, 2] }),
    S([], [1, 5], { shape: [1], dtype: 'int32', values: [4] }),
    S([], { shape: [2, 3], range: [40, 90] }, { shape: [2], dtype: 'int32', values: [1, 0] }),
    S([], [0, 3], { shape: [0], dtype: 'int32', values: [] }),
  ],
  grad: true,
  // logSumExp(x) - x[label] cancels: float32 keeps ~1 ulp of |x| (large-value sample)
  tol: { float32: [1e-5, 2e-5] },
});

// ================================================================ normalization

for (const axis of [-1, 1]) {
  row({
    name: `moments(axis=${axis})`,
    ops: ['moments'],
    fn: (dt, x) => dt.moments(x, axis),
    ref: (x) => R.moments(x, axis),
    samples: axis === -1 ? [S([], [5, 3]), S([], [2, 3, 2, 5]), S([], [1, 4])] : [S([], [2, 3, 4]), S([], [3, 2])],
    grad: true,
  });
  // training mode: the batch's own statistics, so the gradient flows through them (the fused backward)
  row({
    name: `batchNorm(x, moments(x), gamma, beta, axis=${axis})`,
    ops: ['batchNorm', 'moments'],
    fn: (dt, x, g, b) => dt.batchNorm(x, dt.moments(x, axis), g, b, { axis }),
    ref: (x, g, b) => R.batchNorm(x, R.moments(x, axis), g, b, axis, 1e-3),
    samples: axis === -1 ? [S([], [6, 3], [3], [3]), S([], [2, 3, 3, 4], [4], [4])] : [S([], [3, 2, 4], [2], [2])],
    grad: true,
    composed: true,
  });
}
// inference mode: given statistics (moving averages), every input differentiable
row({
  name: 'batchNorm(x, stats, gamma, beta, epsilon 0.01)',
  ops: ['batchNorm'],
  fn: (dt, x, st, g, b) => dt.batchNorm(x, st, g, b, { epsilon: 0.01 }),
  ref: (x, st, g, b) => R.batchNorm(x, st, g, b, -1, 0.01),
  samples: [S(['any', 'pos'], [4, 3], [2, 3], [3], [3]), S(['any', 'pos'], [2, 2, 2, 5], [2, 5], [5], [5])],
  grad: true,
});
row({
  name: 'batchNorm(x, stats) without gamma and beta',
  ops: ['batchNorm'],
  fn: (dt, x, st) => dt.batchNorm(x, st),
  ref: (x, st) => R.batchNorm(x, st, R.nd([x.shape[x.shape.length - 1]], new Array(x.shape[x.shape.length - 1]).fill(1)), R.nd([x.shape[x.shape.length - 1]], new Array(x.shape[x.shape.length - 1]).fill(0)), -1, 1e-3),
  samples: [S(['any', 'pos'], [3, 4], [2, 4])],
  grad: true,
  composed: true,
});

// ================================================================ movement

row({
  name: 'reshape',
  ops: ['reshape'],
  fn: (dt, x) => dt.reshape(x, [-1]),
  ref: (x) => R.reshape(x, [-1]),
  samples: [S([], [2, 3, 4]), S([], []), S([], [0, 3]), S([], [5])],
  grad: true,
});
row({
  name: 'reshape([4,-1])',
  ops: ['reshape'],
  fn: (_dt, x) => x.reshape([4, -1]),
  ref: (x) => R.reshape(x, [4, -1]),
  samples: [S([], [2, 3, 4]), S([], [2, 2])],
  grad: true,
});
row({
  name: 'reshape(rank 0 <-> [1,1])',
  ops: ['reshape'],
  fn: (dt, x) => dt.reshape(dt.reshape(x, [1, 1]), []),
  ref: (x) => R.nd([], x.data),
  samples: [S([], []), S([], [1])],
  grad: true,
  composed: true,
});
row({
  name: 'transpose',
  ops: ['transpose'],
  fn: (dt, x) => dt.transpose(x),
  ref: (x) => R.transpose(x),
  samples: [S([], [2, 3]), S([], [2, 3, 4]), S([], [5]), S([], []), S([], [0, 3])],
  grad: true,
});
row({
  name: 'transpose([1,-1,0])',
  ops: ['transpose', 'permute'],
  fn: (dt, x) => dt.permute(dt.transpose(x, [1, -1, 0]), [0, 1, 2]),
  ref: (x) => R.transpose(x, [1, 2, 0]),
  samples: [S([], [2, 3, 4]), S([], [2, 0, 3])],
  grad: true,
  composed: true,
});
row({
  name: 'swapAxes',
  ops: ['swapAxes'],
  fn: (_dt, x) => x.swapAxes(),
  ref: (x) => R.swapAxes(x, -2, -1),
  samples: [S([], [2, 3]), S([], [2, 3, 4])],
  grad: true,
});
row({
  name: 'swapAxes(0,-1)',
  ops: ['swapAxes'],
  fn: (dt, x) => dt.swapAxes(x, 0, -1),
  ref: (x) => R.swapAxes(x, 0, -1),
  samples: [S([], [2, 3, 4]), S([], [4])],
  grad: true,
});

type Spec = R.RefSlice;
const SLICES: [string, Spec[], Shape[]][] = [
  ['[1:]', [{ start: 1 }], [[4, 3], [5]]],
  ['[:, -1:0:-1]', [null, { start: -1, stop: 0, step: -1 }], [[2, 4], [3, 5]]],
  ['[0]', [0], [[3, 4], [4], [2, 3, 2]]],
  ['[-1, ::2]', [-1, { step: 2 }], [[3, 5], [2, 4, 2]]],
  ['[-2:]', [{ start: -2 }], [[4, 3], [1, 3]]],
  ['[::-1]', [{ step: -1 }], [[4, 3], [5], [0, 2]]],
  ['[5:1:-2]', [{ start: 5, stop: 1, step: -2 }], [[7], [7, 2]]],
  ['[2:1] (empty)', [{ start: 2, stop: 1 }], [[4, 3]]],
  ['[:, 1:-1, ::-2]', [null, { start: 1, stop: -1 }, { step: -2 }], [[2, 4, 5]]],
  ['[-10:10] (clamped)', [{ start: -10, stop: 10 }], [[3, 2]]],
];
for (const [label, specs, shapes] of SLICES) {
  row({
    name: `slice${label}`,
    ops: ['slice'],
    fn: (dt, x) => dt.slice(x, specs),
    ref: (x) => R.slice(x, specs),
    samples: shapes.map((s) => S([], s)),
    grad: true,
  });
}
row({
  name: 'slice(tuple specs)',
  ops: ['slice'],
  fn: (_dt, x) => x.slice([[1, undefined, 2], [undefined, undefined, -1]]),
  ref: (x) => R.slice(x, [{ start: 1, step: 2 }, { step: -1 }]),
  samples: [S([], [5, 3])],
  grad: true,
});
row({
  name: 'narrow(-1, 1, 2)',
  ops: ['narrow'],
  fn: (dt, x) => dt.narrow(x, -1, 1, 2),
  ref: (x) => R.slice(x, [...x.shape.slice(0, -1).map(() => null), { start: 1, stop: 3 }]),
  samples: [S([], [2, 4]), S([], [3]), S([], [0, 3])],
  grad: true,
});
row({
  name: 'narrow(0, 0, 1)',
  ops: ['narrow'],
  fn: (_dt, x) => x.narrow(0, 0, 1),
  ref: (x) => R.slice(x, [{ start: 0, stop: 1 }]),
  samples: [S([], [3, 2]), S([], [1])],
  grad: true,
});
for (const [target, shapes] of [
  [[2, 3], [[3], [1, 3], [2, 1], [], [2, 3]]],
  [[4, 2, 3], [[2, 1], [1, 2, 3], [3]]],
  [[2, 0], [[1, 1], [0]]],
] as [Shape, Shape[]][]) {
  row({
    name: `broadcastTo(${JSON.stringify(target)})`,
    ops: ['broadcastTo', 'expand'],
    fn: (dt, x) => (target[0] === 4 ? x.expand(target) : dt.broadcastTo(x, target)),
    ref: (x) => R.broadcastTo(x, target),
    samples: shapes.map((s) => S([], s)),
    grad: true,
  });
}
row({
  name: 'squeeze',
  ops: ['squeeze'],
  fn: (dt, x) => dt.squeeze(x),
  ref: (x) => R.squeeze(x),
  samples: [S([], [1, 3, 1]), S([], [1]), S([], [2, 3]), S([], [1, 0, 1])],
  grad: true,
});
row({
  name: 'squeeze(-1)',
  ops: ['squeeze'],
  fn: (_dt, x) => x.squeeze(-1),
  ref: (x) => R.squeeze(x, [-1]),
  samples: [S([], [1, 3, 1]), S([], [2, 1])],
  grad: true,
});
row({
  name: 'squeeze([0,2])',
  ops: ['squeeze'],
  fn: (dt, x) => dt.squeeze(x, [0, 2]),
  ref: (x) => R.squeeze(x, [0, 2]),
  samples: [S([], [1, 3, 1])],
  grad: true,
});
for (const axis of [0, -1, 1]) {
  row({
    name: `unsqueeze(${axis})`,
    ops: ['unsqueeze', 'expandDims'],
    fn: (dt, x) => (axis === 1 ? dt.expandDims(x, axis) : dt.unsqueeze(x, axis)),
    ref: (x) => R.unsqueeze(x, axis),
    samples: [S([], [2, 3]), S([], [4]), ...(axis !== 1 ? [S([], [])] : []), S([], [0, 2])],
    grad: true,
  });
}
for (const [s, e] of [[0, -1], [1, -1], [0, 1], [-2, -2]] as const) {
  row({
    name: `flatten(${s},${e})`,
    ops: ['flatten'],
    fn: (dt, x) => dt.flatten(x, s, e),
    ref: (x) => R.flatten(x, s, e),
    samples: [S([], [2, 3, 4]), S([], [2, 0, 3]), ...(s === 0 && e === -1 ? [S([], []), S([], [5])] : [])],
    grad: true,
  });
}
row({
  name: 'concat(axis=0)',
  ops: ['concat'],
  fn: (dt, a, b, c) => dt.concat([a, b, c], 0),
  ref: (a, b, c) => R.concat([a, b, c], 0),
  samples: [S([], [2, 3], [1, 3], [0, 3]), S([], [2], [3], [1])],
  grad: true,
});
row({
  name: 'concat(axis=-1)',
  ops: ['concat'],
  fn: (dt, a, b) => dt.concat([a, b], -1),
  ref: (a, b) => R.concat([a, b], -1),
  samples: [S([], [2, 3], [2, 2]), S([], [2, 2, 1], [2, 2, 3]), S([], [0, 1], [0, 2])],
  grad: true,
});
row({
  name: 'concat(one tensor)',
  ops: ['concat'],
  fn: (dt, a) => dt.concat([a], 1),
  ref: (a) => R.concat([a], 1),
  samples: [S([], [2, 3])],
  grad: true,
});
for (const axis of [0, -1, 1]) {
  row({
    name: `stack(axis=${axis})`,
    ops: ['stack'],
    fn: (dt, a, b) => dt.stack([a, b], axis),
    ref: (a, b) => R.stack([a, b], axis),
    samples: [S([], [2, 3], [2, 3]), S([], [3], [3]), ...(axis !== 1 ? [S([], [], [])] : []), S([], [0, 2], [0, 2])],
    grad: true,
  });
}
row({
  name: 'split(2, axis=-1)',
  ops: ['split'],
  fn: (dt, x) => dt.split(x, 2, -1),
  ref: (x) => R.split(x, 2, -1),
  samples: [S([], [3, 4]), S([], [2]), S([], [0, 2])],
  grad: true,
});
row({
  name: 'split([1,0,2], axis=0)',
  ops: ['split'],
  fn: (_dt, x) => x.split([1, 0, 2], 0),
  ref: (x) => R.split(x, [1, 0, 2], 0),
  samples: [S([], [3, 2]), S([], [3])],
  grad: true,
});
row({
  name: 'pad(zero)',
  ops: ['pad'],
  fn: (dt, x) => dt.pad(x, [[1, 2], [0, 1]]),
  ref: (x) => R.pad(x, [[1, 2], [0, 1]]),
  samples: [S([], [2, 3]), S([], [0, 2]), S([], [2, 0])],
  grad: true,
});
row({
  name: 'pad(value=1.5)',
  ops: ['pad'],
  fn: (dt, x) => dt.pad(x, [[2, 0]], 1.5),
  ref: (x) => R.pad(x, [[2, 0]], 1.5),
  samples: [S([], [3]), S([], [2, 2]), S([], [0])],
  grad: true,
});
row({
  name: 'pad(value=-1, rank 3)',
  ops: ['pad'],
  fn: (_dt, x) => x.pad([[0, 0], [1, 1], [2, 1]], -1),
  ref: (x) => R.pad(x, [[0, 0], [1, 1], [2, 1]], -1),
  samples: [S([], [2, 2, 3])],
  grad: true,
});
row({
  name: 'gather(axis=0)',
  ops: ['gather'],
  fn: (dt, x, i) => dt.gather(x, i, 0),
  ref: (x, i) => R.gather(x, i, 0),
  samples: [
    S([], [4, 3], { shape: [5], dtype: 'int32', values: [2, 0, -1, 0, 3] }),
    S([], [4], { shape: [2, 2], dtype: 'int32', values: [1, -4, 3, 1] }),
    S([], [3, 2], { shape: [], dtype: 'int32', values: [-2] }),
    S([], [3, 2], { shape: [0], dtype: 'int32', values: [] }),
  ],
  grad: true,
});
row({
  name: 'take(axis=-1)',
  ops: ['take', 'gather'],
  fn: (dt, x, i) => dt.take(x, i, -1),
  ref: (x, i) => R.gather(x, i, -1),
  samples: [
    S([], [2, 4], { shape: [2, 2], dtype: 'int32', values: [0, -1, 1, 1] }),
    S([], [2, 3, 3], { shape: [4], dtype: 'int32', values: [2, 2, -3, 0] }),
  ],
  grad: true,
});
row({
  name: 'gather(JS index array)',
  ops: ['gather'],
  fn: (_dt, x) => x.gather([1, -1, 1], 1),
  ref: (x) => R.gather(x, R.nd([3], [1, -1, 1]), 1),
  samples: [S([], [2, 3])],
  grad: true,
});
for (const [reps, shapes] of [
  [[2, 1], [[2, 3], [1, 1]]],
  [[1, 3], [[2, 2], [0, 2]]],
  [[2, 2, 1], [[1, 2, 3]]],
  [[3], [[2], []]],
] as [number[], Shape[]][]) {
  row({
    name: `tile(${JSON.stringify(reps)})`,
    ops: ['tile'],
    fn: (dt, x) => dt.tile(x, reps.slice(0, x.rank)),
    ref: (x) => R.tile(x, reps.slice(0, x.shape.length)),
    samples: shapes.map((s) => S([], s)),
    grad: true,
  });
}

row({
  name: 'cast(float -> int32)',
  ops: ['cast'],
  fn: (dt, x) => dt.cast(x, 'int32'),
  ref: (x) => R.map(x, Math.trunc),
  samples: [S([], [2, 3]), S([], { shape: [6], values: [2.9, -2.9, 0.5, -0.5, 7, -0] }), S([], [])],
  grad: false,
  out: 'int32',
});
row({
  name: 'cast(float -> bool)',
  ops: ['cast'],
  fn: (_dt, x) => x.cast('bool'),
  ref: (x) => R.map(x, (v) => +(v !== 0)),
  samples: [S(['smallint'], [2, 3]), S([], { shape: [3], values: [0.25, -0, NaN] })],
  grad: false,
  out: 'bool',
});
row({
  name: 'cast(int32|bool -> float32)',
  ops: ['cast'],
  fn: (dt, x) => dt.cast(x, 'float32'),
  ref: (x) => x,
  samples: [S(['smallint'], [2, 3]), S(['smallint'], [0])],
  grad: false,
  dtypes: ['int32', 'bool'],
  out: 'float32',
});
row({
  name: 'cast(-> float64)',
  ops: ['cast'],
  fn: (dt, x) => dt.cast(x, 'float64'),
  ref: (x) => x,
  samples: [S([], [2, 3]), S([], [])],
  grad: true,
  out: 'float64',
});
row({
  name: 'cast(float64 -> float32)',
  ops: ['cast'],
  fn: (dt, x) => dt.cast(x, 'float32'),
  ref: (x) => R.map(x, Math.fround),
  samples: [S([], { shape: [3], values: [0.1, 1 / 3, 1e-3] })],
  grad: false,
  dtypes: ['float64'],
  out: 'float32',
});
row({
  name: 'clone',
  ops: ['clone'],
  fn: (dt, x) => dt.clone(x),
  ref: (x) => x,
  samples: [S([], [2, 3]), S([], []), S([], [0, 2])],
  grad: true,
  dtypes: ['float32', 'float64', 'int32', 'bool'],
});
row({
  name: 'contiguous',
  ops: ['contiguous'],
  fn: (_dt, x) => x.contiguous(),
  ref: (x) => x,
  samples: [S([], [2, 3]), S([], [3])],
  grad: true,
});

// ================================================================ composites across categories

row({
  name: 'mlp step (matmul + bias + relu + logSoftmax + mean)',
  ops: ['matmul', 'add', 'relu', 'logSoftmax', 'mean', 'gather'],
  fn: (dt, x, w, b) => dt.neg(dt.mean(dt.logSoftmax(dt.relu(dt.add(dt.matmul(x, w), b)), -1))),
  ref: (x, w, b) => {
    const h = R.map(R.zip2(R.matmul(x, w), b, (u, v) => u + v), (v) => Math.max(v, 0));
    const ls = R.alongAxis(h, -1, logSoftmaxLane);
    return R.scalarNd(-R.meanOf(ls.data));
  },
  samples: [S(['nz', 'nz', 'nz'], [3, 4], [4, 5], [5])],
  grad: true,
  composed: true,
});

// ================================================================ convolution and pooling (NHWC unless said)

type Pad = 'valid' | 'same' | number | [number, number] | [[number, number], [number, number]];
/** Pads [top, bottom, left, right] of a padding spec for spatial size [h, w] (TensorFlow's 'same' rule). */
function padsOf(padding: Pad, size: [number, number], k: [number, number], s: [number, number], d: [number, number] = [1, 1]): R.Pads4 {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') return [...R.samePadding(size[0], k[0], s[0], d[0]), ...R.samePadding(size[1], k[1], s[1], d[1])];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (typeof padding[0] === 'number') return [padding[0], padding[0], padding[1] as number, padding[1] as number];
  const [[t, b], [l, r]] = padding as [[number, number], [number, number]];
  return [t, b, l, r];
}
const hw = (x: Nd): [number, number] => [x.shape[1], x.shape[2]];
const CONV_TOL: OpRow['tol'] = { float32: [1e-5, 1e-5] };

interface ConvCase {
  label: string;
  strides?: [number, number];
  dilations?: [number, number];
  padding: Pad;
  groups?: number;
  shapes: [Shape, Shape][];
}
const CONV_CASES: ConvCase[] = [
  { label: 'valid', padding: 'valid', shapes: [[[1, 5, 5, 2], [3, 3, 2, 3]], [[2, 4, 6, 3], [2, 3, 3, 2]], [[1, 3, 3, 1], [3, 3, 1, 1]], [[0, 4, 4, 2], [3, 3, 2, 2]]] },
  { label: 'same, strides 2', padding: 'same', strides: [2, 2], shapes: [[[1, 6, 5, 2], [3, 3, 2, 2]], [[1, 5, 4, 1], [2, 2, 1, 2]]] },
  { label: 'same, 2x2 kernel', padding: 'same', shapes: [[[1, 4, 5, 2], [2, 2, 2, 2]]] },
  { label: 'dilations 2, padding 1', padding: 1, dilations: [2, 2], shapes: [[[1, 6, 6, 1], [2, 2, 1, 2]], [[1, 7, 5, 2], [3, 2, 2, 1]]] },
  { label: 'explicit pads, strides [2,1]', padding: [[1, 0], [0, 2]], strides: [2, 1], shapes: [[[1, 5, 4, 2], [3, 3, 2, 2]]] },
  // channel counts with SIMD bodies and tails, output channels past the GEMM micro-kernel's 8 columns
  { label: 'same, SIMD channels', padding: 'same', shapes: [[[2, 6, 5, 5], [3, 3, 5, 9]]] },
  { label: 'valid, strides 2, SIMD channels', padding: 'valid', strides: [2, 2], shapes: [[[2, 7, 6, 4], [3, 2, 4, 10]]] },
  // 3x3 stride 1 with >= 8 channels both ways: the wasm backend's Winograd path (forward and input gradient), odd sizes
  { label: 'Winograd shapes', padding: 'same', shapes: [[[2, 7, 6, 9], [3, 3, 9, 10]], [[1, 5, 7, 8], [3, 3, 8, 8]]] },
  { label: 'groups 2', padding: [1, 0], groups: 2, shapes: [[[1, 4, 4, 4], [3, 3, 2, 4]], [[2, 3, 3, 2], [1, 1, 1, 2]]] },
];
for (const c of CONV_CASES) {
  const opts = { strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups };
  row({
    name: `conv2d(${c.label})`,
    ops: ['conv2d'],
    fn: (_dt, x, w) => conv.conv2d(x, w, opts),
    ref: (x, w) => R.conv2d(x, w, { strides: c.strides, dilations: c.dilations, groups: c.groups, pads: padsOf(c.padding, hw(x), [w.shape[0], w.shape[1]], c.strides ?? [1, 1], c.dilations) }),
    samples: c.shapes.map(([x, w]) => S([], x, w)),
    grad: true,
    tol: CONV_TOL,
  });
}
row({
  name: 'conv2d(channelsFirst, same)',
  ops: ['conv2d'],
  fn: (_dt, x, w) => conv.conv2d(x, w, { padding: 'same', dataFormat: 'channelsFirst' }),
  ref: (x, w) => {
    const t = R.nchwToNhwc(x);
    return R.nhwcToNchw(R.conv2d(t, w, { pads: padsOf('same', hw(t), [w.shape[0], w.shape[1]], [1, 1]) }));
  },
  samples: [S([], [1, 2, 5, 4], [3, 3, 2, 3])],
  grad: true,
  tol: CONV_TOL,
});

interface TransposeCase {
  label: string;
  options: conv.Conv2DTransposeOptions;
  /** the reference's crop [top, left] and output size for input spatial size [h, w] and kernel [kh, kw] */
  geometry: (h: number, w: number, kh: number, kw: number) => { crop: [number, number]; size: [number, number] };
  shapes: [Shape, Shape][];
}
const TRANSPOSE_CASES: TransposeCase[] = [
  // Keras 'valid': length (in - 1) * stride + max(k, stride), nothing cropped
  { label: 'valid, strides 2', options: { strides: 2, padding: 'valid' }, geometry: (h, w, kh, kw) => ({ crop: [0, 0], size: [(h - 1) * 2 + Math.max(kh, 2), (w - 1) * 2 + Math.max(kw, 2)] }), shapes: [[[1, 3, 3, 2], [3, 3, 4, 2]], [[2, 2, 3, 1], [1, 1, 2, 1]]] },
  // 'same': the adjoint of a 'same' conv2d whose input is in * stride (TensorFlow's rule; odd kernels)
  {
    label: 'same, strides 2',
    options: { strides: 2, padding: 'same' },
    geometry: (h, w, kh, kw) => ({ crop: [R.samePadding(2 * h, kh, 2)[0], R.samePadding(2 * w, kw, 2)[0]], size: [2 * h, 2 * w] }),
    shapes: [[[1, 3, 3, 2], [3, 3, 2, 2]], [[1, 2, 3, 1], [5, 3, 2, 1]]],
  },
  { label: 'same, strides 1', options: { padding: 'same' }, geometry: (h, w, kh, kw) => ({ crop: [(kh - 1) / 2, (kw - 1) / 2], size: [h, w] }), shapes: [[[1, 4, 3, 2], [3, 3, 3, 2]]] },
  // PyTorch-style numbers: p cropped from both sides, outputPadding added at the end
  { label: 'padding 1, outputPadding 1, strides 2', options: { strides: 2, padding: 1, outputPadding: 1 }, geometry: (h, w, kh, kw) => ({ crop: [1, 1], size: [(h - 1) * 2 + kh - 2 + 1, (w - 1) * 2 + kw - 2 + 1] }), shapes: [[[1, 3, 2, 2], [3, 3, 2, 2]]] },
  { label: 'outputShape [5,5]', options: { strides: 2, padding: 'same', outputShape: [5, 5] }, geometry: (_h, _w, kh, kw) => ({ crop: [R.samePadding(5, kh, 2)[0], R.samePadding(5, kw, 2)[0]], size: [5, 5] }), shapes: [[[1, 3, 3, 2], [3, 3, 2, 2]]] },
  { label: 'dilations 2', options: { dilations: 2, padding: 'valid' }, geometry: (h, w, kh, kw) => ({ crop: [0, 0], size: [h - 1 + 2 * (kh - 1) + 1, w - 1 + 2 * (kw - 1) + 1] }), shapes: [[[1, 3, 2, 1], [2, 2, 2, 1]]] },
];
for (const c of TRANSPOSE_CASES) {
  row({
    name: `conv2dTranspose(${c.label})`,
    ops: ['conv2dTranspose'],
    fn: (_dt, x, w) => conv.conv2dTranspose(x, w, c.options),
    ref: (x, w) => {
      const strides = typeof c.options.strides === 'number' ? ([c.options.strides, c.options.strides] as [number, number]) : undefined;
      const dilations = typeof c.options.dilations === 'number' ? ([c.options.dilations, c.options.dilations] as [number, number]) : undefined;
      return R.conv2dTranspose(x, w, { strides, dilations, ...c.geometry(x.shape[1], x.shape[2], w.shape[0], w.shape[1]) });
    },
    samples: c.shapes.map(([x, w]) => S([], x, w)),
    grad: true,
    tol: CONV_TOL,
  });
}
row({
  name: 'depthwiseConv2d(same)',
  ops: ['depthwiseConv2d'],
  fn: (_dt, x, w) => conv.depthwiseConv2d(x, w, { padding: 'same' }),
  ref: (x, w) => R.depthwiseConv2d(x, w, { pads: padsOf('same', hw(x), [w.shape[0], w.shape[1]], [1, 1]) }),
  samples: [S([], [1, 5, 5, 2], [3, 3, 2, 2]), S([], [2, 4, 3, 3], [2, 2, 3, 1])],
  grad: true,
  tol: CONV_TOL,
});
row({
  name: 'depthwiseConv2d(valid, strides 2)',
  ops: ['depthwiseConv2d'],
  fn: (_dt, x, w) => conv.depthwiseConv2d(x, w, { strides: 2 }),
  ref: (x, w) => R.depthwiseConv2d(x, w, { strides: [2, 2] }),
  samples: [S([], [1, 5, 6, 2], [3, 3, 2, 3])],
  grad: true,
  tol: CONV_TOL,
});
row({
  name: 'separableConv2d',
  ops: ['separableConv2d'],
  fn: (_dt, x, d, p) => conv.separableConv2d(x, d, p, { padding: 'same' }),
  ref: (x, d, p) => R.conv2d(R.depthwiseConv2d(x, d, { pads: padsOf('same', hw(x), [d.shape[0], d.shape[1]], [1, 1]) }), p),
  samples: [S([], [1, 4, 4, 2], [3, 3, 2, 2], [1, 1, 4, 3])],
  grad: true,
  tol: CONV_TOL,
});

interface PoolCase {
  label: string;
  options: conv.Pool2DOptions;
  ref: (x: Nd) => { poolSize: [number, number]; strides?: [number, number]; pads?: R.Pads4 };
  shapes: Shape[];
}
const POOL_CASES: PoolCase[] = [
  { label: 'default 2x2', options: {}, ref: () => ({ poolSize: [2, 2] }), shapes: [[2, 4, 6, 3], [1, 5, 5, 2], [0, 2, 2, 1], [1, 4, 4, 8]] },
  // channel counts of 5 and 6: the wasm kernels' 4-channel SIMD blocks plus a scalar tail
  { label: '3x3, strides 2, same', options: { poolSize: 3, strides: 2, padding: 'same' }, ref: (x) => ({ poolSize: [3, 3], strides: [2, 2], pads: padsOf('same', hw(x), [3, 3], [2, 2]) }), shapes: [[1, 5, 6, 2], [1, 4, 4, 1], [1, 5, 6, 5]] },
  { label: '[3,2], strides 1, padding 1', options: { poolSize: [3, 2], strides: 1, padding: 1 }, ref: () => ({ poolSize: [3, 2], strides: [1, 1], pads: [1, 1, 1, 1] }), shapes: [[1, 4, 3, 2], [2, 4, 3, 6]] },
  { label: '[2,3], strides [1,2], padding [0,1,1,0]', options: { poolSize: [2, 3], strides: [1, 2], padding: [[0, 1], [1, 0]] }, ref: () => ({ poolSize: [2, 3], strides: [1, 2], pads: [0, 1, 1, 0] }), shapes: [[1, 3, 5, 4]] },
];
for (const kind of ['max', 'avg'] as const) {
  for (const c of POOL_CASES) {
    row({
      name: `${kind}Pool2d(${c.label})`,
      ops: [`${kind}Pool2d`],
      fn: (_dt, x) => (kind === 'max' ? conv.maxPool2d : conv.avgPool2d)(x, c.options),
      ref: (x) => R.pool2d(x, kind, c.ref(x)),
      samples: c.shapes.map((s) => S([], s)),
      grad: true,
      tol: CONV_TOL,
    });
  }
  row({
    name: `${kind}Pool2d(channelsFirst)`,
    ops: [`${kind}Pool2d`],
    fn: (_dt, x) => (kind === 'max' ? conv.maxPool2d : conv.avgPool2d)(x, { dataFormat: 'channelsFirst' }),
    ref: (x) => R.nhwcToNchw(R.pool2d(R.nchwToNhwc(x), kind, { poolSize: [2, 2] })),
    samples: [S([], [1, 2, 4, 4])],
    grad: true,
  });
}

// one tensor feeding several inputs of an op: the gradient contributions must add up
row({
  name: 'matmul(x, x)',
  ops: ['matmul'],
  fn: (dt, x) => dt.matmul(x, x),
  ref: (x) => R.matmul(x, x),
  samples: [S([], [3, 3]), S([], [2, 2, 2])],
  grad: true,
});
row({
  name: 'x / transpose(x)',
  ops: ['div', 'transpose'],
  fn: (_dt, x) => x.div(x.transpose()),
  ref: (x) => R.zip2(x, R.transpose(x), (a, b) => a / b),
  samples: [S(['nz'], [3, 3])],
  grad: true,
  composed: true,
});
row({
  name: 'concat([x, x, x[::-1]])',
  ops: ['concat', 'slice'],
  fn: (dt, x) => dt.concat([x, x, x.slice([{ step: -1 }])], -1),
  ref: (x) => R.concat([x, x, R.slice(x, [{ step: -1 }])], -1),
  samples: [S([], [3, 2])],
  grad: true,
  composed: true,
});

export const opTable: OpRow[] = rows;

/** Functions of the op modules (src/ops/*) that are not tensor ops: the coverage test skips them. */
export const NON_OP_EXPORTS = new Set(['isTensor']);

export type { Nd };
