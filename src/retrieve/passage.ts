import type { StoredDocument } from '../retrieve/stores/types.js';

/**
 * The text of a document that every stage reads (BM25 terms, its embedding, the reranker's input):
 * title and text joined by a space, as BEIR's evaluation code builds it.
 */
export function passageText(document: Pick<StoredDocument, 'title' | 'text'>): string {
  return document.title ? `${document.title} ${document.text}`.trim() : document.text;
}
