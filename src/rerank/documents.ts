import { InputError, positiveIntegerOption } from '../errors.js';

/** A document to rerank: its text, or an object that holds the text in a field (default `text`). */
export type RerankDocument = string | Readonly<Record<string, unknown>>;

export function documentText(document: RerankDocument, index: number, textField: string): string {
  if (typeof document === 'string') return document;
  if (typeof document === 'object' && document !== null) {
    const text = (document as Record<string, unknown>)[textField];
    if (typeof text === 'string') return text;
  }
  throw new InputError(`documents[${index}] has no text: expected a string or an object with a string "${textField}" field`);
}

export function checkQuery(query: unknown): string {
  if (typeof query !== 'string') throw new InputError('query must be a string');
  if (query.trim() === '') throw new InputError('query is empty');
  return query;
}

/** What `rerank()` checks before scoring: the query, the documents' texts, and how many results (`topN`, default all). */
export function rerankInput(
  query: string,
  documents: readonly RerankDocument[],
  options: { topN?: number; textField?: string },
): { texts: string[]; topN: number } {
  checkQuery(query);
  if (!Array.isArray(documents)) throw new InputError('documents must be an array');
  const textField = options.textField ?? 'text';
  const texts = documents.map((document, index) => documentText(document, index, textField));
  return { texts, topN: options.topN === undefined ? documents.length : positiveIntegerOption(options.topN, 'topN') };
}
