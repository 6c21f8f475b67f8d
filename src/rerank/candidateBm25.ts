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
export function candidateBm25(query: string, documents: readonly string[]): number[] {
  const terms = queryTerms(query);
  return bm25Scores(terms, documents.map((document) => documentTerms(terms, document)));
}

/**
 * Characters of a document BM25 reads at most: its start. The model reads far less (max_length
 * tokens), and the analysis runs on the event loop, so a huge document must not hold it long.
 */
export const MAX_ANALYZED_CHARACTERS = 64 * 1024;

/** What BM25 needs of a document: its length in terms, and how often each query term occurs. */
export interface DocumentTerms {
  length: number;
  frequency: ReadonlyMap<string, number>;
}

/** The analysed query terms (a term given twice counts twice, as in the index's BM25). */
export function queryTerms(query: string): string[] {
  return analyze(query, { stopwords: true });
}

export function documentTerms(terms: readonly string[], document: string): DocumentTerms {
  const wanted = new Set(terms);
  const frequency = new Map<string, number>();
  const analysed = analyze(document.length > MAX_ANALYZED_CHARACTERS ? document.slice(0, MAX_ANALYZED_CHARACTERS) : document, { stopwords: true });
  for (const term of analysed) if (wanted.has(term)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  return { length: analysed.length, frequency };
}

export function bm25Scores(terms: readonly string[], documents: readonly DocumentTerms[], k1 = 1.2, b = 0.75): number[] {
  const n = documents.length;
  const averageLength = documents.reduce((sum, document) => sum + document.length, 0) / Math.max(n, 1);
  const idf = new Map<string, number>();
  for (const term of new Set(terms)) {
    const holding = documents.reduce((sum, document) => sum + (document.frequency.has(term) ? 1 : 0), 0);
    idf.set(term, Math.log(1 + (n - holding + 0.5) / (holding + 0.5)));
  }
  return documents.map(({ frequency, length }) => {
    // A collection with no terms at all (every document empty or stopwords) has no length to normalise by.
    const norm = averageLength > 0 ? k1 * (1 - b + (b * length) / averageLength) : k1;
    let score = 0;
    for (const term of terms) {
      const tf = frequency.get(term) ?? 0;
      if (tf > 0) score += ((idf.get(term) ?? 0) * tf * (k1 + 1)) / (tf + norm);
    }
    return score;
  });
}
