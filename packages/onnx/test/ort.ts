import { noGrad, Variable } from "@nabla/autograd";
import type { Module } from "@nabla/layers";
import { shapeSize, Tensor } from "@nabla/tensor";
import onnxProto, { type onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";

const { ModelProto, TensorProto } = onnxProto.onnx;

/** Every output onnxruntime computes for `input` in `session`, by name, in the graph's order. */
export async function runOnnxOutputs(session: ort.InferenceSession, input: Tensor): Promise<Map<string, Tensor>> {
  const feeds = {
    [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(input.data), [...input.shape]),
  };
  const results = await session.run(feeds);
  return new Map(
    session.outputNames.map((name) => {
      const out = results[name]!;
      return [name, new Tensor(Float32Array.from(out.data as Float32Array), out.dims.map(Number))];
    }),
  );
}

/** What onnxruntime computes for `input` in `session`: its first output. */
export async function runOnnx(session: ort.InferenceSession, input: Tensor): Promise<Tensor> {
  return (await runOnnxOutputs(session, input)).values().next().value!;
}

export function openSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}

/** Nabla's own answer in eval mode, the mode the export writes; the model's mode is restored. */
export function runNabla(model: Module, input: Tensor): Tensor {
  const training = model.training;
  model.eval();
  try {
    return noGrad(() => model.forward(new Variable(input))).value;
  } finally {
    model.train(training);
  }
}

/** The largest |a − b| / max(1, |b|): absolute near zero, relative for large outputs. */
export function maxScaledDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`maxScaledDiff: shapes [${a.shape}] and [${b.shape}] differ`);
  let worst = 0;
  for (let i = 0; i < a.size; i++)
    worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / Math.max(1, Math.abs(b.data[i]!)));
  return worst;
}

/** What the tests read of an ONNX file, with protobuf's absent fields filled in. */
export interface OnnxFile {
  opset: [string, number][];
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  nodes: {
    name: string;
    opType: string;
    input: string[];
    output: string[];
    attributes: Map<string, number | number[]>;
  }[];
  initializers: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
}

export function decodeModel(bytes: Uint8Array): OnnxFile {
  const model = ModelProto.decode(bytes);
  const graph = model.graph ?? {};
  const valueInfo = (v: onnx.IValueInfoProto): { name: string; shape: (number | string)[] } => ({
    name: v.name ?? "",
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue ?? 0)),
  });
  return {
    opset: (model.opsetImport ?? []).map((o) => [o.domain ?? "", Number(o.version)]),
    inputs: (graph.input ?? []).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
    nodes: (graph.node ?? []).map((n) => ({
      name: n.name ?? "",
      opType: n.opType ?? "",
      input: n.input ?? [],
      output: n.output ?? [],
      attributes: new Map(
        (n.attribute ?? []).map((a) => [a.name ?? "", a.ints?.length ? a.ints.map(Number) : Number(a.i ?? a.f ?? 0)]),
      ),
    })),
    initializers: (graph.initializer ?? []).map((t) => ({
      name: t.name ?? "",
      dims: (t.dims ?? []).map(Number),
      dataType: t.dataType ?? 0,
      rawData: t.rawData ?? new Uint8Array(),
    })),
  };
}

/**
 * The rules of ONNX's checker that an exported graph can break, as a list of violations (empty
 * when it is sound): node names present and unique; every value made once; initializers named
 * uniquely, typed, and holding as many bytes as their dims say; the nodes in topological order
 * (each input is a graph input, an initializer or an earlier node's output); graph outputs made.
 */
export function checkerViolations(file: OnnxFile): string[] {
  const problems: string[] = [];
  const defined = new Set<string>();
  for (const init of file.initializers) {
    if (defined.has(init.name)) problems.push(`initializer '${init.name}' is defined twice`);
    defined.add(init.name);
    const width =
      init.dataType === TensorProto.DataType.FLOAT ? 4 : init.dataType === TensorProto.DataType.INT64 ? 8 : 0;
    if (width === 0) problems.push(`initializer '${init.name}' has data type ${init.dataType}`);
    else if (init.rawData.length !== width * shapeSize(init.dims))
      problems.push(`initializer '${init.name}' holds ${init.rawData.length} bytes for dims [${init.dims}]`);
  }
  for (const input of file.inputs) {
    if (defined.has(input.name)) problems.push(`graph input '${input.name}' is also an initializer`);
    defined.add(input.name);
  }
  const nodeNames = new Set<string>();
  for (const node of file.nodes) {
    if (node.name === "") problems.push(`a ${node.opType} node has no name`);
    if (nodeNames.has(node.name)) problems.push(`node name '${node.name}' is used twice`);
    nodeNames.add(node.name);
    for (const input of node.input) {
      if (!defined.has(input)) problems.push(`node '${node.name}' reads '${input}' before it is defined`);
    }
    for (const output of node.output) {
      if (defined.has(output)) problems.push(`node '${node.name}' redefines '${output}'`);
      defined.add(output);
    }
  }
  for (const output of file.outputs) {
    if (!defined.has(output.name)) problems.push(`graph output '${output.name}' is never made`);
  }
  return problems;
}
