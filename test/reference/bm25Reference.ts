/**
 * Okapi BM25 as SQLite FTS5's bm25() defines it (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5))
 * floored at 1e-6), written out plainly over a corpus of analysed documents, to check the store's ranking.
 * With idf `lucene`, Lucene's idf ln(1 + (N - n + 0.5) / (n + 0.5)) instead (the candidate-set BM25 of rerank).
 */
export function referenceBm25(corpus: ReadonlyArray<readonly string[]>, query: readonly string[], k1 = 1.2, b = 0.75, idfKind: 'fts5' | 'lucene' = 'fts5'): number[] {
  const n = corpus.length;
  const avgdl = corpus.reduce((sum, terms) => sum + terms.length, 0) / n;
  const idf = (term: string): number => {
    const df = corpus.filter((terms) => terms.includes(term)).length;
    if (idfKind === 'lucene') return Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const value = Math.log((n - df + 0.5) / (df + 0.5));
    return value <= 0 ? 1e-6 : value;
  };
  return corpus.map((terms) => {
    let score = 0;
    for (const term of query) {
      const tf = terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      score += (idf(term) * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * terms.length) / avgdl));
    }
    return score;
  });
}
