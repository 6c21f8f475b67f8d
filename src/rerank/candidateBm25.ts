import { analyze } from '../tokenize/lexicalTerms.js';

/**
 * BM25 of each given document for the query, with the candidate set itself as the collection
 * (N = the documents given, avgdl their mean length): the keyword evidence `rerank` and the
 * service mix in when they have no first stage's scores. The index's analysis (NFKC, lower case,
 * letters and digits, English stopwords dropped) and its k1 = 1.2, b = 0.75 (see retrieve/bm25.ts).
 *
 * The idf is Lucene's ln(1 + (N - n + 0.5) / (n + 0.5)), not FTS5's ln((N - n + 0.5) / (n + 0.5))
 * floored at 1e-6: candidates are usually found by the query, so most of its terms are in half of
 * them or more, where FTS5's idf is the floor for all of them alike and their counts stop
 * counting; Lucene's stays positive and still ranks rarer terms above common ones.
 */
export function candidateBm25(query: string, documents: readonly string[], k1 = 1.2, b = 0.75): number[] {
  const queryTerms = analyze(query, { stopwords: true });
  const counts = documents.map((document) => termCounts(analyze(document, { stopwords: true })));
  const lengths = counts.map((terms) => terms.length);
  const n = documents.length;
  const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(n, 1);
  const idf = new Map<string, number>();
  for (const term of new Set(queryTerms)) {
    const holding = counts.reduce((sum, terms) => sum + (terms.frequency.has(term) ? 1 : 0), 0);
    idf.set(term, Math.log(1 + (n - holding + 0.5) / (holding + 0.5)));
  }
  return counts.map(({ frequency, length }) => {
    // An empty collection (every document empty or stopwords) has no lengths to normalise by.
    const norm = averageLength > 0 ? k1 * (1 - b + (b * length) / averageLength) : k1;
    let score = 0;
    // A query term given twice counts twice, as in the index's BM25.
    for (const term of queryTerms) {
      const tf = frequency.get(term) ?? 0;
      if (tf > 0) score += ((idf.get(term) ?? 0) * tf * (k1 + 1)) / (tf + norm);
    }
    return score;
  });
}

function termCounts(terms: readonly string[]): { frequency: Map<string, number>; length: number } {
  const frequency = new Map<string, number>();
  for (const term of terms) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  return { frequency, length: terms.length };
}
