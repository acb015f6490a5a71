import { checkBatchNormArgs } from "../batch-norm.js";
import { checkConvArgs, type WindowGeometry } from "../conv.js";
import type { ConvKernels, FloatArray, Kernels } from "../kernels.js";
import { checkPoolArgs, type WindowOffsets } from "../pool.js";
import type { WasmEngine } from "./index.js";

/** The exports of kernels.wasm that ./assembly/conv.ts, pool.ts and batchnorm.ts define. */
interface ConvExports {
  scratchBytes(): number;
  conv2dForward(
    geom: number,
    outC: number,
    x: number,
    weight: number,
    hasBias: number,
    out: number,
    col: number,
    scratch: number,
  ): void;
  conv2dBackwardInput(
    geom: number,
    outC: number,
    grad: number,
    weight: number,
    dx: number,
    col: number,
    scratch: number,
  ): void;
  conv2dBackwardWeight(
    geom: number,
    outC: number,
    x: number,
    grad: number,
    hasBias: number,
    dwb: number,
    col: number,
    scratch: number,
  ): void;
  maxPool2dForward(geom: number, x: number, out: number, argmax: number, wide: number): void;
  maxPool2dBackward(geom: number, grad: number, argmax: number, wide: number, dx: number): void;
  avgPool2dForward(geom: number, countIncludePad: number, x: number, out: number): void;
  avgPool2dBackward(geom: number, countIncludePad: number, grad: number, dx: number): void;
  batchNormForward(
    N: number,
    C: number,
    S: number,
    x: number,
    weight: number,
    bias: number,
    eps: number,
    batchStats: number,
    mean: number,
    variance: number,
    invstd: number,
    out: number,
    relu: number,
  ): void;
  batchNormBackward(
    N: number,
    C: number,
    S: number,
    x: number,
    grad: number,
    weight: number,
    batchStats: number,
    mean: number,
    invstd: number,
    dx: number,
    dweight: number,
    dbias: number,
    reluOutput: number,
  ): void;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

const GEOMETRY_FIELDS = ["n", "c", "h", "w", "kH", "kW", "sH", "sW", "pH", "pW", "dH", "dW", "oH", "oW"] as const;

/**
 * Linear memory for one call: the geometry, an sgemm scratch region, then `counts` float32
 * operands one after another (64-aligned). Returns the engine, its heap and the addresses.
 */
function layout<const Counts extends readonly number[]>(
  engine: WasmEngine,
  g: WindowGeometry,
  counts: Counts,
): {
  exports: ConvExports;
  heap: Float32Array;
  geom: number;
  scratch: number;
  /** One byte address per count, as a tuple of the same length. */
  ptr: { -readonly [K in keyof Counts]: number };
} {
  const exports = engine.exports as unknown as ConvExports;
  const geom = engine.dataStart;
  const scratch = align(geom + GEOMETRY_FIELDS.length * 4);
  let end = align(scratch + exports.scratchBytes());
  const ptr: number[] = [];
  for (const count of counts) {
    ptr.push(end);
    end = align(end + count * 4);
  }
  const heap = engine.view(end);
  new Int32Array(heap.buffer, geom, GEOMETRY_FIELDS.length).set(GEOMETRY_FIELDS.map((f) => g[f]));
  return { exports, heap, geom, scratch, ptr: ptr as { -readonly [K in keyof Counts]: number } };
}

/** Copies `count` values of `from` into linear memory at byte address `at` (an argmax as bytes or i32). */
function copyIn(heap: Float32Array, at: number, from: FloatArray | WindowOffsets, count: number): void {
  if (from instanceof Float32Array || from instanceof Float64Array) heap.set(from.subarray(0, count), at / 4);
  else if (from instanceof Uint8Array) new Uint8Array(heap.buffer, at, count).set(from.subarray(0, count));
  else new Int32Array(heap.buffer, at, count).set(from.subarray(0, count));
}

/** Batch norm has no window geometry: layout() writes these zeros in its place. */
const NO_GEOMETRY: WindowGeometry = {
  n: 0,
  c: 0,
  h: 0,
  w: 0,
  kH: 0,
  kW: 0,
  sH: 0,
  sW: 0,
  pH: 0,
  pW: 0,
  dH: 0,
  dW: 0,
  oH: 0,
  oW: 0,
};

function isFloat32(...arrays: (FloatArray | null)[]): boolean {
  return arrays.every((a) => a === null || a instanceof Float32Array);
}

/**
 * The convolution, pooling and batch norm kernels in wasm for float32, a whole batch per call. Convolution
 * runs the reference's loops and gemm calls (the same bits as the reference run over the wasm
 * sgemm); pooling and batch norm the reference's operations in its order (the same bits).
 * float64 goes to the TypeScript kernels.
 */
export function wasmConvKernels(load: () => WasmEngine | Error, js: Kernels): ConvKernels {
  const engine = (): WasmEngine => {
    const e = load();
    if (e instanceof Error) throw e;
    return e;
  };
  /** Checks through the reference (the same messages), then runs `call` over the operands in linear memory. */
  const pool = (
    g: WindowGeometry,
    inputs: [FloatArray | WindowOffsets, number][],
    output: [FloatArray | WindowOffsets, number],
    call: (exports: ConvExports, geom: number, ptr: number[]) => void,
  ): void => {
    const m = layout(engine(), g, [...inputs.map(([, count]) => count), output[1]]);
    inputs.forEach(([array, count], i) => copyIn(m.heap, m.ptr[i]!, array, count));
    call(m.exports, m.geom, m.ptr);
    const [array, count] = output;
    const at = m.ptr[inputs.length]!;
    if (array instanceof Float32Array) array.set(m.heap.subarray(at / 4, at / 4 + count));
    else if (array instanceof Uint8Array) array.set(new Uint8Array(m.heap.buffer, at, count));
    else array.set(new Int32Array(m.heap.buffer, at, count));
  };
  /** Float64 views of `C` values at each address (per-channel arrays). */
  const channels = (heap: Float32Array, C: number, ...at: number[]): Float64Array[] =>
    at.map((a) => new Float64Array(heap.buffer, a, C));
  return {
    batchNormForward(N, C, S, x, weight, bias, eps, batchStats, mean, variance, invstd, out, relu) {
      if (!isFloat32(x, out))
        return js.batchNormForward(N, C, S, x, weight, bias, eps, batchStats, mean, variance, invstd, out, relu);
      checkBatchNormArgs("batchNormForward", N, C, S, { x, out }, { weight, bias, mean, variance, invstd });
      const size = N * C * S;
      // x, out, then weight, bias, mean, variance, invstd as float64 (two float32 slots each).
      const m = layout(engine(), NO_GEOMETRY, [size, size, 2 * C, 2 * C, 2 * C, 2 * C, 2 * C]);
      const [xPtr, outPtr, wPtr, bPtr, meanPtr, varPtr, isPtr] = m.ptr;
      const [w64, b64, mean64, var64, is64] = channels(m.heap, C, wPtr, bPtr, meanPtr, varPtr, isPtr);
      m.heap.set(x.subarray(0, size), xPtr / 4);
      if (weight !== null) w64!.set(weight.subarray(0, C));
      if (bias !== null) b64!.set(bias.subarray(0, C));
      if (!batchStats) {
        mean64!.set(mean.subarray(0, C));
        var64!.set(variance.subarray(0, C));
      }
      m.exports.batchNormForward(
        N,
        C,
        S,
        xPtr,
        weight === null ? 0 : wPtr,
        bias === null ? 0 : bPtr,
        eps,
        batchStats ? 1 : 0,
        meanPtr,
        varPtr,
        isPtr,
        outPtr,
        relu ? 1 : 0,
      );
      out.set(m.heap.subarray(outPtr / 4, outPtr / 4 + size));
      if (batchStats) {
        mean.set(mean64!);
        variance.set(var64!);
      }
      invstd.set(is64!);
    },
    batchNormBackward(N, C, S, x, grad, weight, batchStats, mean, invstd, dx, dweight, dbias, reluOutput) {
      if (!isFloat32(x, grad, dx, reluOutput))
        return js.batchNormBackward(N, C, S, x, grad, weight, batchStats, mean, invstd, dx, dweight, dbias, reluOutput);
      checkBatchNormArgs(
        "batchNormBackward",
        N,
        C,
        S,
        { x, grad, dx, reluOutput },
        { weight, mean, invstd, dweight, dbias },
      );
      const size = N * C * S;
      const reluSize = reluOutput === null ? 0 : size;
      const m = layout(engine(), NO_GEOMETRY, [size, size, size, 2 * C, 2 * C, 2 * C, 2 * C, 2 * C, reluSize]);
      const [xPtr, gradPtr, dxPtr, wPtr, meanPtr, isPtr, dwPtr, dbPtr, reluPtr] = m.ptr;
      const [w64, mean64, is64, dw64, db64] = channels(m.heap, C, wPtr, meanPtr, isPtr, dwPtr, dbPtr);
      m.heap.set(x.subarray(0, size), xPtr / 4);
      m.heap.set(grad.subarray(0, size), gradPtr / 4);
      if (reluOutput !== null) m.heap.set(reluOutput.subarray(0, size), reluPtr / 4);
      if (weight !== null) w64!.set(weight.subarray(0, C));
      mean64!.set(mean.subarray(0, C));
      is64!.set(invstd.subarray(0, C));
      m.exports.batchNormBackward(
        N,
        C,
        S,
        xPtr,
        gradPtr,
        weight === null ? 0 : wPtr,
        batchStats ? 1 : 0,
        meanPtr,
        isPtr,
        dx === null ? 0 : dxPtr,
        dweight === null ? 0 : dwPtr,
        dbias === null ? 0 : dbPtr,
        reluOutput === null ? 0 : reluPtr,
      );
      dx?.set(m.heap.subarray(dxPtr / 4, dxPtr / 4 + size));
      dweight?.set(dw64!);
      dbias?.set(db64!);
    },
    maxPool2dForward(g, x, out, argmax) {
      if (!isFloat32(x, out)) return js.maxPool2dForward(g, x, out, argmax);
      checkPoolArgs("maxPool2dForward", g, { x }, { out }, argmax);
      const outputs = g.n * g.c * g.oH * g.oW;
      const wide = argmax instanceof Int32Array ? 1 : 0;
      const m = layout(engine(), g, [g.n * g.c * g.h * g.w, outputs, outputs]);
      const [xPtr, outPtr, argmaxPtr] = m.ptr;
      copyIn(m.heap, xPtr, x, g.n * g.c * g.h * g.w);
      m.exports.maxPool2dForward(m.geom, xPtr, outPtr, argmaxPtr, wide);
      out.set(m.heap.subarray(outPtr / 4, outPtr / 4 + outputs));
      if (wide) argmax.set(new Int32Array(m.heap.buffer, argmaxPtr, outputs));
      else argmax.set(new Uint8Array(m.heap.buffer, argmaxPtr, outputs));
    },
    maxPool2dBackward(g, grad, argmax, dx) {
      if (!isFloat32(grad, dx)) return js.maxPool2dBackward(g, grad, argmax, dx);
      checkPoolArgs("maxPool2dBackward", g, { dx }, { grad }, argmax);
      const outputs = g.n * g.c * g.oH * g.oW;
      const wide = argmax instanceof Int32Array ? 1 : 0;
      pool(
        g,
        [
          [grad, outputs],
          [argmax, outputs],
        ],
        [dx, g.n * g.c * g.h * g.w],
        (e, geom, p) => e.maxPool2dBackward(geom, p[0]!, p[1]!, wide, p[2]!),
      );
    },
    avgPool2dForward(g, countIncludePad, x, out) {
      if (!isFloat32(x, out)) return js.avgPool2dForward(g, countIncludePad, x, out);
      checkPoolArgs("avgPool2dForward", g, { x }, { out }, null);
      pool(g, [[x, g.n * g.c * g.h * g.w]], [out, g.n * g.c * g.oH * g.oW], (e, geom, p) =>
        e.avgPool2dForward(geom, countIncludePad ? 1 : 0, p[0]!, p[1]!),
      );
    },
    avgPool2dBackward(g, countIncludePad, grad, dx) {
      if (!isFloat32(grad, dx)) return js.avgPool2dBackward(g, countIncludePad, grad, dx);
      checkPoolArgs("avgPool2dBackward", g, { dx }, { grad }, null);
      pool(g, [[grad, g.n * g.c * g.oH * g.oW]], [dx, g.n * g.c * g.h * g.w], (e, geom, p) =>
        e.avgPool2dBackward(geom, countIncludePad ? 1 : 0, p[0]!, p[1]!),
      );
    },
    conv2dForward(g, outC, x, weight, bias, out) {
      if (!isFloat32(x, weight, bias, out)) return js.conv2dForward(g, outC, x, weight, bias, out);
      checkConvArgs("conv2dForward", g, outC, { x, weight, bias, out });
      const K = g.c * g.kH * g.kW;
      const Kb = bias === null ? K : K + 1;
      const P = g.oH * g.oW;
      const xCount = g.n * g.c * g.h * g.w;
      const outCount = g.n * outC * P;
      const m = layout(engine(), g, [xCount, outC * Kb, outCount, Kb * P]);
      const [xPtr, wPtr, outPtr, colPtr] = m.ptr;
      m.heap.set(x.subarray(0, xCount), xPtr / 4);
      if (bias === null) m.heap.set(weight.subarray(0, outC * K), wPtr / 4);
      else {
        for (let o = 0; o < outC; o++) {
          m.heap.set(weight.subarray(o * K, o * K + K), wPtr / 4 + o * Kb);
          m.heap[wPtr / 4 + o * Kb + K] = bias[o]!;
        }
      }
      m.exports.conv2dForward(m.geom, outC, xPtr, wPtr, bias === null ? 0 : 1, outPtr, colPtr, m.scratch);
      out.set(m.heap.subarray(outPtr / 4, outPtr / 4 + outCount));
    },
    conv2dBackwardInput(g, outC, grad, weight, dx) {
      if (!isFloat32(grad, weight, dx)) return js.conv2dBackwardInput(g, outC, grad, weight, dx);
      checkConvArgs("conv2dBackwardInput", g, outC, { x: dx, weight, out: grad });
      const K = g.c * g.kH * g.kW;
      const P = g.oH * g.oW;
      const dxCount = g.n * g.c * g.h * g.w;
      const gradCount = g.n * outC * P;
      const m = layout(engine(), g, [gradCount, outC * K, dxCount, K * P]);
      const [gradPtr, wPtr, dxPtr, colPtr] = m.ptr;
      m.heap.set(grad.subarray(0, gradCount), gradPtr / 4);
      m.heap.set(weight.subarray(0, outC * K), wPtr / 4);
      m.exports.conv2dBackwardInput(m.geom, outC, gradPtr, wPtr, dxPtr, colPtr, m.scratch);
      dx.set(m.heap.subarray(dxPtr / 4, dxPtr / 4 + dxCount));
    },
    conv2dBackwardWeight(g, outC, x, grad, dweight, dbias) {
      if (!isFloat32(x, grad, dweight, dbias)) return js.conv2dBackwardWeight(g, outC, x, grad, dweight, dbias);
      checkConvArgs("conv2dBackwardWeight", g, outC, { x, weight: dweight, bias: dbias, out: grad });
      const K = g.c * g.kH * g.kW;
      const Kb = dbias === null ? K : K + 1;
      const P = g.oH * g.oW;
      const xCount = g.n * g.c * g.h * g.w;
      const gradCount = g.n * outC * P;
      const m = layout(engine(), g, [xCount, gradCount, outC * Kb, Kb * P]);
      const [xPtr, gradPtr, dwPtr, colPtr] = m.ptr;
      m.heap.set(x.subarray(0, xCount), xPtr / 4);
      m.heap.set(grad.subarray(0, gradCount), gradPtr / 4);
      m.exports.conv2dBackwardWeight(m.geom, outC, xPtr, gradPtr, dbias === null ? 0 : 1, dwPtr, colPtr, m.scratch);
      const dwb = m.heap.subarray(dwPtr / 4, dwPtr / 4 + outC * Kb);
      if (dbias === null) {
        dweight.set(dwb);
        return;
      }
      for (let o = 0; o < outC; o++) {
        dweight.set(dwb.subarray(o * Kb, o * Kb + K), o * K);
        dbias[o] = dwb[o * Kb + K]!;
      }
    },
  };
}
