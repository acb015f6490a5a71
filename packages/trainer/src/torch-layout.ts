import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Embedding,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type Module,
  RNN,
  RNNCell,
} from "@nabla/layers";
import { formatShape, type Tensor, transpose } from "@nabla/tensor";

/**
 * PyTorch's names and layouts for a model's state dict, so that `nn.Module.load_state_dict` takes
 * what Nabla saves and the reverse. Module paths are the same in both (a Sequential's children
 * are "0", "1", ... as in nn.Sequential); within a module:
 * - Dense's weight is [in, out]; nn.Linear's is [out, in] (transposed both ways);
 * - BatchNorm's buffers runningMean, runningVar, numBatchesTracked are running_mean, running_var,
 *   num_batches_tracked;
 * - Conv2d's weight is already nn.Conv2d's [out, in, kH, kW];
 * - the recurrent layers and cells and Embedding already hold PyTorch's names and layouts
 *   (`weight_ih_l0` [gates * hidden, in], `weight` [num, dim]).
 * A module with parameters or buffers that has no such mapping is refused by name and path.
 */
interface TorchEntry {
  /** The key in the model's own state dict. */
  nablaName: string;
  /** The live tensor behind it. */
  value: Tensor;
  /** The shape PyTorch's module holds. */
  shape: number[];
  /** Dense weights are transposed; everything else is stored as it is. */
  transposed: boolean;
}

/** Layers whose parameters PyTorch names and lays out as Nabla does, besides Dense's transpose. */
const MAPPED = [Dense, Conv2d, BatchNorm1d, BatchNorm2d, RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, Embedding];

const TORCH_BUFFER_NAMES: Record<string, string> = {
  runningMean: "running_mean",
  runningVar: "running_var",
  numBatchesTracked: "num_batches_tracked",
};

/** The model's tensors under PyTorch's names, in PyTorch's order (each module's parameters, then its buffers). */
function torchEntries(model: Module): Map<string, TorchEntry> {
  const out = new Map<string, TorchEntry>();
  for (const [prefix, m] of model.namedModules()) {
    const params = m.namedDirectParameters();
    const buffers = m.namedDirectBuffers();
    if (params.length === 0 && buffers.length === 0) continue;
    const isDense = m instanceof Dense;
    if (!MAPPED.some((layer) => m instanceof layer)) {
      throw new Error(
        `layout 'torch' has no PyTorch equivalent for ${m.constructor.name} at '${prefix}' ` +
          `(it maps ${MAPPED.map((layer) => layer.name).join(", ")}, and modules without parameters)`,
      );
    }
    const name = (k: string): string => (prefix === "" ? k : `${prefix}.${k}`);
    for (const [k, p] of params) {
      const transposed = isDense && k === "weight";
      out.set(name(k), {
        nablaName: name(k),
        value: p.value,
        shape: transposed ? [...p.shape].reverse() : [...p.shape],
        transposed,
      });
    }
    for (const [k, b] of buffers) {
      out.set(name(TORCH_BUFFER_NAMES[k] ?? k), {
        nablaName: name(k),
        value: b,
        shape: [...b.shape],
        transposed: false,
      });
    }
  }
  return out;
}

/** The model's weights under PyTorch's names and in its layouts (Dense weights transposed into copies). */
export function toTorchLayout(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [torchName, e] of torchEntries(model)) out.set(torchName, e.transposed ? transpose(e.value) : e.value);
  return out;
}

/**
 * The model's own state dict from tensors under PyTorch's names. Every key, shape and kind (integer
 * or floating point) is checked first, and the error names PyTorch's keys and shapes as the file has them.
 */
export function fromTorchLayout(model: Module, tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const expected = torchEntries(model);
  const missing = [...expected.keys()].filter((k) => !tensors.has(k));
  const unexpected = [...tensors.keys()].filter((k) => !expected.has(k));
  const mismatches: string[] = [];
  for (const [k, e] of expected) {
    const t = tensors.get(k);
    if (t === undefined) continue;
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      mismatches.push(`'${k}' has shape ${formatShape(t.shape)}, expected ${formatShape(e.shape)}`);
    } else if ((t.dtype === "int32") !== (e.value.dtype === "int32")) {
      mismatches.push(
        `'${k}' holds ${t.dtype === "int32" ? "integers" : "floating-point numbers"}, expected ${e.value.dtype === "int32" ? "integers" : "floating-point numbers"}`,
      );
    }
  }
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing keys ${quoted(missing)}`);
  if (unexpected.length > 0) problems.push(`unexpected keys ${quoted(unexpected)}`);
  problems.push(...mismatches);
  if (problems.length > 0) throw new Error(`layout 'torch': ${problems.join("; ")}`);
  const out = new Map<string, Tensor>();
  for (const [k, e] of expected) {
    const t = tensors.get(k)!;
    out.set(e.nablaName, e.transposed ? transpose(t) : t);
  }
  return out;
}

function quoted(keys: string[]): string {
  return keys.map((k) => `'${k}'`).join(", ");
}
