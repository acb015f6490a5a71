import {
  checkOptions,
  type DType,
  defaultGenerator,
  formatShape,
  formatValue,
  type Generator,
  rand,
  randn,
  type Shape,
  type Tensor,
  zeros as zerosTensor,
} from "@nabla/tensor";

export interface InitOptions {
  /** Inputs feeding each output unit. Defaults to shape[0] for a 2-D [in, out] weight. */
  fanIn?: number;
  /** Outputs each input unit feeds. Defaults to shape[1] for a 2-D [in, out] weight. */
  fanOut?: number;
  /** Defaults to the global generator, so `manualSeed(s)` makes initialisation reproducible. */
  generator?: Generator;
  dtype?: DType;
}

/** Makes a weight tensor of the given shape. */
export type Initializer = (shape: Shape, options?: InitOptions) => Tensor;

function fans(op: string, shape: Shape, options: InitOptions): { fanIn: number; fanOut: number } {
  checkOptions(op, options, ["fanIn", "fanOut", "generator", "dtype"]);
  const fanIn = options.fanIn ?? (shape.length === 2 ? shape[0] : undefined);
  const fanOut = options.fanOut ?? (shape.length === 2 ? shape[1] : undefined);
  if (fanIn === undefined || fanOut === undefined) {
    throw new Error(
      `${op}: cannot infer fanIn and fanOut from shape ${formatShape(shape)}; pass them for weights that are not [in, out]`,
    );
  }
  if (!(fanIn > 0) || !(fanOut > 0))
    throw new Error(`${op}: fanIn and fanOut must be positive, got ${formatValue(fanIn)} and ${formatValue(fanOut)}`);
  return { fanIn, fanOut };
}

function normal(shape: Shape, std: number, options: InitOptions): Tensor {
  return randn(shape, { generator: options.generator ?? defaultGenerator(), dtype: options.dtype ?? "float32", std });
}

function uniform(shape: Shape, limit: number, options: InitOptions): Tensor {
  return rand(shape, {
    generator: options.generator ?? defaultGenerator(),
    dtype: options.dtype ?? "float32",
    low: -limit,
    high: limit,
  });
}

/** He (Kaiming) normal: N(0, 2/fanIn), which keeps the activation variance constant through ReLUs. */
export const heNormal: Initializer = (shape, options = {}) => {
  const { fanIn } = fans("heNormal", shape, options);
  return normal(shape, Math.sqrt(2 / fanIn), options);
};

/** He (Kaiming) uniform: U(-√(6/fanIn), √(6/fanIn)), the same variance as heNormal. */
export const heUniform: Initializer = (shape, options = {}) => {
  const { fanIn } = fans("heUniform", shape, options);
  return uniform(shape, Math.sqrt(6 / fanIn), options);
};

/** Xavier (Glorot) normal: N(0, 2/(fanIn+fanOut)), for tanh and sigmoid layers. */
export const xavierNormal: Initializer = (shape, options = {}) => {
  const { fanIn, fanOut } = fans("xavierNormal", shape, options);
  return normal(shape, Math.sqrt(2 / (fanIn + fanOut)), options);
};

/** Xavier (Glorot) uniform: U(-√(6/(fanIn+fanOut)), √(6/(fanIn+fanOut))). */
export const xavierUniform: Initializer = (shape, options = {}) => {
  const { fanIn, fanOut } = fans("xavierUniform", shape, options);
  return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)), options);
};

/** LeCun normal: N(0, 1/fanIn), for SELU-style self-normalising networks. */
export const lecunNormal: Initializer = (shape, options = {}) => {
  const { fanIn } = fans("lecunNormal", shape, options);
  return normal(shape, Math.sqrt(1 / fanIn), options);
};

/** All zeros (biases). */
export const zeros: Initializer = (shape, options = {}) => {
  checkOptions("zeros", options, ["fanIn", "fanOut", "generator", "dtype"]);
  return zerosTensor(shape, options.dtype ?? "float32");
};
