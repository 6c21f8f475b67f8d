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

/** fp32; int8 as `quantize_dynamic` writes it; q4 as ONNX Runtime's 4-bit MatMulNBits (onnx-community's model_q4.onnx). */
export type Precision = 'fp32' | 'int8' | 'q4';

/** The K-block of MatMulNBits weights: onnx-community's Qwen3 q4 files use 32. */
export const Q4_BLOCK_SIZE = 32;

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
 * precision, and returns the float32 result's name (`output` where given; bias is left to the
 * caller, as in the exporter's MatMul + Add).
 */
export function matmulWeight(
  g: GraphBuilder,
  x: string,
  name: string,
  weights: Float32Array,
  dims: [number, number],
  precision: Precision,
  output?: string,
): string {
  if (precision === 'fp32') {
    const w = g.initializer(name, { type: 'float32', dims, data: weights });
    return g.op('MatMul', [x, w], {}, output);
  }
  if (precision === 'q4') return matmulNBits(g, x, name, weights, dims, output);

  const q = quantizeSymmetricInt8(weights);
  const wq = g.initializer(`${name}_quantized`, { type: 'int8', dims, data: q.values });
  const wScale = g.initializer(`${name}_scale`, { type: 'float32', dims: [], data: Float32Array.of(q.scale) });
  const wZero = g.initializer(`${name}_zero_point`, { type: 'int8', dims: [], data: Int8Array.of(0) });

  const [xq, xScale, xZero] = dynamicQuantize(g, x);
  const acc = g.op('MatMulInteger', [xq, wq, xZero, wZero]);
  const accFloat = g.op('Cast', [acc], { to: attr.int(elemTypeCode('float32')) });
  const scale = g.op('Mul', [xScale, wScale]);
  return g.op('Mul', [accFloat, scale], {}, output);
}

/**
 * W [K, N] in MatMulNBits' 4-bit layout: per output column n and block of Q4_BLOCK_SIZE rows,
 * one float32 scale (symmetric, max|w| / 7) and the values q = round(w / scale) + 8 in [0, 15]
 * (8 is the op's zero point when none is given), two to a byte, the first in the low nibble.
 * B is [N, blocks, blockSize / 2] uint8, scales [N * blocks].
 */
export function quantizeBlockwise4(weights: Float32Array, [k, n]: [number, number]): { packed: Uint8Array; scales: Float32Array; blocks: number } {
  const blocks = Math.ceil(k / Q4_BLOCK_SIZE);
  const blob = Q4_BLOCK_SIZE / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  for (let column = 0; column < n; column++) {
    for (let block = 0; block < blocks; block++) {
      const rows = Array.from({ length: Q4_BLOCK_SIZE }, (_, i) => block * Q4_BLOCK_SIZE + i);
      const values = rows.map((row) => (row < k ? weights[row * n + column] : 0));
      const maxAbs = Math.max(...values.map(Math.abs));
      const scale = Math.fround(maxAbs > 0 ? maxAbs / 7 : 1);
      scales[column * blocks + block] = scale;
      values.forEach((value, i) => {
        const q = Math.max(0, Math.min(15, Math.round(value / scale) + 8));
        packed[(column * blocks + block) * blob + (i >> 1)] |= i % 2 === 0 ? q : q << 4;
      });
    }
  }
  return { packed, scales, blocks };
}

function matmulNBits(g: GraphBuilder, x: string, name: string, weights: Float32Array, dims: [number, number], output?: string): string {
  const [k, n] = dims;
  const { packed, scales, blocks } = quantizeBlockwise4(weights, dims);
  const b = g.initializer(`${name}_Q4`, { type: 'uint8', dims: [n, blocks, Q4_BLOCK_SIZE / 2], data: packed });
  const s = g.initializer(`${name}_scales`, { type: 'float32', dims: [n * blocks], data: scales });
  const attributes = { K: attr.int(k), N: attr.int(n), bits: attr.int(4), block_size: attr.int(Q4_BLOCK_SIZE) };
  return g.node('MatMulNBits', [x, b, s], attributes, output === undefined ? 1 : [output], 'com.microsoft')[0];
}
