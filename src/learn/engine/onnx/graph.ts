/**
 * A small, readable ONNX graph builder over the `onnx-proto` protobuf definitions: declare inputs,
 * add nodes (each returns the name of its output), add constants, declare outputs, serialise.
 *
 *     const g = new GraphBuilder('mlp');
 *     const w = g.input('W', 'float', [4, 3]);
 *     const y = g.op('MatMul', [x, w]);
 *     g.output(g.op('Relu', [y], {}, 'y'), 'float', ['B', 4]);
 *     const bytes = g.toModel();
 *
 * Values are named by strings; unnamed intermediates get `t0`, `t1`, …. Opset 17 (so ReduceSum takes
 * its axes as an input, the other reductions as an attribute).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const OPSET = 17;
/** IR version 8 goes with opsets up to 17. */
const IR_VERSION = 8;

export type ElementType = 'float' | 'int32' | 'int64' | 'bool';
/** A dimension: a size, or a symbolic name for a dimension fixed only at run time (`B`). */
export type Dim = number | string;

const ELEMENT_TYPES: Record<ElementType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/**
 * Attribute values: numbers are ints when integral and the key is not listed in `floatAttributes`;
 * `{ graph }` is a subgraph (a Loop's body).
 */
export type AttributeValue =
  | number
  | string
  | number[]
  | { float: number }
  | { graph: onnxProto.onnx.IGraphProto };

/** Attributes that are floats even when given an integral value. */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon']);

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object')
    return 'graph' in value
      ? { name, type: T.GRAPH, g: value.graph }
      : { name, type: T.FLOAT, f: value.float };
  if (FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value)) return { name, type: T.FLOAT, f: value };
  return { name, type: T.INT, i: value };
}

function valueInfo(name: string, type: ElementType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  /**
   * `scope` prefixes every generated name: a subgraph (a Loop's body) may read the outer graph's
   * values, so its own names must not collide with them.
   */
  constructor(
    readonly name: string,
    private readonly scope = '',
  ) {}

  /** A fresh intermediate name, with an optional readable prefix. */
  fresh(prefix = 't'): string {
    return `${this.scope}${prefix}_${this.counter++}`;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `name` (already produced by a node) a graph output. */
  output(name: string, type: ElementType, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** One node with one output; returns the output's name (`out`, or a fresh one). */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    out?: string,
  ): string {
    const output = out ?? this.fresh(opType.toLowerCase());
    this.opN(opType, inputs, [output], attributes);
    return output;
  }

  /** One node with several outputs. */
  opN(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}) {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: `${this.scope}${opType}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** A float32 constant tensor (an initializer); identical constants are shared. */
  floats(values: ArrayLike<number>, dims: number[], name?: string): string {
    return this.tensor('float', Float32Array.from(values), dims, name);
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.floats([value], []);
  }

  int64s(values: number[], dims: number[] = [values.length]): string {
    return this.tensor('int64', values, dims);
  }

  int32s(values: number[], dims: number[] = [values.length]): string {
    return this.tensor('int32', Int32Array.from(values), dims);
  }

  private tensor(type: ElementType, values: ArrayLike<number>, dims: number[], name?: string): string {
    // Small constants are deduplicated by content; large ones (the encodings) are named explicitly.
    const key = values.length <= 64 ? `${type}:${dims.join('x')}:${Array.from(values).join(',')}` : undefined;
    if (name === undefined && key !== undefined && this.constants.has(key)) return this.constants.get(key)!;
    const tensorName = name ?? this.fresh('c');
    const proto: onnxProto.onnx.ITensorProto = { name: tensorName, dims, dataType: ELEMENT_TYPES[type] };
    if (type === 'float') proto.floatData = Array.from(values);
    else if (type === 'int64') proto.int64Data = Array.from(values);
    else proto.int32Data = Array.from(values);
    this.initializers.push(proto);
    if (key !== undefined && name === undefined) this.constants.set(key, tensorName);
    return tensorName;
  }

  // --- shorthands for the ops the models use -------------------------------------------------------

  add(a: string, b: string, out?: string): string {
    return this.op('Add', [a, b], {}, out);
  }
  sub(a: string, b: string, out?: string): string {
    return this.op('Sub', [a, b], {}, out);
  }
  mul(a: string, b: string, out?: string): string {
    return this.op('Mul', [a, b], {}, out);
  }
  div(a: string, b: string, out?: string): string {
    return this.op('Div', [a, b], {}, out);
  }
  /** Σ of any number of same-shaped (or broadcastable) tensors. */
  sum(terms: string[], out?: string): string {
    return terms.length === 1 && out === undefined ? terms[0] : this.op('Sum', terms, {}, out);
  }
  matmul(a: string, b: string, out?: string): string {
    return this.op('MatMul', [a, b], {}, out);
  }
  /** alpha·op(a)·op(b), op = transpose when asked: one MLAS call, no explicit transpose. */
  gemm(a: string, b: string, options: { transA?: boolean; transB?: boolean; alpha?: number } = {}): string {
    const attributes: Record<string, AttributeValue> = {};
    if (options.transA) attributes.transA = 1;
    if (options.transB) attributes.transB = 1;
    if (options.alpha !== undefined && options.alpha !== 1) attributes.alpha = { float: options.alpha };
    return this.op('Gemm', [a, b], attributes);
  }
  /** Rows of `table` (axis 0) picked by `indices`. */
  gather(table: string, indices: string, axis = 0): string {
    return this.op('Gather', [table, indices], { axis });
  }
  reshape(x: string, dims: number[]): string {
    return this.op('Reshape', [x, this.int64s(dims)]);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  /** Σ over `axes` (all axes when omitted). */
  reduceSum(x: string, axes?: number[], keepdims = false): string {
    const inputs = axes === undefined ? [x] : [x, this.int64s(axes)];
    return this.op('ReduceSum', inputs, { keepdims: keepdims ? 1 : 0 });
  }
  /** Σ x² over `axes` (all axes when omitted). */
  reduceSumSquare(x: string, axes?: number[], keepdims = false): string {
    const attributes: Record<string, AttributeValue> = { keepdims: keepdims ? 1 : 0 };
    if (axes !== undefined) attributes.axes = axes;
    return this.op('ReduceSumSquare', [x], attributes);
  }
  /**
   * Σ x² over `axes` with keepdims, for each of the `parts` blocks of x along axis 0 (a stacked graph's
   * seeds), reduced one block at a time and concatenated. One ReduceSumSquare over the whole tensor
   * would give other last bits: ORT's reductions sum in an order that depends on where the data
   * starts in memory (vector loads aligned first), and a block of a stacked tensor starts where the
   * tensor of a seed trained alone does not. Each block of a Split is a tensor of its own, so each
   * seed's sum is the one it gets alone.
   */
  reduceSumSquareEach(x: string, parts: number, axes?: number[]): string {
    return this.concat(
      this.split(x, 0, parts).map((block) => this.reduceSumSquare(block, axes, true)),
      0,
    );
  }
  /** Columns `start … end − 1` along `axis`. */
  slice(x: string, axis: number, start: number, end: number): string {
    return this.op('Slice', [x, this.int64s([start]), this.int64s([end]), this.int64s([axis])]);
  }
  concat(xs: string[], axis: number): string {
    return xs.length === 1 ? xs[0] : this.op('Concat', xs, { axis });
  }
  /** Splits `x` along `axis` into pieces of the given sizes. */
  splitSizes(x: string, axis: number, sizes: number[]): string[] {
    if (sizes.length === 1) return [x];
    const outs = sizes.map(() => this.fresh('split'));
    return this.opN('Split', [x, this.int64s(sizes)], outs, { axis });
  }
  /** Splits `x` along `axis` into `parts` equal pieces. */
  split(x: string, axis: number, parts: number): string[] {
    if (parts === 1) return [x];
    const outs = Array.from({ length: parts }, () => this.fresh('split'));
    return this.opN('Split', [x], outs, { axis });
  }

  /** The GraphProto: the whole model's graph, or a subgraph for an attribute. */
  graph(): onnxProto.onnx.IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  /** The serialised ModelProto. */
  toModel(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'sgc',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: this.graph(),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
