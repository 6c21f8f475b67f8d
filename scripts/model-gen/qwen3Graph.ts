/**
 * The ONNX graph of a Qwen3ForCausalLM in the layout Optimum and onnx-community export it with a
 * key/value cache ("text-generation-with-past"):
 *
 *   in:  input_ids, attention_mask [batch, past + sequence], position_ids (int64),
 *        past_key_values.{i}.key|value float32 [batch, kvHeads, past, headDim]
 *   out: logits [batch, sequence, vocab], present.{i}.key|value [batch, kvHeads, past + sequence, headDim]
 *
 * Plain ops only (no com.microsoft fused attention): RMSNorm as Pow/ReduceMean/Sqrt/Div, rotary
 * positions from position_ids, causal + padding mask as in transformers, the grouped keys and
 * values repeated per query head, and the logits as the final hidden states times the transposed
 * embedding matrix (tied).
 */
import { FLOAT32_MIN } from './bertGraph.js';
import { attr, elemTypeCode, GraphBuilder } from './onnxBuilder.js';
import { matmulWeight, type Precision } from './quantize.js';
import type { Qwen3LayerWeights, Qwen3Spec, Qwen3Weights } from './qwen3Weights.js';

export const BATCH = 'batch_size';
export const SEQUENCE = 'sequence_length';
export const PAST = 'past_sequence_length';
export const TOTAL = 'total_sequence_length';

function rmsNorm(g: GraphBuilder, x: string, name: string, weight: Float32Array, eps: number): string {
  const w = g.initializer(`${name}.weight`, { type: 'float32', dims: [weight.length], data: weight });
  const square = g.op('Pow', [x, g.constFloat(2)]);
  const mean = g.op('ReduceMean', [square], { axes: attr.ints([-1]), keepdims: attr.int(1) });
  const rms = g.op('Sqrt', [g.op('Add', [mean, g.constFloat(eps)])]);
  return g.op('Mul', [w, g.op('Div', [x, rms])]);
}

/** x times a weight matrix [in, out], in fp32 or in the dynamic int8 pattern ONNX Runtime's quantizer writes. */
export function matmul(g: GraphBuilder, x: string, name: string, weight: Float32Array, dims: [number, number], precision: Precision = 'fp32', output?: string): string {
  return matmulWeight(g, x, `${name}.weight`, weight, dims, precision, output);
}

/** transformers' rotate_half: [-x2, x1] for x = [x1, x2] split at headDim / 2. */
function rotateHalf(g: GraphBuilder, x: string, headDim: number): string {
  const half = headDim / 2;
  const x1 = g.op('Slice', [x, g.constInt64([0]), g.constInt64([half]), g.constInt64([-1])]);
  const x2 = g.op('Slice', [x, g.constInt64([half]), g.constInt64([headDim]), g.constInt64([-1])]);
  return g.op('Concat', [g.op('Neg', [x2]), x1], { axis: attr.int(-1) });
}

function applyRotary(g: GraphBuilder, x: string, cos: string, sin: string, headDim: number): string {
  return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotateHalf(g, x, headDim), sin])]);
}

/** cos and sin of position_ids x inv_freq, [batch, 1, sequence, headDim], as Qwen3RotaryEmbedding. */
function rotaryTables(g: GraphBuilder, spec: Qwen3Spec, positionIds: string): [string, string] {
  const half = spec.headDim / 2;
  const invFreq = Array.from({ length: half }, (_, i) => 1 / spec.ropeTheta ** ((2 * i) / spec.headDim));
  const positions = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: attr.int(elemTypeCode('float32')) }), g.constInt64([-1])]);
  const freqs = g.op('Mul', [positions, g.constFloat(invFreq)]);
  const emb = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: attr.int(-1) }), g.constInt64([1])]);
  return [g.op('Cos', [emb]), g.op('Sin', [emb])];
}

/** 0 where a query may attend to a key (at or before it, and not padding), float32 min elsewhere: [batch, 1, sequence, total]. */
function attentionBias(g: GraphBuilder, inputIds: string, attentionMask: string): string {
  const sequence = g.op('Gather', [g.op('Shape', [inputIds]), g.constInt64(1)], { axis: attr.int(0) });
  const total = g.op('Gather', [g.op('Shape', [attentionMask]), g.constInt64(1)], { axis: attr.int(0) });
  const past = g.op('Sub', [total, sequence]);
  const keyAt = g.op('Unsqueeze', [g.op('Range', [g.constInt64(0), total, g.constInt64(1)]), g.constInt64([0])]);
  const queryAt = g.op('Unsqueeze', [g.op('Range', [past, total, g.constInt64(1)]), g.constInt64([1])]);
  const causal = g.op('LessOrEqual', [keyAt, queryAt]);
  const notPadding = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: attr.int(elemTypeCode('bool')) }), g.constInt64([1, 2])]);
  return g.op('Where', [g.op('And', [causal, notPadding]), g.constFloat(0), g.constFloat(FLOAT32_MIN)]);
}

function attention(
  g: GraphBuilder,
  spec: Qwen3Spec,
  w: Qwen3LayerWeights,
  x: string,
  i: number,
  tables: { cos: string; sin: string; bias: string },
  precision: Precision,
): string {
  const { hidden: h, heads, kvHeads, headDim } = spec;
  const p = `model.layers.${i}.self_attn`;
  const headsOf = (t: string, n: number) => g.op('Reshape', [t, g.constInt64([0, 0, n, headDim])]);
  const toHeadsFirst = (t: string) => g.op('Transpose', [t], { perm: attr.ints([0, 2, 1, 3]) });
  let q = toHeadsFirst(rmsNorm(g, headsOf(matmul(g, x, `${p}.q_proj`, w.q, [h, heads * headDim], precision), heads), `${p}.q_norm`, w.qNorm, spec.rmsNormEps));
  let k = toHeadsFirst(rmsNorm(g, headsOf(matmul(g, x, `${p}.k_proj`, w.k, [h, kvHeads * headDim], precision), kvHeads), `${p}.k_norm`, w.kNorm, spec.rmsNormEps));
  const v = toHeadsFirst(headsOf(matmul(g, x, `${p}.v_proj`, w.v, [h, kvHeads * headDim], precision), kvHeads));
  q = applyRotary(g, q, tables.cos, tables.sin, headDim);
  k = applyRotary(g, k, tables.cos, tables.sin, headDim);
  const keys = g.op('Concat', [`past_key_values.${i}.key`, k], { axis: attr.int(2) }, `present.${i}.key`);
  const values = g.op('Concat', [`past_key_values.${i}.value`, v], { axis: attr.int(2) }, `present.${i}.value`);
  // repeat_kv: each key/value head serves heads / kvHeads query heads.
  const repeat = (t: string) =>
    g.op('Reshape', [g.op('Expand', [g.op('Unsqueeze', [t, g.constInt64([2])]), g.constInt64([1, 1, heads / kvHeads, 1, 1])]), g.constInt64([0, heads, -1, headDim])]);
  const keyT = g.op('Transpose', [repeat(keys)], { perm: attr.ints([0, 1, 3, 2]) });
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, keyT]), g.constFloat(1 / Math.sqrt(headDim))]), tables.bias]);
  const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.int(-1) }), repeat(values)]);
  const merged = g.op('Reshape', [toHeadsFirst(context), g.constInt64([0, 0, heads * headDim])]);
  return matmul(g, merged, `${p}.o_proj`, w.o, [heads * headDim, h], precision);
}

export function mlp(g: GraphBuilder, spec: Qwen3Spec, w: Qwen3LayerWeights, x: string, i: number, precision: Precision = 'fp32'): string {
  const p = `model.layers.${i}.mlp`;
  const gate = matmul(g, x, `${p}.gate_proj`, w.gate, [spec.hidden, spec.intermediate], precision);
  const silu = g.op('Mul', [gate, g.op('Sigmoid', [gate])]);
  const up = matmul(g, x, `${p}.up_proj`, w.up, [spec.hidden, spec.intermediate], precision);
  return matmul(g, g.op('Mul', [silu, up]), `${p}.down_proj`, w.down, [spec.intermediate, spec.hidden], precision);
}

/** The graph, built but not yet encoded: the caller picks one file or external weights. */
export function buildQwen3Graph(spec: Qwen3Spec, weights: Qwen3Weights, precision: Precision = 'fp32'): GraphBuilder {
  const g = new GraphBuilder('main_graph');
  const inputIds = g.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = g.input('attention_mask', 'int64', [BATCH, TOTAL]);
  const positionIds = g.input('position_ids', 'int64', [BATCH, SEQUENCE]);
  for (let i = 0; i < spec.layers; i++) {
    g.input(`past_key_values.${i}.key`, 'float32', [BATCH, spec.kvHeads, PAST, spec.headDim]);
    g.input(`past_key_values.${i}.value`, 'float32', [BATCH, spec.kvHeads, PAST, spec.headDim]);
  }
  const embed = g.initializer('model.embed_tokens.weight', { type: 'float32', dims: [spec.vocabSize, spec.hidden], data: weights.embed });
  let hidden = g.op('Gather', [embed, inputIds], { axis: attr.int(0) });
  // In its own scope: an fp16 export keeps computing these in float32 (convertToFloat16).
  const [cos, sin] = g.scoped('rotary', () => rotaryTables(g, spec, positionIds));
  const tables = { cos, sin, bias: attentionBias(g, inputIds, attentionMask) };
  weights.layers.forEach((w, i) => {
    g.scoped(`model/layers.${i}`, () => {
      const normed = rmsNorm(g, hidden, `model.layers.${i}.input_layernorm`, w.inputNorm, spec.rmsNormEps);
      hidden = g.op('Add', [hidden, attention(g, spec, w, normed, i, tables, precision)]);
      const normed2 = rmsNorm(g, hidden, `model.layers.${i}.post_attention_layernorm`, w.postNorm, spec.rmsNormEps);
      hidden = g.op('Add', [hidden, mlp(g, spec, w, normed2, i, precision)]);
    });
  });
  const final = rmsNorm(g, hidden, 'model.norm', weights.finalNorm, spec.rmsNormEps);
  // lm_head tied to the embeddings: the exporter multiplies by the transposed shared matrix.
  g.op('MatMul', [final, g.op('Transpose', [embed], { perm: attr.ints([1, 0]) })], {}, 'logits');
  g.output('logits', 'float32', [BATCH, SEQUENCE, spec.vocabSize]);
  for (let i = 0; i < spec.layers; i++) {
    g.output(`present.${i}.key`, 'float32', [BATCH, spec.kvHeads, TOTAL, spec.headDim]);
    g.output(`present.${i}.value`, 'float32', [BATCH, spec.kvHeads, TOTAL, spec.headDim]);
  }
  return g;
}

export const QWEN3_DOC = 'Qwen3ForCausalLM (crossrank test model, generated)';
