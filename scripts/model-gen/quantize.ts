/**
 * Weight MatMuls in fp32 or in ONNX Runtime's dynamic-quantization ("MatMulInteger")
 * pattern, the graph `onnxruntime.quantization.quantize_dynamic` writes for MatMul with
 * the default QInt8 weights:
 *
 *   x -> DynamicQuantizeLinear -> (x_q: uint8, x_scale, x_zero_point)
 *   MatMulInteger(x_q, W_q: int8, x_zero_point, W_zero_point = 0) -> int32
 *   Cast(to float) * (x_scale * W_scale)
 *
 * Weights are quantized symmetrically per tensor: scale = max|W| / 127, zero point 0.
 * Like ORT's quantizer, an activation feeding several weight MatMuls (the query, key and
 * value projections) is quantized once and shared.
 */
import type { GraphBuilder } from './onnxBuilder.js';
import { attr, elemTypeCode } from './onnxBuilder.js';

export type Precision = 'fp32' | 'int8';

export interface QuantizedWeight {
  values: Int8Array;
  /** Already rounded to float32, the value stored in the model. */
  scale: number;
}

/** Per graph: float activation name -> its DynamicQuantizeLinear outputs. */
const quantizedActivations = new WeakMap<GraphBuilder, Map<string, string[]>>();

function dynamicQuantize(g: GraphBuilder, x: string): string[] {
  let cache = quantizedActivations.get(g);
  if (cache === undefined) {
    cache = new Map();
    quantizedActivations.set(g, cache);
  }
  let outputs = cache.get(x);
  if (outputs === undefined) {
    outputs = g.node('DynamicQuantizeLinear', [x], {}, 3);
    cache.set(x, outputs);
  }
  return outputs;
}

export function quantizeSymmetricInt8(weights: Float32Array): QuantizedWeight {
  let maxAbs = 0;
  for (let i = 0; i < weights.length; i++) maxAbs = Math.max(maxAbs, Math.abs(weights[i]));
  // An all-zero tensor would give scale 0 and NaNs on dequantization; any positive scale is exact.
  const scale = Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    values[i] = Math.max(-127, Math.min(127, Math.round(weights[i] / scale)));
  }
  return { values, scale };
}

/**
 * Emits x @ W where W is a constant [inDim, outDim] weight named `name`, in the requested
 * precision, and returns the float32 result's name (bias is left to the caller, as in
 * the exporter's MatMul + Add).
 */
export function matmulWeight(
  g: GraphBuilder,
  x: string,
  name: string,
  weights: Float32Array,
  dims: [number, number],
  precision: Precision,
): string {
  if (precision === 'fp32') {
    const w = g.initializer(name, { type: 'float32', dims, data: weights });
    return g.op('MatMul', [x, w]);
  }

  const q = quantizeSymmetricInt8(weights);
  const wq = g.initializer(`${name}_quantized`, { type: 'int8', dims, data: q.values });
  const wScale = g.initializer(`${name}_scale`, { type: 'float32', dims: [], data: Float32Array.of(q.scale) });
  const wZero = g.initializer(`${name}_zero_point`, { type: 'int8', dims: [], data: Int8Array.of(0) });

  const [xq, xScale, xZero] = dynamicQuantize(g, x);
  const acc = g.op('MatMulInteger', [xq, wq, xZero, wZero]);
  const accFloat = g.op('Cast', [acc], { to: attr.int(elemTypeCode('float32')) });
  const scale = g.op('Mul', [xScale, wScale]);
  return g.op('Mul', [accFloat, scale]);
}
