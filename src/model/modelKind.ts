import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject } from './readJson.js';

/** What a reranker model computes: one score per (query, document) pair, or one vector per token (ColBERT). */
export type RerankerKind = 'cross-encoder' | 'late-interaction';

/**
 * The kind of a model directory, from its files: colbert-ai's HF_ColBERT architecture or its
 * artifact.metadata, a Vespa ColBERT export, or PyLate's config_sentence_transformers.json (with
 * query_length / document_length) make it late interaction, and so do jina-colbert-v2's marker
 * tokens in tokenizer.json; anything else is loaded as a cross-encoder (which reports what it
 * cannot read).
 */
export function detectRerankerKind(dir: string): RerankerKind {
  if (existsSync(join(dir, 'artifact.metadata')) || existsSync(join(dir, 'vespa_colbert.onnx'))) return 'late-interaction';
  const stPath = join(dir, 'config_sentence_transformers.json');
  // PyLate ColBERT models: sentence-transformers' config with ColBERT's query and document lengths.
  if (existsSync(stPath)) {
    const st = readJsonObject(stPath);
    if (st.query_length !== undefined || st.document_length !== undefined) return 'late-interaction';
  }
  if (hasJinaColbertMarkers(dir)) return 'late-interaction';
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) return 'cross-encoder';
  const architectures = readJsonObject(configPath).architectures;
  return Array.isArray(architectures) && architectures.includes('HF_ColBERT') ? 'late-interaction' : 'cross-encoder';
}

/** jinaai/jina-colbert-v2's query and document markers: tokens added to XLM-RoBERTa's vocabulary (ids 250002, 250003 there). */
export const JINA_COLBERT_MARKERS = { query: '[QueryMarker]', document: '[DocumentMarker]' } as const;

/**
 * true when the directory's tokenizer.json has both jina-colbert-v2 markers. A text search, not a
 * parse: an XLM-RoBERTa tokenizer.json is about 17 MB and is parsed again when the model loads.
 */
export function hasJinaColbertMarkers(dir: string): boolean {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  return text.includes(JSON.stringify(JINA_COLBERT_MARKERS.query)) && text.includes(JSON.stringify(JINA_COLBERT_MARKERS.document));
}
