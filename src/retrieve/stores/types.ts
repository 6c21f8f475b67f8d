/**
 * What a search index stores and how the first stage asks it. Two stores implement it: SQLite in one
 * file (the default, no server) and PostgreSQL with pgvector. Texts arrive analysed and embedded:
 * a store never runs a model.
 */

/** A document as the index keeps it (BEIR's corpus.jsonl fields, with `_id` called `id`). */
export interface StoredDocument {
  id: string;
  title?: string;
  text: string;
  metadata?: Record<string, unknown>;
}

/** One document to write: the document, its BM25 terms (analysed, in order) and its embedding. */
export interface DocumentRecord {
  document: StoredDocument;
  /** The terms, in order, separated by single spaces (a huge document's terms as one string, not millions). */
  terms: string;
  /** Required when the index has vectors, of exactly its dimension; absent otherwise. */
  vector?: Float32Array;
  /** Required when the index stores late-interaction token vectors (tokenVectorCodec.ts's bytes); absent otherwise. */
  tokenVectors?: Uint8Array;
}

/** A document id with its first-stage score: BM25 (or the text rank of the store), or cosine similarity. */
export interface ScoredId {
  id: string;
  score: number;
}

/** What an index was built with; stored in the index, so a later search analyses and embeds the same way. */
export interface IndexSettings {
  /** Bumped when the stored layout changes. */
  schema: number;
  analyzer: { stopwords: boolean };
  /** The embedding model that made the vectors, or null for a BM25-only index. */
  embedding: EmbeddingSettings | null;
  /** The late-interaction model that made the stored token vectors; absent or null when there are none. */
  lateInteraction?: LateInteractionStoreSettings | null;
}

export interface LateInteractionStoreSettings {
  /** The model directory, as an absolute path. */
  model: string;
  dimension: number;
  /** How each vector is stored (tokenVectorCodec.ts). */
  codec: string;
}

export interface EmbeddingSettings {
  /** The model directory, as an absolute path. */
  model: string;
  dimension: number;
  queryPrefix: string;
  documentPrefix: string;
}

export const SCHEMA_VERSION = 1;

/** Which backend a store is, for messages and benchmarks. */
export type StoreKind = 'sqlite' | 'pgvector';

export interface DocumentStore {
  readonly kind: StoreKind;
  /** The path or connection URL (without password) it was opened with. */
  readonly location: string;
  /** The settings of an initialised index, or null for a new, empty one. */
  settings(): Promise<IndexSettings | null>;
  /** Creates the tables of a new index; an error if the store already holds one. */
  initialize(settings: IndexSettings): Promise<void>;
  /**
   * Adds documents, replacing those whose id is already there, in one transaction: after a crash
   * either all of them are in the index or none.
   */
  upsert(records: readonly DocumentRecord[]): Promise<void>;
  /**
   * Runs `work` as one transaction around the writes it makes (upsert, ensureSearchIndexes): they
   * all commit when it resolves, and none of them when it throws, so that a run adding many
   * batches to an existing index is all or nothing. Readers see the index as it was until the
   * commit. Not nested, and no other writes may run on the store meanwhile.
   */
  atomically<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Builds the search indexes that a store defers while documents are loaded in bulk (pgvector:
   * GIN and HNSW are built once after a load, far faster than grown row by row). Afterwards
   * writes keep them current. Until then searches are exact scans: slower, never wrong. A no-op
   * where nothing is deferred (SQLite) or the indexes exist.
   */
  ensureSearchIndexes(): Promise<void>;
  /** Deletes documents by id in one transaction; returns how many existed. */
  delete(ids: readonly string[]): Promise<number>;
  /** The k best documents for the query terms by the store's text ranking, best first. */
  textSearch(terms: readonly string[], k: number): Promise<ScoredId[]>;
  /** The k nearest documents to the vector by cosine similarity, best first. */
  vectorSearch(vector: Float32Array, k: number): Promise<ScoredId[]>;
  /** The stored token vectors of the documents among `ids` (missing ids are left out). */
  tokenVectors(ids: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** Every document's stored token vectors, in insertion order (the late first stage's exact scan). */
  scanTokenVectors(): AsyncIterable<[id: string, bytes: Uint8Array]>;
  /** The stored documents among `ids` (missing ids are left out). */
  get(ids: readonly string[]): Promise<Map<string, StoredDocument>>;
  count(): Promise<number>;
  close(): Promise<void>;
}
