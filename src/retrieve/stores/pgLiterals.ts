/**
 * Text forms of PostgreSQL values built from crossrank's analysed terms. The tsvector is written
 * directly, not through to_tsvector, so PostgreSQL's parser and dictionaries cannot split or
 * change a term: the store ranks exactly the terms crossrank's analyzer made.
 */

/** PostgreSQL keeps positions 1..16383 and at most 256 positions per lexeme in a tsvector. */
const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_LEXEME = 256;

function quoteLexeme(term: string): string {
  return `'${term.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** `'term':1,4 'other':2` — each term with its positions (from 1), as to_tsvector would store it. */
export function tsvectorLiteral(terms: readonly string[]): string {
  const positions = new Map<string, number[]>();
  terms.forEach((term, i) => {
    const list = positions.get(term) ?? [];
    if (list.length < MAX_POSITIONS_PER_LEXEME) list.push(Math.min(i + 1, MAX_POSITION));
    positions.set(term, list);
  });
  // Positions past the cap all become 16383; a tsvector keeps a position once.
  return [...positions.entries()].map(([term, list]) => `${quoteLexeme(term)}:${[...new Set(list)].join(',')}`).join(' ');
}

/** `'a' | 'b'`: documents with any of the terms match; null when there are no terms. */
export function tsqueryLiteral(terms: readonly string[]): string | null {
  if (terms.length === 0) return null;
  return terms.map(quoteLexeme).join(' | ');
}

/** pgvector's text form: `[0.1,0.2,...]`. A float32 printed by JavaScript reads back as the same float32. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}
