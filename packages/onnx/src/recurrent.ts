import { GRU, LSTM, type Parameter, RNN } from "@nabla/layers";
import type { GraphBuilder } from "./graph.js";

export type RecurrentLayer = RNN | LSTM | GRU;

/**
 * Where each ONNX gate's rows sit in Nabla's (PyTorch's) weights: LSTM's gates are i, f, g, o in
 * PyTorch and i, o, f, c in ONNX; GRU's are r, z, n in PyTorch and z, r, h in ONNX.
 */
function gateOrder(layer: RecurrentLayer): readonly number[] {
  if (layer instanceof LSTM) return [0, 3, 1, 2];
  if (layer instanceof GRU) return [1, 0, 2];
  return [0];
}

/**
 * Adds a recurrent layer as ONNX RNN / LSTM / GRU nodes, one per layer of the stack, reading
 * `input` ([T, B, in], or [B, T, in] with batchFirst) and returning the names of its output
 * sequence and final states, shaped as Nabla's forward returns them.
 *
 * The initializers keep the Parameters' names and PyTorch's layout (weight_ih_l0 [G·H, in], ...);
 * a Gather reorders their gate blocks into ONNX's order, which onnxruntime folds once when it
 * loads the model.
 */
export function recurrentNodes(
  layer: RecurrentLayer,
  graph: GraphBuilder,
  path: string,
  input: string,
  parameter: (p: Parameter) => string,
): { output: string; h: string; c: string | null } {
  const opType = layer instanceof LSTM ? "LSTM" : layer instanceof GRU ? "GRU" : "RNN";
  const H = layer.hiddenSize;
  const D = layer.directions;
  const order = gateOrder(layer);
  const params = new Map(layer.namedDirectParameters());
  // Indices [1, G·H]: Gather along axis 0 then gives [1, G·H, ...], one direction of ONNX's W, R or B.
  const rows = order.flatMap((gate) => Array.from({ length: H }, (_, i) => gate * H + i));
  const gateRows = graph.int64Constant(`${path}/gate_rows`, rows, [1, rows.length]);
  const reordered = (name: string): string =>
    graph.node("Gather", `${path}/${name}`, [parameter(params.get(name)!), gateRows], { axis: 0 });
  const stack = (name: string, parts: string[]): string =>
    parts.length === 1 ? parts[0]! : graph.node("Concat", `${path}/${name}`, parts, { axis: 0 });
  const attributes = {
    hidden_size: H,
    direction: D === 2 ? "bidirectional" : "forward",
    ...(layer instanceof GRU ? { linear_before_reset: 1 } : {}),
    ...(layer instanceof RNN
      ? { activations: new Array<string>(D).fill(layer.nonlinearity === "relu" ? "Relu" : "Tanh") }
      : {}),
  };
  const time = graph.int64Constant(`${path}/sequence_shape`, [0, 0, -1]);

  let x = layer.batchFirst ? graph.node("Transpose", `${path}/time_major`, [input], { perm: [1, 0, 2] }) : input;
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < layer.numLayers; l++) {
    const suffixes = D === 2 ? [`_l${l}`, `_l${l}_reverse`] : [`_l${l}`];
    const W = stack(
      `W_l${l}`,
      suffixes.map((s) => reordered(`weight_ih${s}`)),
    );
    const R = stack(
      `R_l${l}`,
      suffixes.map((s) => reordered(`weight_hh${s}`)),
    );
    const inputs = [x, W, R];
    if (layer.bias) {
      // ONNX's B is [Wb, Rb] per direction: [1, 2·G·H].
      const directions = suffixes.map((s) =>
        graph.node("Concat", `${path}/bias${s}`, [reordered(`bias_ih${s}`), reordered(`bias_hh${s}`)], { axis: 1 }),
      );
      inputs.push(stack(`B_l${l}`, directions));
    }
    const outputs = layer instanceof LSTM ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
    const [Y, Yh, Yc] = graph.nodeWithOutputs(opType, `${path}/l${l}`, inputs, outputs, attributes);
    // Y is [T, D, B, H]; the next layer and the caller want [T, B, D·H], directions side by side.
    const sequenceMajor = graph.node("Transpose", `${path}/l${l}/Y_batch`, [Y!], { perm: [0, 2, 1, 3] });
    x = graph.node("Reshape", `${path}/l${l}/Y_concat`, [sequenceMajor, time]);
    hs.push(Yh!);
    if (Yc !== undefined) cs.push(Yc);
  }
  const output = layer.batchFirst ? graph.node("Transpose", `${path}/batch_major`, [x], { perm: [1, 0, 2] }) : x;
  return { output, h: stack("h", hs), c: cs.length === 0 ? null : stack("c", cs) };
}
