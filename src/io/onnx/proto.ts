/**
 * ONNX messages as plain objects and their protobuf encoding. Field numbers from onnx/onnx.proto (IR version 10):
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto(.Tensor),
 * TensorShapeProto(.Dimension), OperatorSetIdProto.
 */
import { ProtoWriter, float32Bytes, int64Bytes } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

export type OnnxAttr =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'ints'; value: number[] }
  | { name: string; kind: 'floats'; value: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes: OnnxAttr[];
}

export interface OnnxTensor {
  name: string;
  dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  dims: number[];
  /** float32 data, or int64 values as numbers */
  data: Float32Array | number[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** a number for a fixed dimension, a string for a named symbolic one (the batch) */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function encodeAttr(a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name).int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float': return w.float(2, a.value);
    case 'int': return w.int(3, a.value);
    case 'string': return w.string(4, a.value);
    case 'floats': return w.packedFloats(7, a.value);
    case 'ints': return w.packedInts(8, a.value);
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) w.message(5, encodeAttr(a));
  return w;
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
export function encodeTensor(t: OnnxTensor): ProtoWriter {
  const raw = t.dataType === ONNX_FLOAT ? float32Bytes(t.data) : int64Bytes(t.data as number[]);
  const w = new ProtoWriter(raw.length + 64);
  w.packedInts(1, t.dims).int(2, t.dataType).string(8, t.name).bytes(9, raw);
  return w;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter(1024);
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

/** The serialized ModelProto. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter(1024);
  w.int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opsetVersion));
  return w.finish();
}
