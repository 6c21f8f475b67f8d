/**
 * The exact-match channel of the starter model (training/model.py, LexicalMatch) as ONNX nodes:
 * a BM25-shaped sum, over the query's tokens, of a learned per-token weight times the saturated
 * count of that token id in the document. It reads the graph's own inputs, so a model that has
 * it is still one forward pass over the pair, with the inputs and output of a BERT classifier.
 *
 *   score = sum over query tokens t of w[t] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgLen))
 *
 * where tf counts t in the document segment, len is the document segment's length, and [CLS],
 * [SEP] and padding count for neither side.
 */
import { GraphBuilder, attr, elemTypeCode } from './onnxBuilder.js';

export interface LexicalMatchWeights {
  /** [vocabSize]: what one exact match of each token id is worth (starts at its IDF). */
  termWeights: Float32Array;
  k1: number;
  b: number;
  /** The average document length (tokens) the length normalisation divides by. */
  avgLength: number;
  clsTokenId: number;
  sepTokenId: number;
}

/** Adds the channel's nodes; returns its score, float32 [batch, 1]. */
export function lexicalMatchScore(
  g: GraphBuilder,
  inputIds: string,
  tokenTypeIds: string,
  attentionMask: string,
  w: LexicalMatchWeights,
): string {
  const float = { to: attr.int(elemTypeCode('float32')) };
  const isNot = (id: number): string => g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, g.constInt64(id)])])], float);
  const real = g.op('Mul', [g.op('Mul', [g.op('Cast', [attentionMask], float), isNot(w.clsTokenId)]), isNot(w.sepTokenId)]);
  const types = g.op('Cast', [tokenTypeIds], float);
  const doc = g.op('Mul', [real, types]); // [b, s]
  const query = g.op('Mul', [real, g.op('Sub', [g.constFloat(1), types])]);

  const same = g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [inputIds, g.constInt64([2])]), g.op('Unsqueeze', [inputIds, g.constInt64([1])])])], float); // [b, s, s]
  const tf = g.op('Squeeze', [g.op('MatMul', [same, g.op('Unsqueeze', [doc, g.constInt64([2])])]), g.constInt64([2])]); // [b, s]
  const length = g.op('ReduceSum', [doc, g.constInt64([1])], { keepdims: attr.int(1) }); // [b, 1]
  const norm = g.op('Add', [g.constFloat(w.k1 * (1 - w.b)), g.op('Mul', [length, g.constFloat((w.k1 * w.b) / w.avgLength)])]);
  const saturated = g.op('Div', [g.op('Mul', [tf, g.constFloat(w.k1 + 1)]), g.op('Add', [tf, norm])]);

  const table = g.initializer('lexical.term_weights', { type: 'float32', dims: [w.termWeights.length], data: w.termWeights });
  const weights = g.op('Gather', [table, inputIds], { axis: attr.int(0) });
  const terms = g.op('Mul', [g.op('Mul', [query, weights]), saturated]);
  return g.op('ReduceSum', [terms, g.constInt64([1])], { keepdims: attr.int(1) });
}
