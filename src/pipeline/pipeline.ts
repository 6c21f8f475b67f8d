import { InputError, positiveIntegerOption } from '../errors.js';
import { resolve } from 'node:path';
import { LateInteractionModel } from '../rerank/lateInteraction.js';
import { LlmReranker } from '../rerank/llmReranker.js';
import { loadReranker, type Reranker, type RerankerOptions } from '../rerank/loadReranker.js';
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
  /**
   * The reranker (a directory or hub id, loaded by loadReranker, or a loaded CrossEncoder or
   * LateInteractionModel); without one, search returns the first stage's order. A late-interaction
   * reranker whose model made the index's token vectors scores the stored vectors and encodes only the query.
   */
  rerankModel?: string | Reranker;
  /** How a reranker given by directory is loaded. */
  rerankOptions?: RerankerOptions;
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
    readonly reranker: Reranker | null,
    private readonly owned: { index: boolean; reranker: boolean } = { index: false, reranker: false },
  ) {
    this.recommendedWeight = reranker ? recommendedFirstStageWeight(reranker.info.modelDir) : undefined;
  }

  /** Opens an existing index and loads the reranker. */
  static async open(location: string, options: PipelineOpenOptions = {}): Promise<Pipeline> {
    let reranker: Reranker | null = null;
    // The late first stage loads the model the index records, unless the reranker is that model.
    const loadLateInteractionModel = async (modelDir: string): Promise<LateInteractionModel> =>
      reranker instanceof LateInteractionModel && resolve(reranker.info.modelDir) === modelDir ? reranker : LateInteractionModel.load(modelDir, { threads: options.rerankOptions?.threads, quiet: options.rerankOptions?.quiet });
    const index = await Index.open(location, { create: false, loadLateInteractionModel, ...options });
    try {
      reranker = typeof options.rerankModel === 'string' ? await loadReranker(options.rerankModel, options.rerankOptions) : (options.rerankModel ?? null);
      return new Pipeline(index, reranker, { index: true, reranker: typeof options.rerankModel === 'string' });
    } catch (error) {
      await index.close();
      throw error;
    }
  }

  get defaultFirstStage(): FirstStage {
    return this.index.hasVectors || this.index.hasTokenVectors ? 'hybrid' : 'bm25';
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
    if (this.scoresStoredVectors) return this.rerankFromStoredVectors(this.reranker as LateInteractionModel, query, found);
    // An LLM reranker scores one query's documents together (their prompt prefix is shared).
    if (this.reranker instanceof LlmReranker) return this.reranker.score(query, found.map((hit) => passageText(hit.document)));
    return this.reranker.score(found.map((hit) => [query, passageText(hit.document)] as const));
  }

  /** Whether the reranker is the late-interaction model that made the index's stored token vectors. */
  get scoresStoredVectors(): boolean {
    const late = this.index.settings.lateInteraction;
    return this.reranker instanceof LateInteractionModel && late != null && late.model === resolve(this.reranker.info.modelDir);
  }

  /** MaxSim with the stored (int8) vectors: only the query is encoded; a candidate without stored vectors is encoded. */
  private async rerankFromStoredVectors(reranker: LateInteractionModel, query: string, found: readonly Candidate[]): Promise<number[]> {
    const [queryVectors, stored] = await Promise.all([reranker.encodeQuery(query), this.index.tokenVectors(found.map((hit) => hit.document.id))]);
    const missing = found.filter((hit) => !stored.has(hit.document.id));
    const encoded = await reranker.encodeDocuments(missing.map((hit) => passageText(hit.document)));
    missing.forEach((hit, i) => stored.set(hit.document.id, encoded[i]));
    return reranker.scoreVectors(queryVectors, found.map((hit) => stored.get(hit.document.id)!));
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
