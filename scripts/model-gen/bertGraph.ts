/**
 * The ONNX graphs of Hugging Face BertForSequenceClassification (arch 'bert') or an
 * XLM-RoBERTa-style classifier (arch 'roberta'), and of the bare encoder (BertModel) as
 * sentence-transformers embedding models export it, in the op pattern torch.onnx.export
 * (opset 17) produces for them.
 *
 * Inputs: input_ids, attention_mask (and token_type_ids for 'bert'), int64 [batch, sequence];
 * arch 'no-token-types' has the inputs of ModernBERT / DeBERTa-v3 exports with BERT's layers.
 * Output: logits, float32 [batch, numLabels] (classifier); last_hidden_state [batch, sequence,
 * hidden] or a pooled sentence_embedding [batch, hidden] (embedding model).
 */
import type { BertLayerWeights, BertSpec, BertWeights } from './bertWeights.js';
import { validateSpec } from './bertWeights.js';
import { GraphBuilder, attr, elemTypeCode } from './onnxBuilder.js';
import { lexicalMatchScore, type LexicalMatchWeights } from './lexicalMatch.js';
import { matmulWeight, type Precision } from './quantize.js';

/** torch.finfo(torch.float32).min, the additive mask HF uses for padded keys. */
export const FLOAT32_MIN = -3.4028234663852886e38;

const BATCH = 'batch';
const SEQUENCE = 'sequence';

export interface BertGraphOptions {
  precision: Precision;
}

export interface BertClassifierOptions extends BertGraphOptions {
  /** Adds the exact-match channel (lexicalMatch.ts) to the logit; 'bert' arch only (it reads token_type_ids). */
  lexical?: LexicalMatchWeights;
  /**
   * The encoder reads only the first `length` tokens of a longer input, the last of them made a
   * [SEP] (what Hugging Face's truncation to `length` gives when the query is short); the
   * exact-match channel still reads the whole input. The starter's encoder was trained on 128
   * tokens, and its channel ranks better seeing more of the document (training/README.md).
   */
  encoderWindow?: { length: number; sepTokenId: number };
}

/** x @ W + b, with W an [inDim, outDim] constant. */
function dense(
  g: GraphBuilder,
  x: string,
  name: string,
  w: Float32Array,
  b: Float32Array,
  dims: [number, number],
  precision: Precision,
  outputName?: string,
): string {
  const product = matmulWeight(g, x, `${name}.weight`, w, dims, precision);
  const bias = g.initializer(`${name}.bias`, { type: 'float32', dims: [dims[1]], data: b });
  return g.op('Add', [bias, product], {}, outputName);
}

function layerNorm(g: GraphBuilder, x: string, name: string, gamma: Float32Array, beta: Float32Array, eps: number): string {
  const scale = g.initializer(`${name}.weight`, { type: 'float32', dims: [gamma.length], data: gamma });
  const bias = g.initializer(`${name}.bias`, { type: 'float32', dims: [beta.length], data: beta });
  return g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(eps) });
}

/** Exact (erf) GELU as the exporter writes nn.GELU(): x * 0.5 * (1 + erf(x / sqrt 2)). */
function gelu(g: GraphBuilder, x: string): string {
  const scaled = g.op('Div', [x, g.constFloat(Math.SQRT2)]);
  const erf = g.op('Erf', [scaled]);
  const onePlus = g.op('Add', [erf, g.constFloat(1)]);
  const times = g.op('Mul', [x, onePlus]);
  return g.op('Mul', [times, g.constFloat(0.5)]);
}

/** Position ids 0..seq-1, shared by every row (BERT's registered position_ids buffer). */
function bertPositionIds(g: GraphBuilder, inputIds: string): string {
  const shape = g.op('Shape', [inputIds]);
  const seqLen = g.op('Gather', [shape, g.constInt64(1)], { axis: attr.int(0) });
  return g.op('Range', [g.constInt64(0), seqLen, g.constInt64(1)]);
}

/**
 * RoBERTa's create_position_ids_from_input_ids: real tokens count up from padTokenId + 1,
 * padding tokens keep padTokenId.
 */
function robertaPositionIds(g: GraphBuilder, inputIds: string, padTokenId: number): string {
  const isPad = g.op('Equal', [inputIds, g.constInt64(padTokenId)]);
  const notPad = g.op('Not', [isPad]);
  const mask = g.op('Cast', [notPad], { to: attr.int(elemTypeCode('int64')) });
  const cumsum = g.op('CumSum', [mask, g.constInt64(1)]);
  const masked = g.op('Mul', [cumsum, mask]);
  return g.op('Add', [masked, g.constInt64(padTokenId)]);
}

function embeddings(g: GraphBuilder, spec: BertSpec, w: BertWeights, inputIds: string, tokenTypeIds: string | null): string {
  const h = spec.hidden;
  const wordTable = g.initializer('embeddings.word_embeddings.weight', {
    type: 'float32',
    dims: [spec.vocabSize, h],
    data: w.wordEmbeddings,
  });
  const words = g.op('Gather', [wordTable, inputIds], { axis: attr.int(0) });

  let tokenTypes: string;
  if (tokenTypeIds !== null) {
    const typeTable = g.initializer('embeddings.token_type_embeddings.weight', {
      type: 'float32',
      dims: [spec.typeVocabSize, h],
      data: w.tokenTypeEmbeddings,
    });
    tokenTypes = g.op('Gather', [typeTable, tokenTypeIds], { axis: attr.int(0) });
  } else {
    // Without a token_type_ids input every token has type 0: the exporter folds the
    // Gather of a zero buffer into this constant row.
    tokenTypes = g.initializer('embeddings.token_type_embeddings.row0', {
      type: 'float32',
      dims: [h],
      data: w.tokenTypeEmbeddings.slice(0, h),
    });
  }

  const positionIds = spec.arch === 'roberta' ? robertaPositionIds(g, inputIds, spec.padTokenId) : bertPositionIds(g, inputIds);
  const positionTable = g.initializer('embeddings.position_embeddings.weight', {
    type: 'float32',
    dims: [spec.maxPositions, h],
    data: w.positionEmbeddings,
  });
  const positions = g.op('Gather', [positionTable, positionIds], { axis: attr.int(0) });

  const sum = g.op('Add', [g.op('Add', [words, tokenTypes]), positions]);
  return layerNorm(g, sum, 'embeddings.LayerNorm', w.embLnGamma, w.embLnBeta, spec.layerNormEps);
}

/** (1 - mask[:, None, None, :]) * float32.min, broadcast over heads and queries. */
function extendedAttentionMask(g: GraphBuilder, attentionMask: string): string {
  const unsqueezed = g.op('Unsqueeze', [attentionMask, g.constInt64([1, 2])]);
  const asFloat = g.op('Cast', [unsqueezed], { to: attr.int(elemTypeCode('float32')) });
  const inverted = g.op('Sub', [g.constFloat(1), asFloat]);
  return g.op('Mul', [inverted, g.constFloat(FLOAT32_MIN)]);
}

function selfAttention(
  g: GraphBuilder,
  spec: BertSpec,
  lw: BertLayerWeights,
  prefix: string,
  x: string,
  mask: string,
  precision: Precision,
): string {
  const h = spec.hidden;
  const headDim = h / spec.heads;
  const splitShape = (): string => g.constInt64([0, 0, spec.heads, headDim]);
  const project = (name: string, weight: Float32Array, bias: Float32Array, perm: number[]): string =>
    g.scoped(name, () => {
      const y = dense(g, x, `${prefix}.attention.self.${name}`, weight, bias, [h, h], precision);
      const heads = g.op('Reshape', [y, splitShape()]);
      return g.op('Transpose', [heads], { perm: attr.ints(perm) });
    });

  const q = project('query', lw.queryW, lw.queryB, [0, 2, 1, 3]); // [b, heads, s, d]
  const k = project('key', lw.keyW, lw.keyB, [0, 2, 3, 1]); // [b, heads, d, s]
  const v = project('value', lw.valueW, lw.valueB, [0, 2, 1, 3]); // [b, heads, s, d]

  const scores = g.op('MatMul', [q, k]);
  const scaled = g.op('Div', [scores, g.constFloat(Math.sqrt(headDim))]);
  const masked = g.op('Add', [scaled, mask]);
  const probs = g.op('Softmax', [masked], { axis: attr.int(-1) });
  const context = g.op('MatMul', [probs, v]);
  const merged = g.op('Transpose', [context], { perm: attr.ints([0, 2, 1, 3]) });
  return g.op('Reshape', [merged, g.constInt64([0, 0, h])]);
}

function encoderLayer(
  g: GraphBuilder,
  spec: BertSpec,
  lw: BertLayerWeights,
  index: number,
  x: string,
  mask: string,
  precision: Precision,
): string {
  const prefix = `encoder.layer.${index}`;
  const h = spec.hidden;
  const ff = spec.intermediate;
  const eps = spec.layerNormEps;

  const attended = g.scoped('attention', () => {
    const context = g.scoped('self', () => selfAttention(g, spec, lw, prefix, x, mask, precision));
    return g.scoped('output', () => {
      const projected = dense(g, context, `${prefix}.attention.output.dense`, lw.attnOutW, lw.attnOutB, [h, h], precision);
      const residual = g.op('Add', [projected, x]);
      return layerNorm(g, residual, `${prefix}.attention.output.LayerNorm`, lw.attnLnGamma, lw.attnLnBeta, eps);
    });
  });

  const activated = g.scoped('intermediate', () =>
    gelu(g, dense(g, attended, `${prefix}.intermediate.dense`, lw.ffnInW, lw.ffnInB, [h, ff], precision)),
  );

  return g.scoped('output', () => {
    const projected = dense(g, activated, `${prefix}.output.dense`, lw.ffnOutW, lw.ffnOutB, [ff, h], precision);
    const residual = g.op('Add', [projected, attended]);
    return layerNorm(g, residual, `${prefix}.output.LayerNorm`, lw.outLnGamma, lw.outLnBeta, eps);
  });
}

/** The graph's inputs and the encoder's output: the hidden state of every token, [batch, sequence, hidden]. */
interface EncoderGraph {
  inputIds: string;
  attentionMask: string;
  tokenTypeIds: string | null;
  hidden: string;
}

/**
 * The first `length` columns of the inputs, the last column's real tokens replaced by [SEP]: a row
 * longer than the window then ends as its truncation to `length` would, and a shorter row (whose
 * last column is its own [SEP] or padding) is unchanged.
 */
function windowInputs(
  g: GraphBuilder,
  inputs: { inputIds: string; attentionMask: string; tokenTypeIds: string | null },
  window: { length: number; sepTokenId: number },
): { inputIds: string; attentionMask: string; tokenTypeIds: string | null } {
  return g.scoped('encoder_window', () => {
    const first = (x: string) => g.op('Slice', [x, g.constInt64([0]), g.constInt64([window.length]), g.constInt64([1])]);
    const [ids, mask] = [first(inputs.inputIds), first(inputs.attentionMask)];
    const width = g.op('Gather', [g.op('Shape', [ids]), g.constInt64(1)], { axis: attr.int(0) });
    const last = g.op('Sub', [width, g.constInt64(1)]);
    const lastIds = g.op('Gather', [ids, last], { axis: attr.int(1) }); // [b]
    const lastReal = g.op('Equal', [g.op('Gather', [mask, last], { axis: attr.int(1) }), g.constInt64(1)]);
    const sealed = g.op('Where', [lastReal, g.constInt64(window.sepTokenId), lastIds]);
    const head = g.op('Slice', [ids, g.constInt64([0]), g.op('Unsqueeze', [last, g.constInt64([0])]), g.constInt64([1])]);
    const windowed = g.op('Concat', [head, g.op('Unsqueeze', [sealed, g.constInt64([1])])], { axis: attr.int(1) });
    return { inputIds: windowed, attentionMask: mask, tokenTypeIds: inputs.tokenTypeIds === null ? null : first(inputs.tokenTypeIds) };
  });
}

/** Inputs, embeddings and encoder layers: what the classifier and the embedding model share. */
function encoderGraph(
  g: GraphBuilder,
  spec: BertSpec,
  weights: BertWeights,
  precision: Precision,
  window?: { length: number; sepTokenId: number },
): EncoderGraph {
  validateSpec(spec);
  if (weights.layers.length !== spec.layers) throw new Error('weights do not match spec.layers');
  if (window && window.length > spec.maxPositions) throw new Error(`the encoder window (${window.length}) is longer than the position table (${spec.maxPositions})`);
  const inputIds = g.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = g.input('attention_mask', 'int64', [BATCH, SEQUENCE]);
  const tokenTypeIds = spec.arch === 'bert' ? g.input('token_type_ids', 'int64', [BATCH, SEQUENCE]) : null;
  const seen = window ? windowInputs(g, { inputIds, attentionMask, tokenTypeIds }, window) : { inputIds, attentionMask, tokenTypeIds };

  let hidden = g.scoped('embeddings', () => embeddings(g, spec, weights, seen.inputIds, seen.tokenTypeIds));
  const mask = extendedAttentionMask(g, seen.attentionMask);
  for (let l = 0; l < spec.layers; l++) {
    const layerWeights = weights.layers[l];
    hidden = g.scoped(`encoder/layer.${l}`, () => encoderLayer(g, spec, layerWeights, l, hidden, mask, precision));
  }
  return { inputIds, attentionMask, tokenTypeIds, hidden };
}

/** Builds the classifier graph and returns the serialized ModelProto. */
export function buildBertModel(spec: BertSpec, weights: BertWeights, options: BertClassifierOptions): Uint8Array {
  const { precision, lexical, encoderWindow } = options;
  const g = new GraphBuilder(`${spec.arch}_for_sequence_classification`);
  const h = spec.hidden;
  const { inputIds, attentionMask, tokenTypeIds, hidden } = encoderGraph(g, spec, weights, precision, encoderWindow);

  const pooled = g.scoped('pooler', () => {
    const first = g.op('Gather', [hidden, g.constInt64(0)], { axis: attr.int(1) }); // [b, hidden]
    return g.op('Tanh', [dense(g, first, 'pooler.dense', weights.poolerW, weights.poolerB, [h, h], precision)]);
  });
  const classified = g.scoped('classifier', () =>
    dense(g, pooled, 'classifier', weights.classifierW, weights.classifierB, [h, spec.numLabels], precision, lexical ? undefined : 'logits'),
  );
  if (lexical) {
    if (tokenTypeIds === null || spec.numLabels !== 1) throw new Error('the lexical channel needs token_type_ids and one label');
    const score = g.scoped('lexical', () => lexicalMatchScore(g, inputIds, tokenTypeIds, attentionMask, lexical));
    g.op('Add', [classified, score], {}, 'logits');
  }
  g.output('logits', 'float32', [BATCH, spec.numLabels]);

  return g.encode(`crossrank test model: ${spec.arch}, seed ${spec.seed}, ${precision}`);
}

/**
 * What an embedding export returns: the token states (Optimum's feature-extraction export), or
 * the sentence embedding already mean-pooled over the attention mask and L2-normalised in the
 * graph (as exports that bundle sentence-transformers' Pooling and Normalize modules do).
 */
export type EmbeddingOutput = 'last_hidden_state' | 'sentence_embedding';

/** Builds the bare encoder (BertModel) graph of an embedding model and returns the serialized ModelProto. */
export function buildBertEmbeddingModel(
  spec: BertSpec,
  weights: BertWeights,
  options: BertGraphOptions & { output: EmbeddingOutput },
): Uint8Array {
  const { precision } = options;
  const g = new GraphBuilder(spec.arch === 'bert' ? 'bert_model' : 'roberta_model');
  const { attentionMask, hidden } = encoderGraph(g, spec, weights, precision);
  if (options.output === 'last_hidden_state') {
    g.op('Identity', [hidden], {}, 'last_hidden_state');
    g.output('last_hidden_state', 'float32', [BATCH, SEQUENCE, spec.hidden]);
  } else {
    g.scoped('pooling', () => {
      const mask = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: attr.int(elemTypeCode('float32')) }), g.constInt64([2])]);
      const summed = g.op('ReduceSum', [g.op('Mul', [hidden, mask]), g.constInt64([1])], { keepdims: attr.int(0) });
      const counts = g.op('ReduceSum', [mask, g.constInt64([1])], { keepdims: attr.int(0) });
      const mean = g.op('Div', [summed, g.op('Max', [counts, g.constFloat(1e-9)])]);
      g.op('LpNormalization', [mean], { axis: attr.int(-1), p: attr.int(2) }, 'sentence_embedding');
    });
    g.output('sentence_embedding', 'float32', [BATCH, spec.hidden]);
  }
  return g.encode(`crossrank test embedding model: ${spec.arch}, seed ${spec.seed}, ${precision}, ${options.output}`);
}

/**
 * Builds a ColBERT graph (HF_ColBERT: BertModel, then a bias-free Linear to `dim` on every token)
 * and returns the serialized ModelProto. The vectors are not normalised: colbert-ai normalises
 * after the graph, and so does crossrank.
 */
export function buildColbertModel(
  spec: BertSpec,
  weights: BertWeights,
  projection: Float32Array,
  options: BertGraphOptions & { dim: number; output: string },
): Uint8Array {
  const { precision, dim } = options;
  const g = new GraphBuilder('hf_colbert');
  const { hidden } = encoderGraph(g, spec, weights, precision);
  const projected = matmulWeight(g, hidden, 'linear.weight', projection, [spec.hidden, dim], precision);
  g.op('Identity', [projected], {}, options.output);
  g.output(options.output, 'float32', [BATCH, SEQUENCE, dim]);
  return g.encode(`crossrank test ColBERT model: ${spec.arch}, seed ${spec.seed}, ${precision}, dim ${dim}`);
}
