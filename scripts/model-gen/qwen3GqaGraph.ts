/**
 * The ONNX graph of a Qwen3ForCausalLM in the form onnxruntime-genai's model builder writes for
 * the CPU (src/python/py/models/builders/base.py, Qwen3Model; onnx-community's Qwen3 ONNX repos
 * ship this form), from the same weights as qwen3Graph.ts:
 *
 *   in:  input_ids, attention_mask [batch, total] (int64), past_key_values.{i}.key|value
 *        float32 [batch, kvHeads, past, headDim]; no position_ids (rotary runs inside attention)
 *   out: logits [batch, sequence, vocab], present.{i}.key|value
 *
 * Attention is one com.microsoft.GroupQueryAttention per layer with do_rotary and cos/sin caches
 * [maxPositions, headDim / 2] (or, with `rotaryInAttention: false`, as the builder writes it for
 * EPs whose GQA cannot rotate: a position_ids input and com.microsoft.RotaryEmbedding on q and k
 * before a GQA without do_rotary); it reads no mask, only seqlens_k = ReduceSum(attention_mask) - 1
 * and total_sequence_length = attention_mask's width (both int32), computed in the graph as the
 * builder does. RMSNorms are SimplifiedLayerNormalization (the first and the q/k norms) and
 * com.microsoft.SkipSimplifiedLayerNormalization (residual add + norm, its 4th output the sum);
 * the q/k norms run on [batch, sequence * heads, headDim] reshapes; the head multiplies by its
 * own [hidden, vocab] copy of the tied embeddings (lm_head.MatMul.weight), in the file's precision.
 */
import { attr, elemTypeCode, GraphBuilder } from './onnxBuilder.js';
import type { Precision } from './quantize.js';
import { BATCH, matmul, mlp, PAST, SEQUENCE, TOTAL } from './qwen3Graph.js';
import type { Qwen3LayerWeights, Qwen3Spec, Qwen3Weights } from './qwen3Weights.js';

const MS = 'com.microsoft';

function simplifiedNorm(g: GraphBuilder, x: string, weightName: string, weight: Float32Array, eps: number): string {
  const w = g.initializer(weightName, { type: 'float32', dims: [weight.length], data: weight });
  return g.op('SimplifiedLayerNormalization', [x, w], { axis: attr.int(-1), epsilon: attr.float(eps), stash_type: attr.int(1) });
}

/** residual + skip, normalized: [normed, residual + skip] (the sum feeds the next residual). */
function skipNorm(g: GraphBuilder, residual: string, skip: string, weightName: string, weight: Float32Array, eps: number, last = false): [string, string] {
  const w = g.initializer(weightName, { type: 'float32', dims: [weight.length], data: weight });
  const name = weightName.replace(/\.weight$/, '');
  const outputs = last ? [`${name}/output_0`] : [`${name}/output_0`, '', '', `${name}/output_3`];
  const [normed, , , sum] = g.node('SkipSimplifiedLayerNormalization', [residual, skip, w], { epsilon: attr.float(eps) }, outputs, MS);
  return [normed, sum];
}

/** The builder's per-head q/k norm: [batch, sequence, heads * headDim] -> [batch, sequence * heads, headDim] -> norm -> back. */
function headNorm(g: GraphBuilder, x: string, weightName: string, weight: Float32Array, spec: Qwen3Spec, heads: number): string {
  const perHead = g.op('Reshape', [x, g.constInt64([0, -1, spec.headDim])]);
  const normed = simplifiedNorm(g, perHead, weightName, weight, spec.rmsNormEps);
  return g.op('Reshape', [normed, g.constInt64([0, -1, heads * spec.headDim])]);
}

/** cos and sin of position x inv_freq for every position, [maxPositions, headDim / 2]: GroupQueryAttention's rotary caches. */
function rotaryCaches(g: GraphBuilder, spec: Qwen3Spec): [string, string] {
  const half = spec.headDim / 2;
  const cos = new Float32Array(spec.maxPositions * half);
  const sin = new Float32Array(spec.maxPositions * half);
  for (let position = 0; position < spec.maxPositions; position++) {
    for (let i = 0; i < half; i++) {
      // float32 arithmetic, as the builder's torch code computes the caches.
      const angle = Math.fround(position * Math.fround(1 / Math.fround(spec.ropeTheta ** ((2 * i) / spec.headDim))));
      cos[position * half + i] = Math.cos(angle);
      sin[position * half + i] = Math.sin(angle);
    }
  }
  return [
    g.initializer('cos_cache', { type: 'float32', dims: [spec.maxPositions, half], data: cos }),
    g.initializer('sin_cache', { type: 'float32', dims: [spec.maxPositions, half], data: sin }),
  ];
}

interface AttentionTables {
  seqlensK: string;
  totalSequenceLength: string;
  cos: string;
  sin: string;
  /** Set where rotary runs outside attention (RotaryEmbedding reads the positions). */
  positionIds?: string;
}

function rotaryEmbedding(g: GraphBuilder, x: string, tables: AttentionTables): string {
  if (!tables.positionIds) return x;
  return g.node('RotaryEmbedding', [x, tables.positionIds, tables.cos, tables.sin], { interleaved: attr.int(0) }, 1, MS)[0];
}

function attention(g: GraphBuilder, spec: Qwen3Spec, w: Qwen3LayerWeights, x: string, i: number, tables: AttentionTables, precision: Precision): string {
  const { hidden: h, heads, kvHeads, headDim } = spec;
  const p = `model.layers.${i}.attn`;
  const q = headNorm(g, matmul(g, x, `${p}.q_proj`, w.q, [h, heads * headDim], precision), `${p}.q_norm.layernorm.weight`, w.qNorm, spec, heads);
  const k = headNorm(g, matmul(g, x, `${p}.k_proj`, w.k, [h, kvHeads * headDim], precision), `${p}.k_norm.layernorm.weight`, w.kNorm, spec, kvHeads);
  const v = matmul(g, x, `${p}.v_proj`, w.v, [h, kvHeads * headDim], precision);
  const inside = !tables.positionIds;
  const [context] = g.node(
    'GroupQueryAttention',
    [
      rotaryEmbedding(g, q, tables),
      rotaryEmbedding(g, k, tables),
      v,
      `past_key_values.${i}.key`,
      `past_key_values.${i}.value`,
      tables.seqlensK,
      tables.totalSequenceLength,
      ...(inside ? [tables.cos, tables.sin] : []),
    ],
    {
      num_heads: attr.int(heads),
      kv_num_heads: attr.int(kvHeads),
      scale: attr.float(1 / Math.sqrt(headDim)),
      local_window_size: attr.int(-1),
      softcap: attr.float(0),
      do_rotary: attr.int(inside ? 1 : 0),
      rotary_interleaved: attr.int(0),
    },
    [`/model/layers.${i}/attn/GroupQueryAttention/output_0`, `present.${i}.key`, `present.${i}.value`],
    MS,
  );
  return matmul(g, context, `${p}.o_proj`, w.o, [heads * headDim, h], precision);
}

/** seqlens_k (per row: attended tokens - 1) and total_sequence_length (the mask's width), int32, as the builder derives them. */
function maskLengths(g: GraphBuilder, attentionMask: string): Pick<AttentionTables, 'seqlensK' | 'totalSequenceLength'> {
  const toInt32 = (x: string) => g.op('Cast', [x], { to: attr.int(elemTypeCode('int32')) });
  const attended = g.op('ReduceSum', [attentionMask, g.constInt64([1])], { keepdims: attr.int(0) });
  const width = g.op('Gather', [g.op('Shape', [attentionMask]), g.constInt64(1)], { axis: attr.int(0) });
  return { seqlensK: toInt32(g.op('Sub', [attended, g.constInt64(1)])), totalSequenceLength: toInt32(width) };
}

/** The graph, built but not yet encoded. */
export function buildQwen3GqaGraph(spec: Qwen3Spec, weights: Qwen3Weights, precision: Precision = 'fp32', rotaryInAttention = true): GraphBuilder {
  const g = new GraphBuilder('main_graph');
  const inputIds = g.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = g.input('attention_mask', 'int64', [BATCH, TOTAL]);
  const positionIds = rotaryInAttention ? undefined : g.input('position_ids', 'int64', [BATCH, SEQUENCE]);
  for (let i = 0; i < spec.layers; i++) {
    g.input(`past_key_values.${i}.key`, 'float32', [BATCH, spec.kvHeads, PAST, spec.headDim]);
    g.input(`past_key_values.${i}.value`, 'float32', [BATCH, spec.kvHeads, PAST, spec.headDim]);
  }
  const embed = g.initializer('model.embed_tokens.weight', { type: 'float32', dims: [spec.vocabSize, spec.hidden], data: weights.embed });
  const [cos, sin] = rotaryCaches(g, spec);
  const tables: AttentionTables = { ...maskLengths(g, attentionMask), cos, sin, positionIds };
  let residual = g.op('Gather', [embed, inputIds], { axis: attr.int(0) });
  let normed = simplifiedNorm(g, residual, 'model.layers.0.input_layernorm.weight', weights.layers[0].inputNorm, spec.rmsNormEps);
  let skip = '';
  weights.layers.forEach((w, i) => {
    g.scoped(`model/layers.${i}`, () => {
      if (i > 0) [normed, residual] = skipNorm(g, residual, skip, `model.layers.${i}.input_layernorm.weight`, w.inputNorm, spec.rmsNormEps);
      const attended = attention(g, spec, w, normed, i, tables, precision);
      [normed, residual] = skipNorm(g, residual, attended, `model.layers.${i}.post_attention_layernorm.weight`, w.postNorm, spec.rmsNormEps);
      skip = mlp(g, spec, w, normed, i, precision);
    });
  });
  const [final] = skipNorm(g, residual, skip, 'model.norm.weight', weights.finalNorm, spec.rmsNormEps, true);
  // The builder stores lm_head.weight transposed as the head's own initializer, tied or not, and
  // quantizes it with the rest: an int8 or 4-bit head is no plain MatMul (the output cut leaves it).
  const head = new Float32Array(spec.hidden * spec.vocabSize);
  for (let v = 0; v < spec.vocabSize; v++) for (let d = 0; d < spec.hidden; d++) head[d * spec.vocabSize + v] = weights.embed[v * spec.hidden + d];
  matmul(g, final, 'lm_head.MatMul', head, [spec.hidden, spec.vocabSize], precision, 'logits');
  g.output('logits', 'float32', [BATCH, SEQUENCE, spec.vocabSize]);
  for (let i = 0; i < spec.layers; i++) {
    g.output(`present.${i}.key`, 'float32', [BATCH, spec.kvHeads, TOTAL, spec.headDim]);
    g.output(`present.${i}.value`, 'float32', [BATCH, spec.kvHeads, TOTAL, spec.headDim]);
  }
  return g;
}
