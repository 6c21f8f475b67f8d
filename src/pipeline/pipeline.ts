import { InputError, positiveIntegerOption } from '../errors.js';
import { CrossEncoder, type CrossEncoderOptions } from '../rerank/crossEncoder.js';
import { checkQuery } from '../rerank/documents.js';
import { rankByScore } from '../rerank/ranking.js';
import type { StoredDocument } from '../retrieve/stores/types.js';
import { checkFirstStageWeight, interpolateScores } from '../rerank/interpolation.js';
import { passageText } from '../retrieve/passage.js';
import { recommendedFirstStageWeight } from '../rerank/recommendedWeight.js';
import { Index, type FirstStage, type IndexOpenOptions } from '../retrieve/searchIndex.js';

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

/** A first-stage candidate, fetched from the store, with where the first stage put it. */
export interface Candidate {
  document: StoredDocument;
  firstStage: SearchHit['firstStage'];
}

/**
 * Two-stage search: the index's first stage (BM25, dense or hybrid) finds candidates, the
 * cross-encoder reorders them, and each result carries both scores. `search` is the three steps
 * `retrieve`, `rerank` and `mix`, which `eval` also runs one by one (one first stage per query,
 * feeding every reranked run).
 */
export class Pipeline {
  /** What the reranker's config recommends mixing in (config.json `crossrank.first_stage_weight`), if anything. */
  readonly recommendedWeight: number | undefined;

  constructor(
    readonly index: Index,
    readonly reranker: CrossEncoder | null,
    private readonly owned: { index: boolean; reranker: boolean } = { index: false, reranker: false },
  ) {
    this.recommendedWeight = reranker ? recommendedFirstStageWeight(reranker.info.modelDir) : undefined;
  }

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
    const topN = positiveIntegerOption(options.topN ?? 10, 'topN');
    const found = await this.retrieve(query, options.firstStage ?? this.defaultFirstStage, options.candidates ?? 100);
    if (!this.reranker) {
      return found
        .slice(0, topN)
        .map((hit, i) => ({ ...hit.document, rank: i + 1, firstStage: hit.firstStage, rerankScore: null, score: hit.firstStage.score }));
    }
    const weight = this.firstStageWeight(options.firstStageWeight);
    return this.mix(found, await this.rerank(query, found), weight).slice(0, topN);
  }

  /** Step 1: the first stage's candidates, best first, with their documents. */
  async retrieve(query: string, stage: FirstStage, candidates: number): Promise<Candidate[]> {
    const firstStage = await this.index.firstStage(query, stage, candidates);
    const stored = await this.index.get(firstStage.map((candidate) => candidate.id));
    // A document deleted between the two reads is left out.
    return firstStage.flatMap((candidate, i) => {
      const document = stored.get(candidate.id);
      return document ? [{ document, firstStage: { stage, rank: i + 1, score: candidate.score } }] : [];
    });
  }

  /** Step 2: the reranker's score of each candidate, in candidate order. */
  async rerank(query: string, found: readonly Candidate[]): Promise<number[]> {
    if (!this.reranker) throw new InputError('this pipeline has no reranker');
    return this.reranker.score(found.map((hit) => [query, passageText(hit.document)] as const));
  }

  /**
   * Step 3: the final order. Weight 0 is the reranker's order, and its raw scores stay the hits'
   * scores; above 0 the standardised scores are mixed (see interpolation.ts). Equal scores keep
   * the first stage's order.
   */
  mix(found: readonly Candidate[], rerankScores: readonly number[], weight: number): SearchHit[] {
    const scores = weight === 0 ? rerankScores : interpolateScores(rerankScores, found.map((hit) => hit.firstStage.score), weight);
    return rankByScore(scores).map((index, i) => ({
      ...found[index].document,
      rank: i + 1,
      firstStage: found[index].firstStage,
      rerankScore: rerankScores[index],
      score: scores[index],
    }));
  }

  /** The weight search mixes the first stage in with: the caller's, else what the reranker's config recommends, else 0. */
  firstStageWeight(requested?: number): number {
    return checkFirstStageWeight(requested ?? this.recommendedWeight ?? 0);
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
