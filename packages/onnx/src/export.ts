import { noGrad, Variable } from "@nabla/autograd";
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Dropout,
  Flatten,
  GRU,
  LeakyReLU,
  LogSoftmax,
  LSTM,
  MaxPool2d,
  Module,
  type Parameter,
  ReLU,
  RNN,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from "@nabla/layers";
import { checkOptions, describe, formatShape, zeros } from "@nabla/tensor";
import type { onnx } from "onnx-proto";
import { GraphBuilder, proto } from "./graph.js";
import { type RecurrentLayer, recurrentNodes } from "./recurrent.js";

export interface ExportOnnxOptions {
  /**
   * The shape of one example, without the batch axis ([784], [1, 28, 28]), as `Module.summary`
   * takes it; for a recurrent layer, one sequence [T, inputSize].
   */
  inputShape: readonly number[];
  /** The graph input's name (default "input"). */
  inputName?: string;
  /** The graph output's name (default "output"); a recurrent layer's final states are "h" and "c". */
  outputName?: string;
}

/** The ONNX operator set the graph is written for (ONNX 1.12), and the IR version that goes with it. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;
/** The name of the graph input's batch axis: any batch size runs. */
const BATCH = "batch";
/** The name of a recurrent model's time axis: any sequence length runs. */
const SEQUENCE = "sequence";
const RECURRENT = [RNN, LSTM, GRU] as const;

/** What a layer's exporter sees: where it is, its input, and how to name what it reads. */
interface Site {
  graph: GraphBuilder;
  /** The layer's path in the model ("model.3.1"), also its node name. */
  path: string;
  /** The name of the layer's input value in the graph. */
  input: string;
  inputShape: readonly number[];
  /** The initializer of a Parameter, under its name in `namedParameters()`. */
  parameter(p: Parameter): string;
  /** The initializer of one of the layer's buffers, under its name in `stateDict()`. */
  buffer(key: string): string;
}

interface LayerExport<M extends Module> {
  type: abstract new (...args: never[]) => M;
  /** Adds the layer's nodes and returns the name of its output. */
  emit(layer: M, site: Site): string;
}

function layer<M extends Module>(
  type: abstract new (...args: never[]) => M,
  emit: (layer: M, site: Site) => string,
): LayerExport<Module> {
  return { type, emit: emit as (layer: Module, site: Site) => string };
}

function unary(type: abstract new (...args: never[]) => Module, opType: string): LayerExport<Module> {
  return layer(type, (_, s) => s.graph.node(opType, s.path, [s.input]));
}

function windowAttributes(m: Conv2d | MaxPool2d | AvgPool2d): Record<string, readonly number[]> {
  const [pH, pW] = m.padding;
  return { kernel_shape: m.kernelSize, strides: m.stride, pads: [pH, pW, pH, pW] };
}

function batchNorm(m: BatchNorm1d | BatchNorm2d, s: Site): string {
  const C = m.numFeatures;
  const scale = m.weight === null ? s.graph.floatConstant(`${s.path}/scale`, C, 1) : s.parameter(m.weight);
  const shift = m.bias === null ? s.graph.floatConstant(`${s.path}/shift`, C, 0) : s.parameter(m.bias);
  if (m.trackRunningStats) {
    const stats = [s.buffer("runningMean"), s.buffer("runningVar")];
    return s.graph.node("BatchNormalization", s.path, [s.input, scale, shift, ...stats], {}, { epsilon: m.eps });
  }
  // Without running statistics Nabla normalises with the batch's own mean and biased variance in
  // eval mode too; ONNX's BatchNormalization only knows given statistics, so compute them, then
  // let BatchNormalization (mean 0, variance 1, epsilon 0) apply the affine part per channel.
  const g = s.graph;
  const axes = s.inputShape.map((_, i) => i).filter((i) => i !== 1);
  const mean = g.node("ReduceMean", `${s.path}/mean`, [s.input], { axes, keepdims: 1 });
  const centered = g.node("Sub", `${s.path}/centered`, [s.input, mean]);
  const squared = g.node("Mul", `${s.path}/squared`, [centered, centered]);
  const variance = g.node("ReduceMean", `${s.path}/variance`, [squared], { axes, keepdims: 1 });
  const shifted = g.node("Add", `${s.path}/variance_eps`, [variance, g.floatConstant(`${s.path}/eps`, 1, m.eps)]);
  const std = g.node("Sqrt", `${s.path}/std`, [shifted]);
  const normalized = g.node("Div", `${s.path}/normalized`, [centered, std]);
  const stats = [g.floatConstant(`${s.path}/zero_mean`, C, 0), g.floatConstant(`${s.path}/unit_var`, C, 1)];
  return g.node("BatchNormalization", s.path, [normalized, scale, shift, ...stats], {}, { epsilon: 0 });
}

/** Normalises a layer's axis for its input, as its forward did (which already checked the range). */
function positive(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * The layers the exporter knows. A subclass counts as its base only while it keeps the base's
 * forward: a layer that computes something else must not be written as the base's ONNX ops.
 */
const LAYERS: readonly LayerExport<Module>[] = [
  layer(Dense, (m, s) => {
    const weight = s.parameter(m.weight);
    const bias = m.bias === null ? null : s.parameter(m.bias);
    // Nabla's weight is [in, out], Gemm's B without transB; Gemm takes 2-D input only.
    if (s.inputShape.length === 2)
      return s.graph.node("Gemm", s.path, bias === null ? [s.input, weight] : [s.input, weight, bias]);
    if (bias === null) return s.graph.node("MatMul", s.path, [s.input, weight]);
    const product = s.graph.node("MatMul", `${s.path}/MatMul`, [s.input, weight]);
    return s.graph.node("Add", s.path, [product, bias]);
  }),
  layer(Conv2d, (m, s) => {
    const inputs = [s.input, s.parameter(m.weight), ...(m.bias === null ? [] : [s.parameter(m.bias)])];
    return s.graph.node("Conv", s.path, inputs, { ...windowAttributes(m), dilations: m.dilation, group: 1 });
  }),
  layer(MaxPool2d, (m, s) => s.graph.node("MaxPool", s.path, [s.input], windowAttributes(m))),
  layer(AvgPool2d, (m, s) =>
    s.graph.node("AveragePool", s.path, [s.input], {
      ...windowAttributes(m),
      count_include_pad: m.countIncludePad ? 1 : 0,
    }),
  ),
  layer(BatchNorm1d, batchNorm),
  layer(BatchNorm2d, batchNorm),
  layer(Flatten, (m, s) => {
    const start = positive(m.startAxis, s.inputShape.length);
    if (start === 1) return s.graph.node("Flatten", s.path, [s.input], { axis: 1 });
    // Reshape's 0 copies the (dynamic) batch axis; -1 takes in what the flattened axes hold.
    const shape = start === 0 ? [-1] : [0, ...s.inputShape.slice(1, start), -1];
    return s.graph.node("Reshape", s.path, [s.input, s.graph.int64Constant(`${s.path}/shape`, shape)]);
  }),
  layer(Dropout, (_, s) => s.graph.node("Identity", s.path, [s.input])),
  unary(ReLU, "Relu"),
  layer(LeakyReLU, (m, s) => s.graph.node("LeakyRelu", s.path, [s.input], {}, { alpha: m.slope })),
  unary(Sigmoid, "Sigmoid"),
  unary(Tanh, "Tanh"),
  layer(Softmax, (m, s) => s.graph.node("Softmax", s.path, [s.input], { axis: positive(m.axis, s.inputShape.length) })),
  layer(LogSoftmax, (m, s) =>
    s.graph.node("LogSoftmax", s.path, [s.input], { axis: positive(m.axis, s.inputShape.length) }),
  ),
];

const EXPORTABLE = `${["Sequential", ...LAYERS.map((l) => l.type.name)].join(", ")}, and ${RECURRENT.map((t) => t.name).join(", ")} as the whole model`;

function isPlain<M extends Module<unknown>>(m: Module<unknown>, type: abstract new (...args: never[]) => M): m is M {
  return m instanceof type && m.forward === (type.prototype as Module<unknown>).forward;
}

/**
 * The model as an ONNX file's bytes (opset 17), for onnxruntime in Node, in a browser or on a
 * server. The graph's input is float32 [batch, ...inputShape] with a dynamic batch axis; each
 * Parameter and buffer becomes an initializer named as in `namedParameters()` / `stateDict()`
 * ("0.weight", "1.runningMean"); each node is named by its layer's path ("model.3.1"). An RNN,
 * LSTM or GRU exports as the whole model, with outputs `output`, `h` (and `c`).
 *
 * The graph is the model in eval mode (Dropout is the identity, BatchNorm uses its running
 * statistics), whatever mode the model is in; the model is left as it was. inputShape is checked
 * by running the model's own forward, layer by layer, on a zero batch of that shape, so a shape
 * that does not fit gets the layer's error; a module the exporter does not know gets an error
 * naming its class and path. Either way nothing is returned.
 */
export function exportOnnx(model: Module<unknown>, options: ExportOnnxOptions): Uint8Array {
  if (!(model instanceof Module)) throw new Error(`exportOnnx: model must be a Module, got ${describe(model)}`);
  checkOptions("exportOnnx", options, ["inputShape", "inputName", "outputName"]);
  const { inputShape, inputName = "input", outputName = "output" } = (options ?? {}) as Partial<ExportOnnxOptions>;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    const got = Array.isArray(inputShape) ? formatShape(inputShape) : String(inputShape);
    throw new Error(
      `exportOnnx: inputShape must be a non-empty array of positive integers, one example's shape without the batch axis (e.g. [784] or [1, 28, 28]), got ${got}`,
    );
  }
  for (const [what, name] of [
    ["inputName", inputName],
    ["outputName", outputName],
  ] as const) {
    if (typeof name !== "string" || name === "")
      throw new Error(`exportOnnx: ${what} must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (inputName === outputName)
    throw new Error(`exportOnnx: inputName and outputName must differ, both are '${inputName}'`);

  const modes = model.modules().map((m) => [m, m.training] as const);
  try {
    model.eval();
    return noGrad(() => encode(model, inputShape, inputName, outputName));
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
}

interface ValueInfo {
  name: string;
  shape: readonly (number | string | null)[];
}

/** What both kinds of graph are built from. */
interface Request {
  graph: GraphBuilder;
  /** The initializer of a Parameter, under its name in `namedParameters()`. */
  parameter(p: Parameter): string;
  inputShape: readonly number[];
  inputName: string;
  outputName: string;
}

function encode(
  model: Module<unknown>,
  inputShape: readonly number[],
  inputName: string,
  outputName: string,
): Uint8Array {
  const parameterNames = new Map(model.namedParameters().map(([name, p]) => [p, name]));
  const graph = new GraphBuilder();
  const parameter = (p: Parameter): string => graph.initializer(parameterNames.get(p)!, p.value);
  const recurrent = RECURRENT.find((type) => isPlain(model, type)) === undefined ? null : (model as RecurrentLayer);
  const request: Request = { graph, parameter, inputShape, inputName, outputName };
  const { inputs, outputs } = recurrent === null ? layerGraph(model, request) : recurrentGraph(recurrent, request);
  const file: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "nabla",
    graph: {
      name: model.constructor.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  };
  // In Node protobufjs hands back a Buffer, possibly a slice of a shared pool: give the caller
  // a plain Uint8Array that owns its bytes, as in a browser.
  const encoded = proto.ModelProto.encode(file).finish();
  const bytes = new Uint8Array(encoded.length);
  bytes.set(encoded);
  return bytes;
}

/** `m.forward(x)`, or an error that says inputShape does not fit the model at `path`, and why. */
function checkedForward<Output>(m: Module<Output>, x: Variable, path: string, inputShape: readonly number[]): Output {
  try {
    return m.forward(x);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(
      `exportOnnx: inputShape ${formatShape(inputShape)} does not fit the model at ${path} (a zero batch of 2 reaches it as ${formatShape(x.shape)}): ${reason}`,
    );
  }
}

/** A model of layers (Sequential, nested or not, or one layer): one graph input and one output. */
function layerGraph(
  model: Module<unknown>,
  { graph, parameter, inputShape, inputName, outputName }: Request,
): { inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const prefixes = new Map(model.namedModules().map(([name, m]) => [m, name]));
  const dotted = (prefix: string, key: string): string => (prefix === "" ? key : `${prefix}.${key}`);

  const visit = (m: Module<unknown>, path: string, x: Variable, input: string): [Variable, string] => {
    if (isPlain(m, Sequential)) {
      let out: [Variable, string] = [x, input];
      for (const [key, child] of m.namedChildren()) out = visit(child, `${path}.${key}`, ...out);
      return out;
    }
    const handler = LAYERS.find((l) => isPlain(m, l.type));
    if (handler === undefined) {
      throw new Error(
        `exportOnnx: cannot export ${m.constructor.name} at ${path}: the exporter knows ${EXPORTABLE} (a subclass only while it keeps its base's forward)`,
      );
    }
    const layer = m as Module;
    const y = checkedForward(layer, x, path, inputShape);
    const site: Site = {
      graph,
      path,
      input,
      inputShape: x.shape,
      parameter,
      buffer: (key) => graph.initializer(dotted(prefixes.get(m)!, key), m.getBuffer(key)),
    };
    return [y, handler.emit(layer, site)];
  };

  // A batch of two: BatchNorm without running statistics needs more than one value per channel.
  const [y, last] = visit(model, "model", new Variable(zeros([2, ...inputShape])), inputName);
  // An empty Sequential computes nothing, but the graph still needs a node to name its output.
  graph.rename(last === inputName ? graph.node("Identity", "model", [inputName]) : last, outputName);

  // Axes of the output that follow the batch are dynamic; a batch of three shows which.
  const larger = (model as Module).forward(new Variable(zeros([3, ...inputShape]))).shape;
  const outputShape = y.shape.map((d, i) => (larger[i] === d ? d : larger[i] === 3 && d === 2 ? BATCH : null));
  return {
    inputs: [{ name: inputName, shape: [BATCH, ...inputShape] }],
    outputs: [{ name: outputName, shape: outputShape }],
  };
}

/**
 * A recurrent layer as the whole model: inputShape is one sequence, [T, inputSize]; the graph
 * takes [T, batch, inputSize] ([batch, T, inputSize] with batchFirst) for any T and batch, and
 * returns the output sequence under outputName and the final states as "h" (and "c" for an LSTM).
 */
function recurrentGraph(
  layer: RecurrentLayer,
  { graph, parameter, inputShape, inputName, outputName }: Request,
): { inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const states = layer instanceof LSTM ? ["h", "c"] : ["h"];
  const clash = [inputName, outputName].find((name) => states.includes(name));
  if (clash !== undefined)
    throw new Error(
      `exportOnnx: ${layer.constructor.name}'s final states are the graph outputs ${states.join(" and ")}: choose another name than '${clash}'`,
    );
  if (inputShape.length !== 2) {
    throw new Error(
      `exportOnnx: ${layer.constructor.name} takes one sequence, inputShape [T, ${layer.inputSize}] (steps, features; the batch axis goes where the layer has it), got ${formatShape(inputShape)}`,
    );
  }
  const batchMajor = <T>(batch: T, steps: T): T[] => (layer.batchFirst ? [batch, steps] : [steps, batch]);
  const zero = new Variable(zeros([...batchMajor(2, inputShape[0]!), ...inputShape.slice(1)]));
  checkedForward(layer, zero, "model", inputShape);
  const nodes = recurrentNodes(layer, graph, "model", inputName, parameter);
  graph.rename(nodes.output, outputName);
  const stateShape = [layer.numLayers * layer.directions, BATCH, layer.hiddenSize];
  const outputs: ValueInfo[] = [
    { name: outputName, shape: [...batchMajor<number | string>(BATCH, SEQUENCE), layer.directions * layer.hiddenSize] },
    { name: "h", shape: stateShape },
  ];
  graph.rename(nodes.h, "h");
  if (nodes.c !== null) {
    graph.rename(nodes.c, "c");
    outputs.push({ name: "c", shape: stateShape });
  }
  return {
    inputs: [{ name: inputName, shape: [...batchMajor<number | string>(BATCH, SEQUENCE), ...inputShape.slice(1)] }],
    outputs,
  };
}

/** A float32 tensor's name and shape; a string is a named dynamic axis, null an unnamed one. */
function valueInfo({ name, shape }: ValueInfo): onnx.IValueInfoProto {
  const dim = shape.map((d) =>
    typeof d === "number" ? { dimValue: d } : typeof d === "string" ? { dimParam: d } : {},
  );
  return { name, type: { tensorType: { elemType: proto.TensorProto.DataType.FLOAT, shape: { dim } } } };
}
