import { resolve } from 'node:path';
import { BiEncoder, type BiEncoderOptions } from '../embed/biEncoder.js';
import { InputError, positiveIntegerOption } from '../errors.js';
import { analyze, analyzedText } from './analyzer.js';
import type { Embedder } from './embedder.js';
import { reciprocalRankFusion } from './fusion.js';
import { openStore } from './stores/open.js';
import {
  SCHEMA_VERSION,
  type DocumentRecord,
  type DocumentStore,
  type IndexSettings,
  type ScoredId,
  type StoredDocument,
} from './stores/types.js';
import { passageText } from './passage.js';
import { decodeTokenVectors, encodeTokenVectors, TOKEN_VECTOR_CODEC, type TokenVectorSet } from './tokenVectorCodec.js';

/**
 * How the first stage finds candidates: BM25 terms, embedding similarity, late interaction
 * (MaxSim over the stored token vectors, an exact scan), or BM25 fused by reciprocal rank with
 * whichever of the two vector stages the index has.
 */
export type FirstStage = 'bm25' | 'dense' | 'late' | 'hybrid';

export const FIRST_STAGES: readonly FirstStage[] = ['bm25', 'dense', 'late', 'hybrid'];

/**
 * The late first stage scans every document's token vectors (exact, no centroid index): past this
 * many documents it refuses, as a scan would take seconds per query (see docs/late-interaction.md).
 */
export const LATE_SCAN_LIMIT = 100_000;

/** What an index needs of a late-interaction model (LateInteractionModel is one). */
export interface TokenVectorEncoder {
  readonly info: { modelDir: string; dimension: number };
  encodeQuery(query: string): Promise<TokenVectorSet>;
  encodeDocuments(documents: readonly string[]): Promise<TokenVectorSet[]>;
  scoreVectors(query: TokenVectorSet, documents: readonly TokenVectorSet[]): number[];
  close(): Promise<void>;
}

/** A document to index: BEIR's corpus fields, with `_id` called `id`. */
export type IndexDocument = StoredDocument;

export interface IndexOpenOptions {
  /**
   * The embedding model (a directory or hub id, loaded as a BiEncoder, or any loaded Embedder). For a new index it makes the index
   * dense; for an existing one it replaces the model recorded in the index (same dimension).
   */
  embedModel?: string | Embedder;
  /** How a model given by directory is loaded (threads, batch sizes, variant). */
  embedOptions?: Omit<BiEncoderOptions, 'queryPrefix' | 'documentPrefix'>;
  /** A loaded late-interaction model: for a new index it stores each document's token vectors, compressed. */
  lateInteractionModel?: TokenVectorEncoder;
  /** Loads the late-interaction model an index records, when none was given and one is needed (adding documents, the late first stage). */
  loadLateInteractionModel?: (modelDir: string) => Promise<TokenVectorEncoder>;
  /** New index: drop English stopwords from BM25 terms (default true). */
  stopwords?: boolean;
  /** Create the index when there is none (default true); false makes a missing index an error. */
  create?: boolean;
}

export interface AddOptions {
  /**
   * Documents per embedding call and per write; default 256. A call to add or addAll commits
   * once, at its end: a failure (or a crash) leaves the index as it was before the call.
   */
  batchSize?: number;
  /** Called after each batch written (not yet committed). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * A search index: documents with their BM25 terms and, when built with an embedding model, their
 * vectors, in a store (an SQLite file, or PostgreSQL with pgvector for a postgres:// URL).
 * Answers the first stage of a search: the k best candidates of a query.
 */
export class Index {
  private embedder: Embedder | null;
  private embedderLoading: Promise<Embedder> | null = null;
  private tokenEncoderLoading: Promise<TokenVectorEncoder> | null = null;

  private constructor(
    private readonly store: DocumentStore,
    readonly settings: IndexSettings,
    embedder: Embedder | null,
    private readonly ownsEmbedder: boolean,
    private readonly embedOptions: IndexOpenOptions['embedOptions'],
    private readonly late: Pick<IndexOpenOptions, 'lateInteractionModel' | 'loadLateInteractionModel'> = {},
  ) {
    this.embedder = embedder;
  }

  static async open(location: string, options: IndexOpenOptions = {}): Promise<Index> {
    const store = await openStore(location, { create: options.create ?? true });
    let embedder: Embedder | null = null;
    const ownsEmbedder = typeof options.embedModel === 'string';
    try {
      let settings = await store.settings();
      if (settings === null && options.create === false) throw new InputError(`${location} holds no crossrank index`);
      if (typeof options.embedModel === 'string') {
        // An existing index keeps the prefixes its vectors were made with.
        const prefixes = settings?.embedding ? { queryPrefix: settings.embedding.queryPrefix, documentPrefix: settings.embedding.documentPrefix } : {};
        embedder = await BiEncoder.load(options.embedModel, { ...options.embedOptions, ...prefixes });
      } else if (options.embedModel !== undefined) {
        embedder = options.embedModel;
      }
      if (settings === null) {
        settings = newSettings(embedder, options.stopwords ?? true, options.lateInteractionModel ?? null);
        await store.initialize(settings);
      } else {
        checkCompatible(settings, embedder, options, location);
      }
      return new Index(store, settings, embedder, ownsEmbedder, options.embedOptions, options);
    } catch (error) {
      if (ownsEmbedder) await embedder?.close();
      await store.close();
      throw error;
    }
  }

  /** Creates an index at `location` (which must not hold one) from `documents`. */
  static async build(location: string, documents: Iterable<IndexDocument> | AsyncIterable<IndexDocument>, options: IndexOpenOptions & AddOptions = {}): Promise<Index> {
    const index = await Index.open(location, options);
    try {
      if ((await index.count()) > 0) throw new InputError(`${location} already holds an index; add to it instead`);
      await index.addAll(documents, options);
      return index;
    } catch (error) {
      await index.close();
      throw error;
    }
  }

  get hasVectors(): boolean {
    return this.settings.embedding !== null;
  }

  /** Whether documents are stored with late-interaction token vectors. */
  get hasTokenVectors(): boolean {
    return this.settings.lateInteraction != null;
  }

  get location(): string {
    return this.store.location;
  }

  get storeKind(): DocumentStore['kind'] {
    return this.store.kind;
  }

  /** Adds (or replaces, by id) documents, `batchSize` at a time, all or nothing (see AddOptions). */
  async add(documents: readonly IndexDocument[], options: AddOptions = {}): Promise<void> {
    await this.addAll(documents, { ...options, total: documents.length });
  }

  /**
   * Adds documents from a stream (a corpus file too large to hold), `batchSize` at a time, in one
   * transaction: if the stream, the embedding or the store fails, nothing of it is in the index.
   * Returns how many were added.
   */
  async addAll(documents: Iterable<IndexDocument> | AsyncIterable<IndexDocument>, options: AddOptions & { total?: number } = {}): Promise<number> {
    const batchSize = positiveIntegerOption(options.batchSize ?? 256, 'batchSize');
    return this.store.atomically(async () => {
      let batch: IndexDocument[] = [];
      let done = 0;
      const flush = async (): Promise<void> => {
        await this.writeBatch(batch);
        done += batch.length;
        batch = [];
        options.onProgress?.(done, options.total ?? done);
      };
      for await (const document of documents) {
        batch.push(document);
        if (batch.length >= batchSize) await flush();
      }
      if (batch.length > 0) await flush();
      await this.store.ensureSearchIndexes();
      return done;
    });
  }

  /** Deletes documents by id, in one transaction; returns how many were there. */
  delete(ids: readonly string[]): Promise<number> {
    return this.store.delete(ids);
  }

  /** The k best candidates for the query, best first, with the first stage's own scores. */
  async firstStage(query: string, stage: FirstStage, k: number): Promise<ScoredId[]> {
    positiveIntegerOption(k, 'candidates');
    switch (stage) {
      case 'bm25':
        return this.store.textSearch(analyze(query, this.settings.analyzer), k);
      case 'dense': {
        const [vector] = await (await this.requireEmbedder(stage)).embedQueries([query]);
        return this.store.vectorSearch(vector, k);
      }
      case 'late':
        return this.lateSearch(query, k);
      case 'hybrid': {
        if (!this.hasVectors && !this.hasTokenVectors) throw new InputError(`hybrid needs vectors, and index ${this.location} has none: build it with an embedding or a late-interaction model`);
        const lexical = await this.store.textSearch(analyze(query, this.settings.analyzer), k);
        const runs = [lexical];
        if (this.hasVectors) {
          const [vector] = await (await this.requireEmbedder(stage)).embedQueries([query]);
          runs.push(await this.store.vectorSearch(vector, k));
        }
        if (this.hasTokenVectors) runs.push(await this.lateSearch(query, k));
        return reciprocalRankFusion(runs).slice(0, k);
      }
      default:
        throw new InputError(`first stage must be one of ${FIRST_STAGES.join(', ')}, got ${String(stage)}`);
    }
  }

  get(ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    return this.store.get(ids);
  }

  /** The stored token vectors of documents (decoded; int8 precision, see tokenVectorCodec.ts), by id. */
  async tokenVectors(ids: readonly string[]): Promise<Map<string, TokenVectorSet>> {
    const late = this.requireLateSettings('stored token vectors');
    const stored = await this.store.tokenVectors(ids);
    return new Map([...stored].map(([id, bytes]) => [id, decodeTokenVectors(bytes, late.dimension)]));
  }

  /** The stored token vectors' bytes of documents, by id (for sizes and error bounds). */
  storedTokenVectorBytes(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    this.requireLateSettings('stored token vectors');
    return this.store.tokenVectors(ids);
  }

  count(): Promise<number> {
    return this.store.count();
  }

  async close(): Promise<void> {
    try {
      if (this.ownsEmbedder) await this.embedder?.close();
      // A model that failed to load was closed where it failed.
      else if (this.embedderLoading) await (await this.embedderLoading.catch(() => null))?.close();
      if (this.tokenEncoderLoading) await (await this.tokenEncoderLoading.catch(() => null))?.close();
    } finally {
      await this.store.close();
    }
  }

  private async writeBatch(documents: readonly IndexDocument[]): Promise<void> {
    const checked = documents.map(checkDocument);
    const texts = checked.map(passageText);
    const vectors = this.hasVectors ? await (await this.requireEmbedder('indexing')).embedDocuments(texts) : null;
    const tokenVectors = this.hasTokenVectors ? await (await this.requireTokenEncoder('indexing')).encodeDocuments(texts) : null;
    const records: DocumentRecord[] = checked.map((document, i) => ({
      document,
      terms: analyzedText(texts[i], this.settings.analyzer),
      ...(vectors ? { vector: vectors[i] } : {}),
      ...(tokenVectors ? { tokenVectors: encodeTokenVectors(tokenVectors[i]) } : {}),
    }));
    await this.store.upsert(records);
  }

  /** MaxSim of the query with every stored document, the k best: an exact scan, refused past LATE_SCAN_LIMIT documents. */
  private async lateSearch(query: string, k: number): Promise<ScoredId[]> {
    const late = this.requireLateSettings('the late first stage');
    const total = await this.store.count();
    if (total > LATE_SCAN_LIMIT) throw new InputError(`the late first stage scans every document, and index ${this.location} has ${total} (more than ${LATE_SCAN_LIMIT}): use bm25 or hybrid candidates with --rerank-model instead`);
    const encoder = await this.requireTokenEncoder('the late first stage');
    const queryVectors = await encoder.encodeQuery(query);
    let best: ScoredId[] = [];
    let ids: string[] = [];
    let sets: TokenVectorSet[] = [];
    const flush = (): void => {
      const scores = encoder.scoreVectors(queryVectors, sets);
      // Ties keep insertion order: the sort is stable and earlier documents come first.
      best = [...best, ...ids.map((id, i) => ({ id, score: scores[i] }))].sort((a, b) => b.score - a.score).slice(0, k);
      ids = [];
      sets = [];
    };
    for await (const [id, bytes] of this.store.scanTokenVectors()) {
      ids.push(id);
      sets.push(decodeTokenVectors(bytes, late.dimension));
      if (ids.length >= 1024) flush();
    }
    flush();
    return best;
  }

  private requireLateSettings(purpose: string): NonNullable<IndexSettings['lateInteraction']> {
    const late = this.settings.lateInteraction;
    if (late == null) throw new InputError(`${purpose} needs token vectors, and index ${this.location} has none: build it with a late-interaction model`);
    return late;
  }

  /** The late-interaction model: the one given at open, else the one recorded in the index, loaded on first use. */
  private async requireTokenEncoder(purpose: string): Promise<TokenVectorEncoder> {
    const late = this.requireLateSettings(purpose);
    if (this.late.lateInteractionModel) return this.late.lateInteractionModel;
    const load = this.late.loadLateInteractionModel;
    if (!load) throw new InputError(`${purpose} needs the late-interaction model ${late.model}; open the index with it`);
    this.tokenEncoderLoading ??= load(late.model).then((encoder) => {
      if (encoder.info.dimension !== late.dimension) {
        void encoder.close();
        throw new InputError(`${late.model} makes ${encoder.info.dimension}-dimensional token vectors; index ${this.location} holds ${late.dimension}`);
      }
      return encoder;
    });
    return this.tokenEncoderLoading;
  }

  /** The embedding model: the one given at open, else the one recorded in the index, loaded on first use. */
  private async requireEmbedder(purpose: string): Promise<Embedder> {
    if (this.embedder) return this.embedder;
    const embedding = this.settings.embedding;
    if (embedding === null) throw new InputError(`${purpose} needs vectors, and index ${this.location} has none: build it with an embedding model`);
    this.embedderLoading ??= BiEncoder.load(embedding.model, {
      ...this.embedOptions,
      queryPrefix: embedding.queryPrefix,
      documentPrefix: embedding.documentPrefix,
    }).then((embedder) => {
      if (embedder.info.dimension !== embedding.dimension) {
        void embedder.close();
        throw new InputError(`${embedding.model} makes ${embedder.info.dimension}-dimensional vectors; index ${this.location} holds ${embedding.dimension}`);
      }
      return embedder;
    });
    return this.embedderLoading;
  }
}

function newSettings(embedder: Embedder | null, stopwords: boolean, late: TokenVectorEncoder | null): IndexSettings {
  return {
    lateInteraction: late ? { model: resolve(late.info.modelDir), dimension: late.info.dimension, codec: TOKEN_VECTOR_CODEC } : null,
    schema: SCHEMA_VERSION,
    analyzer: { stopwords },
    embedding: embedder
      ? {
          model: resolve(embedder.info.modelDir),
          dimension: embedder.info.dimension,
          queryPrefix: embedder.info.queryPrefix,
          documentPrefix: embedder.info.documentPrefix,
        }
      : null,
  };
}

function checkCompatible(settings: IndexSettings, embedder: Embedder | null, options: IndexOpenOptions, location: string): void {
  if (options.stopwords !== undefined && options.stopwords !== settings.analyzer.stopwords) {
    throw new InputError(`index ${location} was built with stopwords ${settings.analyzer.stopwords ? 'dropped' : 'kept'}; rebuild it to change that`);
  }
  const late = options.lateInteractionModel;
  if (late && settings.lateInteraction == null) throw new InputError(`index ${location} was built without token vectors; a late-interaction model cannot be added to it`);
  if (late && settings.lateInteraction && late.info.dimension !== settings.lateInteraction.dimension) {
    throw new InputError(`${late.info.modelDir} makes ${late.info.dimension}-dimensional token vectors; index ${location} holds ${settings.lateInteraction.dimension}`);
  }
  if (embedder === null) return;
  if (settings.embedding === null) throw new InputError(`index ${location} was built without vectors; an embedding model cannot be added to it`);
  if (embedder.info.dimension !== settings.embedding.dimension) {
    throw new InputError(`${embedder.info.modelDir} makes ${embedder.info.dimension}-dimensional vectors; index ${location} holds ${settings.embedding.dimension}`);
  }
}

function checkDocument(document: IndexDocument, index: number): IndexDocument {
  if (typeof document !== 'object' || document === null) throw new InputError(`document ${index} is not an object`);
  if (typeof document.id !== 'string' || document.id === '') throw new InputError(`document ${index} has no id`);
  if (typeof document.text !== 'string') throw new InputError(`document ${document.id} has no text`);
  if (document.title !== undefined && typeof document.title !== 'string') throw new InputError(`document ${document.id}: title must be a string`);
  return document;
}

