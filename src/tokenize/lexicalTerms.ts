/**
 * The text analysis behind BM25, the same for indexing and for queries (and in every store):
 * NFKC normalisation, lower case, split on every character that is not a letter or a digit
 * (Unicode classes L and N), and optionally the English stopwords. No stemming, so "images" and
 * "image" are different terms (Pyserini's default analyzer stems with Porter; see README).
 */
export interface AnalyzerOptions {
  /** Drop Lucene's English stopwords (the, of, and, ...). */
  stopwords: boolean;
}

/** Lucene's EnglishAnalyzer default stop set (ENGLISH_STOP_WORDS_SET), the set Pyserini's BM25 uses. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not',
  'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]);

const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** The terms of a text, in order (repeats kept: term frequency counts them). */
export function analyze(text: string, options: AnalyzerOptions): string[] {
  const terms = text.normalize('NFKC').toLowerCase().split(SEPARATORS);
  return terms.filter((term) => term !== '' && !(options.stopwords && ENGLISH_STOPWORDS.has(term)));
}
