/** Indices of `scores`, best first; equal scores keep input order (a stable sort). */
export function rankByScore(scores: readonly number[]): number[] {
  return scores.map((_, index) => index).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** `rerank()`'s answer from one score per document: the best `topN`, best first, each with its document if asked. */
export function rankedResults<D>(scores: readonly number[], documents: readonly D[], topN: number, returnDocuments = false): Array<{ index: number; score: number; document?: D }> {
  return rankByScore(scores)
    .slice(0, topN)
    .map((index) => (returnDocuments ? { index, score: scores[index], document: documents[index] } : { index, score: scores[index] }));
}
