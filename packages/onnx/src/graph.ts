import type { Tensor } from "@nabla/tensor";
import onnxProto, { type onnx } from "onnx-proto";

// onnx-proto is CommonJS: its namespace arrives as a property of the default export.
export const proto = onnxProto.onnx;

/** An integer, a list of integers, a string or a list of strings (floats go separately: a JavaScript number does not say which). */
export type Attribute = number | readonly number[] | string | readonly string[];

/**
 * Collects the nodes and initializers of one ONNX graph in the order they are emitted, which is
 * the order the model computes them, so the graph comes out topologically sorted. Every node
 * name and every initializer name is checked to be new: a collision is a bug in the exporter,
 * not something a user can cause, and would make onnxruntime refuse the file.
 */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodeNames = new Set<string>();
  private readonly initializerFor = new Map<Tensor, string>();
  private readonly initializerNames = new Set<string>();

  /** Adds a node with one output and returns that output's name, `${name}/output`. */
  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    floats: Record<string, number> = {},
  ): string {
    return this.nodeWithOutputs(opType, name, inputs, ["output"], attributes, floats)[0]!;
  }

  /** Adds a node whose outputs are named `${name}/${output}`, and returns those names. */
  nodeWithOutputs(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    floats: Record<string, number> = {},
  ): string[] {
    if (this.nodeNames.has(name)) throw new Error(`exportOnnx: internal error: node name '${name}' is used twice`);
    this.nodeNames.add(name);
    const { AttributeType } = proto.AttributeProto;
    const encoder = new TextEncoder();
    const attribute: onnx.IAttributeProto[] = [
      ...Object.entries(attributes).map(([key, v]): onnx.IAttributeProto => {
        if (typeof v === "number") return { name: key, type: AttributeType.INT, i: v };
        if (typeof v === "string") return { name: key, type: AttributeType.STRING, s: encoder.encode(v) };
        if (v.length > 0 && v.every((item) => typeof item === "string"))
          return { name: key, type: AttributeType.STRINGS, strings: v.map((item) => encoder.encode(item)) };
        return { name: key, type: AttributeType.INTS, ints: [...(v as readonly number[])] };
      }),
      ...Object.entries(floats).map(([key, f]) => ({ name: key, type: AttributeType.FLOAT, f })),
    ];
    const names = outputs.map((o) => `${name}/${o}`);
    this.nodes.push({ name, opType, input: [...inputs], output: names, attribute });
    return names;
  }

  /**
   * The initializer holding `value` under `name`, added once per tensor: a tensor shared by two
   * layers (tied weights) is stored once, under its first name. Written as float32.
   */
  initializer(name: string, value: Tensor): string {
    const known = this.initializerFor.get(value);
    if (known !== undefined) return known;
    this.initializerFor.set(value, name);
    return this.add(floatTensor(name, value.shape, value.data));
  }

  /** A constant int64 tensor (a shape for Reshape, indices for Gather), named `name`; a vector unless `dims` say otherwise. */
  int64Constant(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.add(int64Tensor(name, dims, values));
  }

  /** A constant float vector of `size` copies of `fill`, named `name`. */
  floatConstant(name: string, size: number, fill: number): string {
    return this.add(floatTensor(name, [size], new Float32Array(size).fill(fill)));
  }

  /** Gives the value `from` (the output of the last node that made it) the name `to`. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) node.output = node.output!.map((o) => (o === from ? to : o));
  }

  private add(tensor: onnx.ITensorProto): string {
    const name = tensor.name!;
    if (this.initializerNames.has(name))
      throw new Error(`exportOnnx: internal error: initializer name '${name}' is used twice`);
    this.initializerNames.add(name);
    this.initializers.push(tensor);
    return name;
  }
}

// raw_data is little-endian whatever the host's byte order: write it through a DataView.
function floatTensor(name: string, shape: readonly number[], values: ArrayLike<number>): onnx.ITensorProto {
  const raw = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) raw.setFloat32(i * 4, values[i]!, true);
  return { name, dims: [...shape], dataType: proto.TensorProto.DataType.FLOAT, rawData: new Uint8Array(raw.buffer) };
}

function int64Tensor(name: string, shape: readonly number[], values: ArrayLike<number>): onnx.ITensorProto {
  const raw = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) raw.setBigInt64(i * 8, BigInt(values[i]!), true);
  return { name, dims: [...shape], dataType: proto.TensorProto.DataType.INT64, rawData: new Uint8Array(raw.buffer) };
}
