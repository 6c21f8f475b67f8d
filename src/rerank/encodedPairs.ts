import type { PairEncoding, TruncationDirection } from '../tokenize/pairEncoder.js';

/**
 * (query, document) pairs as model inputs, before scoring. Encoding and scoring are separate
 * steps so that a server can encode each request with its own options and score the encodings
 * of several requests in one batch.
 */
export interface EncodedPairs {
  /** Model inputs: one per pair, or one per window of a chunked document. */
  encodings: PairEncoding[];
  /** `encodings[i]` belongs to pair `owners[i]`. */
  owners: number[];
  /** Per pair: true where the model does not see all of its tokens (cut to fit, or beyond the last window). */
  truncated: boolean[];
}

export interface EncodePairsOptions {
  /** Keep at most this many document tokens, before the pair is fitted to max_length (Cohere's `max_tokens_per_doc`). */
  maxDocumentTokens?: number;
  /** The end a text loses when it is cut: `right` (the default) keeps its start, `left` its end. */
  truncationDirection?: TruncationDirection;
}

/** One score per pair from the scores of its encodings: a chunked document scores as its best window. */
export function pairScores(encoded: EncodedPairs, encodingScores: readonly number[]): number[] {
  const scores = new Array<number>(encoded.truncated.length).fill(Number.NEGATIVE_INFINITY);
  encodingScores.forEach((score, i) => {
    const owner = encoded.owners[i];
    if (score > scores[owner]) scores[owner] = score;
  });
  return scores;
}
