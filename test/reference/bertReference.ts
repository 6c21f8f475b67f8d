/**
 * An independent reference forward pass of a BERT / RoBERTa sequence classifier, and of the
 * bare encoder that embedding models use, in plain TypeScript with float64 arithmetic, written
 * from the model's math (not from the ONNX graph) so that it can check both the generated
 * graphs and the engine that runs them.
 *
 * One sequence at a time. An attention mask is optional: positions with mask 0 are left out as
 * keys (as Hugging Face's additive mask does), their own outputs are still computed (ColBERT's
 * [MASK] query augmentation reads them).
 * Deliberately simple loops; fine for test-sized inputs.
 */
import type { BertSpec, BertWeights } from '../../scripts/model-gen/bertWeights.js';
import { erf } from './erf.js';

/** A row-major [rows, cols] float64 matrix. */
interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

function matrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** y = x W + b with W stored [in, out] row-major. */
function linear(x: Matrix, w: Float32Array, b: Float32Array, outDim: number): Matrix {
  const inDim = x.cols;
  if (w.length !== inDim * outDim || b.length !== outDim) throw new Error('linear: shape mismatch');
  const y = matrix(x.rows, outDim);
  for (let r = 0; r < x.rows; r++) {
    const yRow = r * outDim;
    for (let o = 0; o < outDim; o++) y.data[yRow + o] = b[o];
    for (let k = 0; k < inDim; k++) {
      const xv = x.data[r * inDim + k];
      const wRow = k * outDim;
      for (let o = 0; o < outDim; o++) y.data[yRow + o] += xv * w[wRow + o];
    }
  }
  return y;
}

/** Per-row LayerNorm with population variance, as torch.nn.LayerNorm. */
function layerNorm(x: Matrix, gamma: Float32Array, beta: Float32Array, eps: number): Matrix {
  const y = matrix(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    const off = r * x.cols;
    let mean = 0;
    for (let c = 0; c < x.cols; c++) mean += x.data[off + c];
    mean /= x.cols;
    let variance = 0;
    for (let c = 0; c < x.cols; c++) variance += (x.data[off + c] - mean) ** 2;
    variance /= x.cols;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < x.cols; c++) y.data[off + c] = (x.data[off + c] - mean) * inv * gamma[c] + beta[c];
  }
  return y;
}

function add(a: Matrix, b: Matrix): Matrix {
  const y = matrix(a.rows, a.cols);
  for (let i = 0; i < y.data.length; i++) y.data[i] = a.data[i] + b.data[i];
  return y;
}

function geluExact(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Multi-head scaled dot-product self-attention; keys whose mask is 0 get no weight. */
function selfAttention(q: Matrix, k: Matrix, v: Matrix, heads: number, keyMask: readonly number[] | null): Matrix {
  const n = q.rows;
  const hidden = q.cols;
  const d = hidden / heads;
  const scale = 1 / Math.sqrt(d);
  const context = matrix(n, hidden);
  const scores = new Float64Array(n);
  for (let head = 0; head < heads; head++) {
    const h0 = head * d;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += q.data[i * hidden + h0 + t] * k.data[j * hidden + h0 + t];
        scores[j] = keyMask !== null && keyMask[j] === 0 ? -Infinity : dot * scale;
        max = Math.max(max, scores[j]);
      }
      let total = 0;
      for (let j = 0; j < n; j++) {
        scores[j] = Math.exp(scores[j] - max);
        total += scores[j];
      }
      for (let j = 0; j < n; j++) {
        const p = scores[j] / total;
        for (let t = 0; t < d; t++) context.data[i * hidden + h0 + t] += p * v.data[j * hidden + h0 + t];
      }
    }
  }
  return context;
}

/** Position ids: BERT counts from 0; RoBERTa counts real tokens from padTokenId + 1. */
function positionIds(spec: BertSpec, n: number): number[] {
  const first = spec.arch === 'roberta' ? spec.padTokenId + 1 : 0;
  return Array.from({ length: n }, (_, i) => first + i);
}

function embed(weights: BertWeights, spec: BertSpec, inputIds: number[], tokenTypeIds: number[] | null): Matrix {
  const h = spec.hidden;
  const n = inputIds.length;
  const positions = positionIds(spec, n);
  const x = matrix(n, h);
  for (let i = 0; i < n; i++) {
    const id = inputIds[i];
    const type = tokenTypeIds === null ? 0 : tokenTypeIds[i];
    const pos = positions[i];
    if (!(id >= 0 && id < spec.vocabSize)) throw new Error(`token id ${id} out of range`);
    if (!(type >= 0 && type < spec.typeVocabSize)) throw new Error(`token type ${type} out of range`);
    if (pos >= spec.maxPositions) throw new Error(`position ${pos} exceeds maxPositions ${spec.maxPositions}`);
    for (let c = 0; c < h; c++) {
      x.data[i * h + c] =
        weights.wordEmbeddings[id * h + c] + weights.positionEmbeddings[pos * h + c] + weights.tokenTypeEmbeddings[type * h + c];
    }
  }
  return layerNorm(x, weights.embLnGamma, weights.embLnBeta, spec.layerNormEps);
}

/**
 * The encoder's output for one sequence: one hidden state per token ([sequence][hidden]), what an
 * embedding model's last_hidden_state holds. `tokenTypeIds` null means all type 0 (RoBERTa-style
 * models have no token_type_ids input).
 */
export function referenceHiddenStates(
  weights: BertWeights,
  spec: BertSpec,
  inputIds: number[],
  tokenTypeIds: number[] | null,
  attentionMask: readonly number[] | null = null,
): number[][] {
  const x = encode(weights, spec, inputIds, tokenTypeIds, attentionMask);
  return Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));
}

function encode(weights: BertWeights, spec: BertSpec, inputIds: number[], tokenTypeIds: number[] | null, attentionMask: readonly number[] | null = null): Matrix {
  if (inputIds.length === 0) throw new Error('reference forward pass: empty sequence');
  if (tokenTypeIds !== null && tokenTypeIds.length !== inputIds.length) {
    throw new Error('reference forward pass: tokenTypeIds length differs from inputIds');
  }
  const h = spec.hidden;
  const eps = spec.layerNormEps;

  let x = embed(weights, spec, inputIds, tokenTypeIds);
  for (const lw of weights.layers) {
    const q = linear(x, lw.queryW, lw.queryB, h);
    const k = linear(x, lw.keyW, lw.keyB, h);
    const v = linear(x, lw.valueW, lw.valueB, h);
    const attention = linear(selfAttention(q, k, v, spec.heads, attentionMask), lw.attnOutW, lw.attnOutB, h);
    const afterAttention = layerNorm(add(attention, x), lw.attnLnGamma, lw.attnLnBeta, eps);

    const intermediate = linear(afterAttention, lw.ffnInW, lw.ffnInB, spec.intermediate);
    for (let i = 0; i < intermediate.data.length; i++) intermediate.data[i] = geluExact(intermediate.data[i]);
    const ffn = linear(intermediate, lw.ffnOutW, lw.ffnOutB, h);
    x = layerNorm(add(ffn, afterAttention), lw.outLnGamma, lw.outLnBeta, eps);
  }
  return x;
}

/**
 * Logits of one sequence. `tokenTypeIds` null means all type 0 (RoBERTa-style models have
 * no token_type_ids input).
 */
export function referenceLogits(
  weights: BertWeights,
  spec: BertSpec,
  inputIds: number[],
  tokenTypeIds: number[] | null,
): number[] {
  const h = spec.hidden;
  const x = encode(weights, spec, inputIds, tokenTypeIds);
  // The classification head reads the first token ([CLS] / <s>) only.
  const first: Matrix = { rows: 1, cols: h, data: x.data.slice(0, h) };
  const pooled = linear(first, weights.poolerW, weights.poolerB, h);
  for (let c = 0; c < h; c++) pooled.data[c] = Math.tanh(pooled.data[c]);
  const logits = linear(pooled, weights.classifierW, weights.classifierB, spec.numLabels);
  return Array.from(logits.data);
}
