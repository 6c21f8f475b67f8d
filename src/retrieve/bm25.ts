/**
 * BM25 in the embedded index is SQLite FTS5's bm25() (fts5_aux.c), Okapi BM25 with fixed
 * k1 = 1.2 and b = 0.75 and the Robertson–Spärck Jones idf:
 *
 *   score(D, Q) = sum over query terms t of  idf(t) · tf(t, D) · (k1 + 1) / (tf(t, D) + k1 · (1 − b + b · |D| / avgdl))
 *   idf(t) = ln((N − n(t) + 0.5) / (n(t) + 0.5)), floored at 1e-6 where that is not positive
 *
 * with N the documents in the index, n(t) those holding t, |D| the terms of D and avgdl their mean.
 * Pyserini (Lucene) differs in three ways: k1 = 0.9 and b = 0.4 by default, idf = ln(1 + (N − n + 0.5) / (n + 0.5))
 * (never below zero), and no (k1 + 1) factor (which does not change the order). A query term given
 * twice counts twice, as in a Lucene bag-of-words query.
 */

/**
 * The FTS5 MATCH expression "t1" OR "t2" ... for analysed query terms; null when there are none
 * (a query of stopwords and punctuation only matches nothing). Quoting keeps words such as OR, NEAR
 * or NOT from being read as operators.
 */
export function ftsMatchExpression(terms: readonly string[]): string | null {
  if (terms.length === 0) return null;
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
