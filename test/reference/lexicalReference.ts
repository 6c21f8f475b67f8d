/**
 * The starter's exact-match channel (training/model.py, LexicalMatch) in float64, written from its
 * formula, not from the ONNX nodes: for each query token, how often its id occurs in the document
 * segment, saturated and length-normalised as BM25 does, times that token's weight.
 */
import type { LexicalMatchWeights } from '../../scripts/model-gen/lexicalMatch.js';

export function referenceLexicalScore(w: LexicalMatchWeights, inputIds: number[], tokenTypeIds: number[], attentionMask?: number[]): number {
  const real = inputIds.map((id, i) => (attentionMask?.[i] ?? 1) === 1 && id !== w.clsTokenId && id !== w.sepTokenId);
  const docCounts = new Map<number, number>();
  let length = 0;
  inputIds.forEach((id, i) => {
    if (real[i] && tokenTypeIds[i] === 1) {
      docCounts.set(id, (docCounts.get(id) ?? 0) + 1);
      length++;
    }
  });
  const norm = w.k1 * (1 - w.b + (w.b * length) / w.avgLength);
  let score = 0;
  inputIds.forEach((id, i) => {
    if (!real[i] || tokenTypeIds[i] !== 0) return;
    const tf = docCounts.get(id) ?? 0;
    score += (w.termWeights[id] * tf * (w.k1 + 1)) / (tf + norm);
  });
  return score;
}

/**
 * What the encoder of a model with an encoder window reads of an unpadded pair: its first `length`
 * tokens, the last of them made [SEP] when the pair is longer (bertGraph.ts, encoderWindow).
 */
export function referenceEncoderWindow(inputIds: number[], tokenTypeIds: number[], length: number, sepTokenId: number): { ids: number[]; types: number[] } {
  if (inputIds.length <= length) return { ids: inputIds, types: tokenTypeIds };
  return { ids: [...inputIds.slice(0, length - 1), sepTokenId], types: tokenTypeIds.slice(0, length) };
}
