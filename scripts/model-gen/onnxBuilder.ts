/**
 * A minimal ONNX graph builder over onnx-proto: initializers, nodes with attributes,
 * typed graph inputs/outputs with symbolic dims, serialized to ModelProto bytes.
 *
 * Only what the test-model generator needs; node and tensor names follow the
 * "/scope/OpType_n" style of PyTorch's exporter so graphs are readable in Netron.
 */
import { endianness } from 'node:os';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX opset of the default domain: 17 is the first with a native LayerNormalization. */
export const OPSET_VERSION = 17;
/** IR version 8 is what opset 17 exporters write and what every ORT >= 1.10 reads. */
export const IR_VERSION = 8;

export type ElemType = 'float32' | 'float16' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';

/** TensorProto.DataType codes. */
const ELEM_TYPE_CODE: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};

export function elemTypeCode(type: ElemType): number {
  return ELEM_TYPE_CODE[type];
}

/** float16 tensors are given as their IEEE half bit patterns (Uint16Array). */
export type TensorValues = Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

export interface TensorData {
  type: Exclude<ElemType, 'bool'>;
  dims: number[];
  data: TensorValues;
}

/** A dimension: a fixed size, or a symbolic name such as 'batch' or 'sequence'. */
export type Dim = number | string;

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'string'; value: string };

/** Attribute constructors; ONNX distinguishes int from float, which a JS number cannot. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
};

export type Attributes = Record<string, AttrValue>;

function toAttributeProto(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (value.kind) {
    case 'int':
      return { name, type: T.INT, i: value.value };
    case 'float':
      return { name, type: T.FLOAT, f: value.value };
    case 'ints':
      return { name, type: T.INTS, ints: value.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(value.value) };
  }
}

/** IEEE half-precision bits of a number: round to nearest even; beyond ±65504 saturated (not infinity). */
export function float16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65504) return sign | 0x7bff;
  const roundEven = (x: number) => {
    const floor = Math.floor(x);
    const rest = x - floor;
    return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  };
  if (magnitude < 2 ** -14) return sign | roundEven(magnitude / 2 ** -24); // subnormal (the largest rounds into the first normal)
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  let mantissa = roundEven((magnitude / 2 ** exponent - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    exponent++;
  }
  if (exponent > 15) return sign | 0x7bff;
  return sign | ((exponent + 15) << 10) | mantissa;
}

function expectedLength(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function rawBytes(values: TensorValues): Uint8Array {
  // ONNX raw_data is little-endian; a view of the typed array is only valid on LE hosts.
  if (endianness() !== 'LE') throw new Error('onnxBuilder: big-endian hosts are not supported');
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function valueInfo(name: string, type: ElemType, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE_CODE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly usedNames = new Set<string>();
  private readonly opCounters = new Map<string, number>();
  /** Operator domains other than ONNX's own that nodes use (e.g. com.microsoft), each imported at version 1. */
  private readonly domains = new Set<string>();
  private scopeStack: string[] = [];

  constructor(private readonly graphName: string) {}

  /** Runs `body` with node names prefixed by `/.../name`, like torch module scopes. */
  scoped<T>(name: string, body: () => T): T {
    this.scopeStack.push(name);
    try {
      return body();
    } finally {
      this.scopeStack.pop();
    }
  }

  private scopePrefix(): string {
    return this.scopeStack.length === 0 ? '' : `/${this.scopeStack.join('/')}`;
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`onnxBuilder: duplicate name ${name}`);
    this.usedNames.add(name);
    return name;
  }

  /** A fresh node name in the current scope: "/scope/MatMul", then "/scope/MatMul_1", ... */
  private nodeName(opType: string): string {
    const base = `${this.scopePrefix()}/${opType}`;
    for (;;) {
      const n = this.opCounters.get(base) ?? 0;
      this.opCounters.set(base, n + 1);
      const candidate = n === 0 ? base : `${base}_${n}`;
      if (!this.usedNames.has(candidate)) return this.claim(candidate);
    }
  }

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares `name` (already produced by a node) as a graph output. */
  output(name: string, type: ElemType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(name: string, tensor: TensorData): string {
    if (tensor.data.length !== expectedLength(tensor.dims)) {
      throw new Error(`onnxBuilder: ${name} has ${tensor.data.length} values for dims [${tensor.dims}]`);
    }
    this.initializers.push({
      name: this.claim(name),
      dims: tensor.dims,
      dataType: ELEM_TYPE_CODE[tensor.type],
      rawData: rawBytes(tensor.data),
    });
    return name;
  }

  /** A constant initializer named after the current scope, for small literals. */
  constant(tensor: TensorData, hint = 'Constant'): string {
    let name = `${this.scopePrefix()}/${hint}_output_0`;
    for (let i = 1; this.usedNames.has(name); i++) name = `${this.scopePrefix()}/${hint}_${i}_output_0`;
    return this.initializer(name, tensor);
  }

  constFloat(values: number | number[], dims?: number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.constant({ type: 'float32', dims: dims ?? (typeof values === 'number' ? [] : [list.length]), data: Float32Array.from(list) });
  }

  constInt64(values: number | number[], dims?: number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.constant({
      type: 'int64',
      dims: dims ?? (typeof values === 'number' ? [] : [list.length]),
      data: BigInt64Array.from(list, (v) => BigInt(v)),
    });
  }

  /**
   * Adds a node and returns its output names: `outputs` is either how many outputs to
   * name automatically or the explicit names (e.g. the graph output 'logits'; '' for an
   * optional output left out). `domain` is an operator set such as ONNX Runtime's com.microsoft.
   */
  node(opType: string, inputs: string[], attributes: Attributes = {}, outputs: number | string[] = 1, domain = ''): string[] {
    const name = this.nodeName(opType);
    const outputNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.claim(`${name}_output_${i}`))
        : outputs.map((o) => (o === '' ? o : this.claim(o)));
    if (domain !== '') this.domains.add(domain);
    this.nodes.push({
      name,
      opType,
      domain: domain === '' ? undefined : domain,
      input: inputs,
      output: outputNames,
      attribute: Object.entries(attributes).map(([key, value]) => toAttributeProto(key, value)),
    });
    return outputNames;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: string[], attributes: Attributes = {}, outputName?: string): string {
    const [out] = this.node(opType, inputs, attributes, outputName === undefined ? 1 : [outputName]);
    return out;
  }

  /**
   * Makes the graph what an fp16 export is: float32 initializers, graph inputs and outputs and
   * Cast targets become float16 (values rounded to nearest, magnitudes past 65504 saturated, as a
   * "most negative" mask value must stay finite), except in the scope `float32Scope`, which keeps
   * computing in float32 (transformers forces it for the rotary tables) and whose float results
   * are cast to float16 where the rest of the graph reads them.
   */
  convertToFloat16(float32Scope?: string): void {
    const FLOAT = ELEM_TYPE_CODE.float32;
    const HALF = ELEM_TYPE_CODE.float16;
    const inScope = (name: string | null | undefined) => float32Scope !== undefined && (name ?? '').startsWith(`/${float32Scope}/`);
    for (const tensor of this.initializers) {
      if (tensor.dataType !== FLOAT || inScope(tensor.name)) continue;
      const raw = tensor.rawData as Uint8Array;
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      tensor.rawData = rawBytes(Uint16Array.from(values, float16Bits));
      tensor.dataType = HALF;
    }
    for (const info of [...this.inputs, ...this.outputs]) {
      if (info.type?.tensorType?.elemType === FLOAT) info.type.tensorType.elemType = HALF;
    }
    const castTarget = (node: OnnxTypes.INodeProto) => (node.opType === 'Cast' ? node.attribute?.find((a) => a.name === 'to') : undefined);
    const scoped = new Set(this.nodes.filter((node) => inScope(node.name)).flatMap((node) => node.output ?? []));
    const converted: OnnxTypes.INodeProto[] = [];
    for (const node of this.nodes) {
      if (inScope(node.name)) {
        converted.push(node);
        for (const output of node.output ?? []) {
          const readOutside = this.nodes.some((other) => !inScope(other.name) && (other.input ?? []).includes(output));
          if (readOutside) converted.push({ name: this.claim(`${output}/to_float16`), opType: 'Cast', input: [output], output: [this.claim(`${output}_float16`)], attribute: [toAttributeProto('to', attr.int(HALF))] });
        }
        continue;
      }
      const target = castTarget(node);
      if (target && Number(target.i) === FLOAT) target.i = HALF;
      node.input = (node.input ?? []).map((input) => (scoped.has(input) ? `${input}_float16` : input));
      converted.push(node);
    }
    this.nodes.splice(0, this.nodes.length, ...converted);
  }

  toModelProto(docString = ''): OnnxTypes.IModelProto {
    return {
      irVersion: IR_VERSION,
      producerName: 'crossrank-model-gen',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: OPSET_VERSION }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  encode(docString = ''): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.toModelProto(docString))).finish();
  }

  /** The bytes of all initializers' data, as the graph now holds them. */
  get initializerBytes(): number {
    return this.initializers.reduce((sum, tensor) => sum + (tensor.rawData?.length ?? 0), 0);
  }

  /**
   * The model with every initializer of `minBytes` or more stored in `dataFile` beside it, as
   * Optimum and onnx-community ship models whose weights pass protobuf's 2 GB limit
   * (`model.onnx` + `model.onnx_data`): the graph keeps location/offset/length references, and
   * `data` is the file's contents in order (chunks, so that no 2 GB buffer is ever made).
   */
  encodeWithExternalData(dataFile: string, docString = '', minBytes = 1024): { model: Uint8Array; data: Uint8Array[] } {
    const data: Uint8Array[] = [];
    let offset = 0;
    const initializer = this.initializers.map((tensor) => {
      const raw = tensor.rawData as Uint8Array;
      if (raw.byteLength < minBytes) return tensor;
      const entry: OnnxTypes.ITensorProto = {
        ...tensor,
        rawData: null,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: dataFile },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(raw.byteLength) },
        ],
      };
      data.push(raw);
      offset += raw.byteLength;
      return entry;
    });
    const proto = this.toModelProto(docString);
    const model = onnx.ModelProto.encode(onnx.ModelProto.create({ ...proto, graph: { ...proto.graph, initializer } })).finish();
    return { model, data };
  }
}
