import type { Pipeline, SearchHit } from '../pipeline/pipeline.js';
import type { FirstStage } from '../retrieve/searchIndex.js';
import type { BeirDataset } from './beir.js';
import { evaluateRun, type RetrievedDocument, type Run, type RunEvaluation } from './metrics.js';

/** One evaluated ranking: a first stage alone, or a first stage followed by the reranker. */
export interface EvaluatedRun {
  /** `bm25`, `bm25+rerank`, `bm25+rerank+bm25@0.5` (interpolated with the first stage, weight 0.5), ... */
  name: string;
  stage: FirstStage;
  reranked: boolean;
  run: Run;
  evaluation: RunEvaluation;
  /** Mean wall time of one query's search, milliseconds (the first stage and, for reranked runs, the reranker). */
  msPerQuery: number;
}

export interface PipelineEvaluation {
  candidates: number;
  runs: EvaluatedRun[];
}

export interface EvaluateOptions {
  stages: readonly FirstStage[];
  /** First-stage depth: the run's documents per query and the reranker's candidates; default 100. */
  candidates?: number;
  /** Average over every judged query, a query without results counting 0 (trec_eval -c). */
  complete?: boolean;
  /**
   * Also evaluate the reranked order interpolated with the first stage at this weight (Pipeline's
   * firstStageWeight; default: the weight the reranker's config recommends, if any). The same
   * rerank scores, no second pass.
   */
  firstStageWeight?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs every judged query through each first stage and, where the pipeline has a reranker, through
 * the reranker too, and evaluates both rankings. The reranked run scores exactly the first stage's
 * candidates, so their difference is what reranking bought.
 */
export async function evaluatePipeline(pipeline: Pipeline, dataset: BeirDataset, options: EvaluateOptions): Promise<PipelineEvaluation> {
  const candidates = options.candidates ?? 100;
  const weight = pipeline.firstStageWeight(options.firstStageWeight);
  const runs: EvaluatedRun[] = [];
  const total = options.stages.length * dataset.queries.size;
  let done = 0;
  for (const stage of options.stages) {
    const firstStage = new Map<string, RetrievedDocument[]>();
    const reranked = new Map<string, RetrievedDocument[]>();
    const interpolated = new Map<string, RetrievedDocument[]>();
    let firstStageMs = 0;
    let rerankedMs = 0;
    for (const [queryId, text] of dataset.queries) {
      if (text.trim() === '') {
        // No ranking: left out, as trec_eval leaves out a query without results.
        options.onProgress?.(++done, total);
        continue;
      }
      // One first stage per query: its candidates are the first-stage run and what every reranked run reorders.
      let started = performance.now();
      const found = await pipeline.retrieve(text, stage, candidates);
      const retrieveMs = performance.now() - started;
      firstStageMs += retrieveMs;
      firstStage.set(queryId, found.map((candidate) => ({ id: candidate.document.id, score: candidate.firstStage.score })));
      if (pipeline.reranker) {
        started = performance.now();
        const rerankScores = await pipeline.rerank(text, found);
        rerankedMs += retrieveMs + performance.now() - started;
        reranked.set(queryId, runOf(pipeline.mix(found, rerankScores, 0)));
        if (weight > 0) interpolated.set(queryId, runOf(pipeline.mix(found, rerankScores, weight)));
      }
      options.onProgress?.(++done, total);
    }
    const queries = Math.max(firstStage.size, 1);
    runs.push({ name: stage, stage, reranked: false, run: firstStage, evaluation: evaluateRun(dataset.qrels, firstStage, options), msPerQuery: firstStageMs / queries });
    if (pipeline.reranker) {
      const evaluation = evaluateRun(dataset.qrels, reranked, options);
      runs.push({ name: `${stage}+rerank`, stage, reranked: true, run: reranked, evaluation, msPerQuery: rerankedMs / queries });
      if (weight > 0) {
        const name = `${stage}+rerank+${stage}@${weight}`;
        runs.push({ name, stage, reranked: true, run: interpolated, evaluation: evaluateRun(dataset.qrels, interpolated, options), msPerQuery: rerankedMs / queries });
      }
    }
  }
  return { candidates, runs };
}

function runOf(hits: readonly SearchHit[]): RetrievedDocument[] {
  return hits.map((hit) => ({ id: hit.id, score: hit.score }));
}

/** Each reranked run with the first-stage run whose candidates it reordered. */
export function rerankedRuns(runs: readonly EvaluatedRun[]): Array<{ before: EvaluatedRun; after: EvaluatedRun }> {
  return runs.flatMap((after) => {
    const before = after.reranked ? runs.find((run) => run.stage === after.stage && !run.reranked) : undefined;
    return before ? [{ before, after }] : [];
  });
}
