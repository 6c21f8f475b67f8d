/**
 * The text analysis behind BM25 lives in tokenize/lexicalTerms.ts, where the rerank layer's
 * BM25 over a candidate set also reads it: one analysis for the index, its queries and rerank.
 */
import { analyze, type AnalyzerOptions } from '../tokenize/lexicalTerms.js';

export { analyze, ENGLISH_STOPWORDS, type AnalyzerOptions } from '../tokenize/lexicalTerms.js';

/**
 * The terms of a text as `analyze` gives them, joined by single spaces (as a store takes them),
 * made a slice of about `sliceCharacters` at a time: a huge document never becomes millions of
 * small strings, nor its normalised copies, at once (slices that small also die young in V8's
 * heap). Slices end where nothing can join across them: before a space (NFKC composes nothing
 * with a space, a Σ before one lowercases the same at a slice's end, a space separates terms),
 * or, in a text without Σ, between two ASCII punctuation characters (NFKC and lower case leave
 * them alone and change nothing beside them; Σ is the one letter whose lower case depends on
 * its neighbours, past punctuation).
 */
export function analyzedText(text: string, options: AnalyzerOptions, sliceCharacters = 32 * 1024): string {
  const punctuationCuts = !text.includes('\u03a3');
  const parts: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = sliceEnd(text, Math.min(text.length, start + sliceCharacters), sliceCharacters, punctuationCuts);
    const terms = analyze(text.slice(start, end), options);
    if (terms.length > 0) parts.push(terms.join(' '));
    start = end;
  }
  return parts.join(' ');
}

/** Where a slice that should end at `from` can end: the first safe cut at or after it (see analyzedText). */
function sliceEnd(text: string, from: number, reach: number, punctuationCuts: boolean): number {
  if (from >= text.length) return text.length;
  const space = text.indexOf(' ', from);
  if (space >= 0 && space - from <= reach) return space;
  if (punctuationCuts) {
    const limit = Math.min(text.length, from + reach);
    for (let i = Math.max(from, 1); i < limit; i++) if (isAsciiPunctuation(text.charCodeAt(i - 1)) && isAsciiPunctuation(text.charCodeAt(i))) return i;
  }
  return space < 0 ? text.length : space;
}

function isAsciiPunctuation(code: number): boolean {
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
}
