import { InputError } from '../errors.js';
import { CrossEncoder, type CrossEncoderOptions } from '../rerank/crossEncoder.js';
import { checkQuery } from '../rerank/documents.js';
import type { StoredDocument } from '../retrieve/stores/types.js';
import { checkFirstStageWeight, interpolateScores } from './interpolation.js';
import { passageText } from './passage.js';
import { Index, type FirstStage, type IndexOpenOptions } from './searchIndex.js';

export interface SearchOptions {
  /** Default: hybrid when the index has vectors, else bm25. */
  firstStage?: FirstStage;
  /** First-stage candidates handed to the reranker; default 100. */
  candidates?: number;
  /** Results returned; default 10. */
  topN?: number;
  /**
   * Mix the first stage's score into the final order: standardised rerank score + weight x
   * standardised first-stage score (see interpolation.ts). Default: what the reranker's config
   * recommends (the starter model: 1), else 0, the reranker's order alone.
   */
  firstStageWeight?: number;
}

/** One result: the document, where the first stage put it, and the reranker's score. */
export interface SearchHit extends StoredDocument {
  /** Final rank, from 1. */
  rank: number;
  firstStage: { stage: FirstStage; rank: number; score: number };
  /** The cross-encoder's score, or null where no reranker was given (the first stage's order stands). */
  rerankScore: number | null;
  /** What the final order is by: the interpolated score with a firstStageWeight, else the rerank score, else the first stage's. */
  score: number;
}

export interface PipelineOpenOptions extends IndexOpenOptions {
  /** The cross-encoder (a directory or a loaded CrossEncoder); without one, search returns the first stage's order. */
  rerankModel?: string | CrossEncoder;
  /** How a reranker given by directory is loaded. */
  rerankOptions?: CrossEncoderOptions;
}

/**
 * Two-stage search: the index's first stage (BM25, dense or hybrid) finds candidates, the
 * cross-encoder reorders them, and each result carries both scores.
 */
export class Pipeline {
  constructor(
    readonly index: Index,
    readonly reranker: CrossEncoder | null,
    private readonly owned: { index: boolean; reranker: boolean } = { index: false, reranker: false },
  ) {}

  /** Opens an existing index and loads the reranker. */
  static async open(location: string, options: PipelineOpenOptions = {}): Promise<Pipeline> {
    const index = await Index.open(location, { create: false, ...options });
    try {
      const reranker =
        typeof options.rerankModel === 'string' ? await CrossEncoder.load(options.rerankModel, options.rerankOptions) : (options.rerankModel ?? null);
      return new Pipeline(index, reranker, { index: true, reranker: typeof options.rerankModel === 'string' });
    } catch (error) {
      await index.close();
      throw error;
    }
  }

  get defaultFirstStage(): FirstStage {
    return this.index.hasVectors ? 'hybrid' : 'bm25';
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    checkQuery(query);
    const stage = options.firstStage ?? this.defaultFirstStage;
    const candidates = options.candidates ?? 100;
    const topN = options.topN ?? 10;
    if (!Number.isInteger(topN) || topN < 1) throw new InputError(`topN must be a positive integer, got ${topN}`);

    const firstStage = await this.index.firstStage(query, stage, candidates);
    const stored = await this.index.get(firstStage.map((candidate) => candidate.id));
    // A document deleted between the two reads is left out.
    const found = firstStage.flatMap((candidate, i) => {
      const document = stored.get(candidate.id);
      return document ? [{ document, firstStage: { stage, rank: i + 1, score: candidate.score } }] : [];
    });

    if (!this.reranker) {
      return found
        .slice(0, topN)
        .map((hit, i) => ({ ...hit.document, rank: i + 1, firstStage: hit.firstStage, rerankScore: null, score: hit.firstStage.score }));
    }
    const weight = this.firstStageWeight(options.firstStageWeight);
    const rerankScores = await this.reranker.score(found.map((hit) => [query, passageText(hit.document)] as const));
    // Weight 0 is the reranker's order, and its raw scores stay the hits' scores.
    const scores = weight === 0 ? rerankScores : interpolateScores(rerankScores, found.map((hit) => hit.firstStage.score), weight);
    // Equal scores keep the first stage's order.
    const order = scores.map((_, index) => index).sort((a, b) => scores[b] - scores[a] || a - b);
    return order.slice(0, topN).map((index, i) => ({
      ...found[index].document,
      rank: i + 1,
      firstStage: found[index].firstStage,
      rerankScore: rerankScores[index],
      score: scores[index],
    }));
  }

  /** The weight search mixes the first stage in with: the caller's, else what the reranker's config recommends, else 0. */
  firstStageWeight(requested?: number): number {
    return checkFirstStageWeight(requested ?? this.reranker?.info.firstStageWeight ?? 0);
  }

  /** Closes what the pipeline opened itself (an index or a reranker passed in stays open). */
  async close(): Promise<void> {
    try {
      if (this.owned.reranker) await this.reranker?.close();
    } finally {
      if (this.owned.index) await this.index.close();
    }
  }
}
